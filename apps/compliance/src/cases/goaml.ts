import { create } from 'xmlbuilder2';
import type { Party } from '@concord/contracts';
import { formatAmount } from '@concord/money';

/**
 * A suspicious transaction report in goAML XML (the UNODC schema many financial intelligence units take):
 * report with rentity_id, submission_code E (electronic), report_code STR, the reporting person, the
 * reason (the hits and rules, with their explanations) and the action taken, and one transaction from
 * the originator (t_from_my_client) to the beneficiary (t_to).
 */
export interface StrInput {
  reportingEntityId: string;
  officerId: string;
  transferId: string;
  amountMinor: bigint;
  currency: string;
  date: Date;
  originator: Party;
  beneficiary: Party;
  reasons: string[];
  action: string;
}

function splitName(name: string): { first_name: string; last_name: string } {
  const parts = name.trim().split(/\s+/);
  return parts.length === 1
    ? { first_name: '', last_name: parts[0] }
    : { first_name: parts.slice(0, -1).join(' '), last_name: parts[parts.length - 1] };
}

function person(p: Party): Record<string, unknown> {
  return {
    ...splitName(p.name),
    ...(p.birthDate ? { birthdate: `${p.birthDate}T00:00:00` } : {}),
    ...(p.nationality ? { nationality1: p.nationality } : {}),
    residence: p.country,
    ...(p.address
      ? {
          addresses: {
            address: {
              address_type: 'PRIV',
              address: p.address.street ?? '',
              city: p.address.town ?? '',
              ...(p.address.postCode ? { zip: p.address.postCode } : {}),
              country_code: p.address.country,
            },
          },
        }
      : {}),
    ...(p.identification
      ? {
          identification: {
            type: p.identification.type,
            number: p.identification.number,
            ...(p.identification.issuer ? { issue_country: p.identification.issuer } : {}),
          },
        }
      : {}),
  };
}

export function goamlReport(input: StrInput): string {
  const date = input.date.toISOString().slice(0, 19);
  const report = {
    report: {
      rentity_id: input.reportingEntityId,
      submission_code: 'E',
      report_code: 'STR',
      entity_reference: input.transferId,
      submission_date: new Date().toISOString().slice(0, 19),
      currency_code_local: input.currency,
      reporting_person: { first_name: '', last_name: input.officerId },
      reason: input.reasons.join('\n'),
      action: input.action,
      transaction: {
        transactionnumber: input.transferId,
        transaction_location: 'Concord settlement network',
        date_transaction: date,
        transmode_code: 'EFT',
        amount_local: formatAmount(input.amountMinor, input.currency),
        t_from_my_client: {
          from_funds_code: 'E',
          from_person: person(input.originator),
          from_country: input.originator.country,
        },
        t_to: {
          to_funds_code: 'E',
          to_person: person(input.beneficiary),
          to_country: input.beneficiary.country,
        },
      },
    },
  };
  return create({ version: '1.0', encoding: 'UTF-8' }, report).end({ prettyPrint: true });
}
