import {
  clearingSchema,
  ConfigError,
  DEMO_OPERATOR_TOKEN,
  fxSchema,
  gatewaySchema,
  ledgerSchema,
  loadConfig,
} from './config';

function problems(run: () => unknown): { variable: string; message: string }[] {
  try {
    run();
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe('loadConfig', () => {
  it('applies defaults when variables are unset', () => {
    const config = loadConfig(gatewaySchema, {});
    expect(config.GATEWAY_PORT).toBe(3000);
    expect(config.KAFKA_BROKERS).toBe('127.0.0.1:9092');
  });

  it('names every invalid variable in one error', () => {
    let error: unknown;
    try {
      loadConfig(ledgerSchema, { GATEWAY_PORT: 'x', LEDGER_SIGNER_ID: 'BAD ID', KAFKA_BROKERS: 'nope' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const names = (error as ConfigError).problems.map((p) => p.variable).sort();
    expect(names).toEqual(['KAFKA_BROKERS', 'LEDGER_SIGNER_ID', 'LEDGER_SIGNER_KEY']);
    expect((error as ConfigError).message).toContain('LEDGER_SIGNER_KEY');
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig(gatewaySchema, { GATEWAY_PORT: '' }).GATEWAY_PORT).toBe(3000);
  });

  it('requires OPERATOR_TOKEN of at least 32 characters once an operator API port is set', () => {
    for (const [schema, portVariable] of [
      [clearingSchema, 'CLEARING_PORT'],
      [fxSchema, 'FX_PORT'],
    ] as const) {
      // No port, no operator API: no token needed.
      expect(loadConfig(schema, {}).OPERATOR_TOKEN).toBeUndefined();
      expect(problems(() => loadConfig(schema, { [portVariable]: '3100' }))).toEqual([
        { variable: 'OPERATOR_TOKEN', message: expect.stringContaining(`required when ${portVariable}`) },
      ]);
      expect(
        problems(() => loadConfig(schema, { [portVariable]: '3100', OPERATOR_TOKEN: 'x'.repeat(31) })),
      ).toEqual([{ variable: 'OPERATOR_TOKEN', message: 'at least 32 characters' }]);
      expect(
        problems(() =>
          loadConfig(schema, { [portVariable]: '3100', OPERATOR_TOKEN: `${'x'.repeat(32)} with spaces` }),
        ).map((p) => p.variable),
      ).toEqual(['OPERATOR_TOKEN']);
      const config = loadConfig(schema, { [portVariable]: '3100', OPERATOR_TOKEN: DEMO_OPERATOR_TOKEN });
      expect(config).toMatchObject({ [portVariable]: 3100, OPERATOR_TOKEN: DEMO_OPERATOR_TOKEN });
    }
    expect(loadConfig(fxSchema, {}).FX_HOST).toBe('127.0.0.1');
  });
});
