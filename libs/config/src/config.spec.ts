import { ConfigError, gatewaySchema, ledgerSchema, loadConfig } from './config';

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
});
