import { serviceSchemas } from '@concord/config';
import { z } from 'zod';
import {
  collectVariables,
  lineDiff,
  renderConfigurationDoc,
  undescribedVariables,
} from './configuration-doc';

/** A small stand-in for libs/config: three services, two of them sharing a variable, with the kinds of fields it uses. */
const common = z.object({
  SHARED_URL: z.string().url().default('postgresql://h/db').describe('Where the data is.'),
});
const schemas = {
  alpha: common
    .extend({
      ALPHA_PORT: z.coerce.number().int().min(1).max(65535).optional().describe('Port of alpha.'),
      ALPHA_TIMEOUT_MS: z.coerce.number().int().min(1000).default(3_600_000).describe('How long | at most.'),
      ALPHA_KEY: z
        .string()
        .regex(/^[0-9a-f]{64}$/)
        .describe('A seed.'),
      TOKEN: z.string().min(32).max(64).optional().describe('Needed with ALPHA_PORT.'),
    })
    .superRefine(() => undefined),
  beta: common.extend({
    BETA_MODE: z
      .enum(['true', 'false'])
      .default('false')
      .transform((v) => v === 'true')
      .describe('Whether beta is on.'),
    TOKEN: z.string().min(32).max(64).optional().describe('Needed with BETA_PORT.'),
    BETA_NEW: z.string().optional(),
  }),
  gamma: common,
};

describe('configuration document', () => {
  it('lists each variable once, with the services that read it', () => {
    const vars = collectVariables(schemas);
    expect(vars.map((v) => v.name)).toEqual([
      'SHARED_URL',
      'ALPHA_PORT',
      'ALPHA_TIMEOUT_MS',
      'ALPHA_KEY',
      'TOKEN',
      'BETA_MODE',
      'BETA_NEW',
    ]);
    expect(vars.find((v) => v.name === 'SHARED_URL')?.services).toEqual(['alpha', 'beta', 'gamma']);
    expect(vars.find((v) => v.name === 'TOKEN')?.descriptions).toEqual([
      { services: ['alpha'], text: 'Needed with ALPHA_PORT.' },
      { services: ['beta'], text: 'Needed with BETA_PORT.' },
    ]);
  });

  it('renders type, default, required and description from the schema', () => {
    const doc = renderConfigurationDoc(schemas);
    const row = (name: string) => doc.split('\n').find((l) => l.startsWith(`| \`${name}\``));
    expect(row('SHARED_URL')).toBe('| `SHARED_URL` | URL | `postgresql://h/db` | Where the data is. |');
    expect(row('ALPHA_PORT')).toBe('| `ALPHA_PORT` | integer 1–65535 (port) | (unset) | Port of alpha. |');
    // Durations get their larger unit; a pipe in a text does not end its cell.
    expect(row('ALPHA_TIMEOUT_MS')).toBe(
      '| `ALPHA_TIMEOUT_MS` | integer ≥ 1000 ms | `3600000` (1 h) | How long \\| at most. |',
    );
    expect(row('ALPHA_KEY')).toBe(
      '| `ALPHA_KEY` | string matching `^[0-9a-f]{64}$` | **required** | A seed. |',
    );
    expect(row('TOKEN')).toBe(
      '| `TOKEN` | string of 32–64 characters | (unset) | alpha: Needed with ALPHA_PORT. beta: Needed with BETA_PORT. |',
    );
    // A transformed enum is documented by what the environment holds, not by what the service gets.
    expect(row('BETA_MODE')).toBe('| `BETA_MODE` | `true`, `false` | `false` | Whether beta is on. |');
    expect(row('BETA_NEW')).toBe('| `BETA_NEW` | string | (unset) | (no description) |');
  });

  it('groups variables by the services that read them, shared ones first', () => {
    const headings = renderConfigurationDoc(schemas)
      .split('\n')
      .filter((l) => l.startsWith('## '));
    expect(headings).toEqual([
      '## Every service (alpha, beta, gamma)',
      '## alpha',
      '## alpha and beta',
      '## beta',
    ]);
  });

  it('names the variables that lack a description', () => {
    expect(undescribedVariables(schemas)).toEqual(['BETA_NEW (beta)']);
  });

  it('picks up every variable of the real schemas, each with a description', () => {
    const doc = renderConfigurationDoc();
    for (const [service, schema] of Object.entries(serviceSchemas)) {
      for (const name of Object.keys(schema.shape)) {
        expect({ service, name, listed: doc.includes(`| \`${name}\` |`) }).toEqual({
          service,
          name,
          listed: true,
        });
      }
    }
    // Every variable in libs/config/src/config.ts needs `.describe('...')`: the text is its documentation.
    expect(undescribedVariables()).toEqual([]);
  });

  it('names the lines that differ', () => {
    expect(lineDiff('a\nb\nc', 'a\nB\nc\nd')).toEqual(['- 2: b', '+ 2: B', '+ 4: d']);
    expect(lineDiff('same', 'same')).toEqual([]);
    expect(lineDiff('x\n'.repeat(5), 'y\n'.repeat(5), 3)).toEqual([
      '- 1: x',
      '- 2: x',
      '- 3: x',
      '... and 7 more',
    ]);
  });
});
