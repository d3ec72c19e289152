import { signBytes, signingKeyFromSeed, verifyBytes } from '@concord/crypto';
import { CONSOLE_ROUTES, governanceSigningBytes, governanceSigningString, mayDo } from './console-api';
import { GovernanceAction, governanceSigningPayload } from './ledger';

describe('console API contract', () => {
  const action: GovernanceAction = {
    kind: 'set-limit',
    accountId: 'us-send/USD',
    limit: { kind: 'net-debit-cap', capMinor: '9000000' },
  };

  it('makes the browser sign exactly the bytes the ledger checks', () => {
    expect(governanceSigningString('chain-1', 'p-1', action)).toBe(
      governanceSigningPayload('chain-1', 'p-1', action),
    );
    const key = signingKeyFromSeed('11'.repeat(32));
    const signature = signBytes(key, Buffer.from(governanceSigningBytes('chain-1', 'p-1', action)));
    expect(verifyBytes(key.publicKeyHex, governanceSigningPayload('chain-1', 'p-1', action), signature)).toBe(
      true,
    );
    expect(governanceSigningString('chain-2', 'p-1', action)).not.toBe(
      governanceSigningString('chain-1', 'p-1', action),
    );
  });

  it('gives a regulator no write route and an operator no user management', () => {
    const writes = Object.values(CONSOLE_ROUTES).filter((r) => r.method !== 'GET' && r.permission);
    expect(writes.length).toBeGreaterThan(10);
    for (const route of writes) expect(mayDo('regulator', route.permission!)).toBe(false);
    expect(mayDo('regulator', 'audit.read')).toBe(true);
    expect(mayDo('operator', 'users.manage')).toBe(false);
    expect(mayDo('admin', 'users.manage')).toBe(true);
  });

  it('keeps case decisions to compliance officers, and breaks to operators', () => {
    const decide = Object.values(CONSOLE_ROUTES).filter((r) => r.permission === 'compliance.decide');
    expect(decide.map((r) => r.path)).toEqual([
      '/compliance/cases/:id/release',
      '/compliance/cases/:id/reject',
    ]);
    for (const role of ['operator', 'regulator', 'admin'] as const) {
      expect(mayDo(role, 'compliance.decide')).toBe(false);
      expect(mayDo(role === 'operator' ? 'compliance' : role, 'reconciliation.write')).toBe(false);
    }
    expect(mayDo('compliance', 'compliance.decide')).toBe(true);
    expect(mayDo('regulator', 'compliance.read')).toBe(true);
    expect(mayDo('operator', 'reconciliation.write')).toBe(true);
  });
});
