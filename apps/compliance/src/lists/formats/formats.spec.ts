import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEuList } from './eu';
import { ListFormatError } from './list-format';
import { parseOfacList } from './ofac';
import { parseOpenSanctions } from './opensanctions';
import { parseUnList } from './un';

const sample = (file: string) => readFileSync(join(__dirname, '../../../lists/samples', file), 'utf8');

describe('sanctions list formats', () => {
  it('reads the UN consolidated list: names in parts, aliases, original script, dates, countries', () => {
    const [viktor, hamid, ship] = parseUnList(sample('un-consolidated.xml'));
    expect(viktor).toEqual({
      id: 'un:9990001',
      source: 'un',
      kind: 'person',
      names: ['VIKTOR PETROVICH ORLANKO', 'Viktor Orlanko', 'Виктор Петрович Орланко'],
      birthDates: ['1961-04-12'],
      countries: ['RU'],
      programs: ['DPRK', 'KPi.901'],
    });
    expect(hamid.birthDates).toEqual(['1974']);
    expect(hamid.countries).toEqual(['YE']);
    expect(ship).toMatchObject({ kind: 'entity', countries: ['KP'] });
  });

  it('reads the OFAC SDN list: individuals and entities, akas, OFAC dates, country names', () => {
    const entries = parseOfacList(sample('ofac-sdn.xml'));
    expect(entries.map((e) => [e.id, e.kind])).toEqual([
      ['ofac:990001', 'person'],
      ['ofac:990002', 'person'],
      ['ofac:990003', 'entity'],
    ]);
    expect(entries[0].names).toEqual(['Abdel Karim FAROUQI', 'Abd al-Karim AL-FARUQI']);
    expect(entries[1]).toMatchObject({ birthDates: ['1979-11-03'], countries: ['RU'] });
    expect(entries[2].programs).toEqual(['IRAN', 'SDGT']);
  });

  it('reads the EU consolidated list from its attributes', () => {
    const [person, company] = parseEuList(sample('eu-consolidated.xml'));
    expect(person).toMatchObject({
      id: 'eu:990001',
      kind: 'person',
      names: ['Ludmila Sergeyevna Kravetskaya', 'Людмила Сергеевна Кравецкая'],
      birthDates: ['1975-08-30'],
      countries: ['RU'],
    });
    expect(company).toMatchObject({ kind: 'entity', countries: ['IR'], programs: ['IRN', 'EU.9902.02'] });
  });

  it('reads OpenSanctions FollowTheMoney entities, persons and companies only', () => {
    const entries = parseOpenSanctions(sample('opensanctions.ftm.json'));
    expect(entries.map((e) => e.id)).toEqual([
      'opensanctions:NK-fict0001',
      'opensanctions:NK-fict0002',
      'opensanctions:NK-fict0004',
    ]);
    expect(entries[2]).toMatchObject({ names: ['Zhao Mei-Ling', '赵美玲'], countries: ['CN'] });
  });

  it('refuses a malformed file whole, naming what is wrong', () => {
    const un = sample('un-consolidated.xml');
    expect(() => parseUnList(un.slice(0, un.length / 2))).toThrow(ListFormatError);
    expect(() => parseUnList(un.replace('<DATAID>9990002</DATAID>', ''))).toThrow(/without its id/);
    expect(() => parseUnList('<CONSOLIDATED_LIST><INDIVIDUALS/></CONSOLIDATED_LIST>')).toThrow(/no entry/);
    expect(() => parseOfacList(sample('un-consolidated.xml'))).toThrow(/no sdnList/);
    expect(() =>
      parseEuList(sample('eu-consolidated.xml').replace(/wholeName="[^"]*"/g, 'wholeName=""')),
    ).toThrow(/has no name/);
    const ftm = sample('opensanctions.ftm.json');
    expect(() => parseOpenSanctions(`${ftm}\n{"id":"x","schema":"Person","properties":{"name":"x"}`)).toThrow(
      /not JSON/,
    );
    expect(() => parseOpenSanctions('{"id":"x","schema":"Person","properties":{"name":"solo"}}')).toThrow(
      /not an array of strings/,
    );
  });
});
