import type { FinalizedBlock } from '@concord/contracts';
import { chainFault, auditHash } from './audit/audit.repository';
import { redact } from './audit/audit.recorder';
import { LoginThrottle } from './auth/login-throttle';
import { hashPassword, verifyPassword } from './auth/passwords';
import { cookieOf } from './auth/session.guard';
import { sessionCookie } from './auth/session.controller';
import { decodePair, encodePair } from './http/paging';
import { capUsageBps } from './ledger/explorer.repository';
import { signerViews } from './ledger/explorer.service';
import { payeeAccountOf, signerChangeHeights } from './ledger/proof.service';
import {
  accountVersionRows,
  nextSignerSets,
  ReceivedBlock,
  signerSetAt,
  transferRows,
} from './ledger/read-model.repository';
import { withNotes } from './reconciliation/breaks.repository';
import { csv, reportRange } from './reports/reports.controller';
import { healthView } from './webhooks/webhook-health';

const FAST = { N: 2 ** 10, r: 8, p: 1 };

function block(height: number, extra: Partial<FinalizedBlock> = {}): ReceivedBlock {
  const b = {
    v: 1,
    header: {
      chainId: 'c',
      height,
      prevHash: '0'.repeat(64),
      entriesRoot: '0'.repeat(64),
      stateRoot: '0'.repeat(64),
      blockTimeMs: height * 1000,
      entryCount: 1,
      firstOffset: '0',
      lastOffset: '0',
    },
    headerHash: 'a'.repeat(64),
    certificate: [],
    outcomes: [],
    participants: [],
    proposals: [],
    accounts: [],
    moves: [],
    postings: [],
    ...extra,
  } as FinalizedBlock;
  return { block: b, body: '{}', receivedAt: new Date() };
}

const outcome = (transferId: string, status: 'reserved' | 'fulfilled' | 'rejected', refusal?: true) => ({
  transferId,
  status,
  payer: 'a',
  payee: 'b',
  amountMinor: '100',
  currency: 'USD',
  ...(refusal ? { refusal } : {}),
});

describe('console pure parts', () => {
  it('hashes passwords with scrypt and verifies only the right one', async () => {
    const stored = await hashPassword('correct horse', FAST);
    expect(stored).toMatch(/^scrypt\$1024\$8\$1\$/);
    expect(await verifyPassword('correct horse', stored)).toBe(true);
    expect(await verifyPassword('correct horsf', stored)).toBe(false);
    expect(await verifyPassword('x', 'bcrypt$whatever')).toBe(false);
  });

  it('throttles logins per address per minute', () => {
    const t = new LoginThrottle(2);
    const now = 60_000 * 100 + 30_000;
    expect([t.take('a', now), t.take('a', now), t.take('b', now)]).toEqual([0, 0, 0]);
    expect(t.take('a', now)).toBe(30);
    expect(t.take('a', now + 30_000)).toBe(0);
  });

  it('reads its cookie and writes it HttpOnly, SameSite=Strict', () => {
    expect(cookieOf('x=1; concord_console_session=abc; y=2', 'concord_console_session')).toBe('abc');
    expect(cookieOf(undefined, 'concord_console_session')).toBeUndefined();
    expect(sessionCookie('t', { secure: true, maxAgeSeconds: 60 })).toBe(
      'concord_console_session=t; Path=/; HttpOnly; SameSite=Strict; Max-Age=60; Secure',
    );
  });

  it('finds a changed, a relinked and a missing audit row', () => {
    const row = (seq: number, prevHash: string) => {
      const body = {
        seq,
        at: '2026-12-07T20:00:00.000Z',
        actor: 'ops1',
        role: 'operator',
        action: 'x',
        target: null,
        request: {},
        outcome: 'ok' as const,
        status: 200,
        result: {},
      };
      return { ...body, prevHash, hash: auditHash(prevHash, body) };
    };
    const first = row(1, '0'.repeat(64));
    const second = row(2, first.hash);
    expect(chainFault(null, first)).toBeNull();
    expect(chainFault(first, second)).toBeNull();
    expect(chainFault(first, { ...second, actor: 'mallory' })).toBe('its content does not match its hash');
    expect(chainFault(first, row(2, 'f'.repeat(64)))).toMatch(/prevHash/);
    expect(chainFault(first, row(3, first.hash))).toBe('rows 2..2 are missing');
  });

  it('records no password in the audit log', () => {
    expect(redact({ username: 'a', password: 'p', nested: [{ token: 't', x: 1 }] })).toEqual({
      username: 'a',
      password: '[redacted]',
      nested: [{ token: '[redacted]', x: 1 }],
    });
  });

  it('keeps the latest status of a transfer and skips refused instructions', () => {
    const rows = transferRows([
      block(5, { outcomes: [outcome('t1', 'reserved'), outcome('t2', 'reserved')] }),
      block(6, { outcomes: [outcome('t1', 'fulfilled'), outcome('t2', 'rejected', true)] }),
    ]);
    expect(rows.latest.map((r) => [r.transfer_id, r.status, r.height])).toEqual([
      ['t1', 'fulfilled', 6],
      ['t2', 'reserved', 5],
    ]);
    expect(rows.events).toHaveLength(4);
  });

  it("keeps two payers' transfers of one id apart, each event with its payer", () => {
    const rows = transferRows([
      block(5, { outcomes: [outcome('t1', 'reserved'), { ...outcome('t1', 'reserved'), payer: 'c' }] }),
      block(6, { outcomes: [{ ...outcome('t1', 'fulfilled'), payer: 'c' }] }),
    ]);
    expect(rows.latest.map((r) => [r.transfer_id, r.payer, r.status])).toEqual([
      ['t1', 'a', 'reserved'],
      ['t1', 'c', 'fulfilled'],
    ]);
    expect(rows.events.map((e) => e.payer)).toEqual(['a', 'c', 'c']);
  });

  it("keeps every account version, and opens a member currency's accounts at their first block", () => {
    const member = {
      id: 'hk',
      name: 'HK',
      status: 'active',
      settlement: 'net',
      keys: [],
      currencies: ['USD'],
    };
    const rows = accountVersionRows([
      block(1, { participants: [member] } as unknown as Partial<FinalizedBlock>),
      block(2, {
        participants: [member],
        accounts: [{ id: 'hk/USD', balanceMinor: '-5', reservedMinor: '2' }],
      } as unknown as Partial<FinalizedBlock>),
    ]);
    expect(rows.changed).toEqual([{ id: 'hk/USD', h: 2, b: '-5', r: '2' }]);
    expect(rows.opened).toEqual(
      ['hk/USD', 'hk/USD/settlement', 'hk/USD/fees', 'hub/USD', 'hub/USD/fees'].map((id) => ({ id, h: 1 })),
    );
  });

  it("proves the payee's account of the transfer's currency, or the one the block changed", () => {
    const known = new Set(['mnl/USD', 'mnl/PHP']);
    expect(payeeAccountOf({ payee: 'mnl', currency: 'USD' }, known, [])).toBe('mnl/USD');
    expect(payeeAccountOf({ payee: 'mnl', currency: 'EUR' }, known, ['mnl/PHP/fees', 'mnl/PHP'])).toBe(
      'mnl/PHP',
    );
    expect(payeeAccountOf({ payee: 'mnl', currency: 'EUR' }, known, ['hk/EUR'])).toBeNull();
    const sets = [2, 5, 9].map((fromHeight) => ({ fromHeight, quorum: 3, signers: [] }));
    expect(signerChangeHeights(sets, 8)).toEqual([4]);
    expect(signerChangeHeights(sets, 9)).toEqual([4, 8]);
  });

  it("makes a break's newest assignment its assignee, and words webhook health", () => {
    const at = '2026-12-08T00:00:00.000Z';
    expect(withNotes({ id: 7 })).toEqual({ id: 7, assignee: null, notes: [] });
    const notes = [
      { kind: 'assign' as const, text: 'ops1', by: 'ops2', at },
      { kind: 'note' as const, text: 'called the bank', by: 'ops1', at },
      { kind: 'assign' as const, text: 'ops3', by: 'ops1', at },
    ];
    expect(withNotes({ id: 7 }, notes)).toMatchObject({ assignee: 'ops3', notes });
    const row = {
      participant_id: 'hk',
      delivered: 3,
      failed: 2,
      dead: 1,
      last_success: new Date(at),
      last_failure: new Date(at),
      last_status: 500,
      last_error: null,
    };
    expect(healthView(row)).toMatchObject({ deadLetters: 1, lastFailure: 'answered 500', lastSuccessAt: at });
    expect(healthView({ ...row, last_error: 'fetch failed (ECONNREFUSED)' }).lastFailure).toBe(
      'fetch failed (ECONNREFUSED)',
    );
  });

  it('follows the signer sets by height', () => {
    const signers = [{ id: 's1', publicKey: 'b'.repeat(64) }];
    const sets = nextSignerSets(
      [],
      [
        block(1, { signerSet: { signers, quorum: 1, fromHeight: 1 } }),
        block(9, {
          signerSet: { signers: [...signers, { id: 's2', publicKey: 'c'.repeat(64) }], quorum: 2 },
        }),
      ],
    );
    expect(sets.map((s) => s.fromHeight)).toEqual([1, 10]);
    expect(signerSetAt(sets, 1)?.quorum).toBe(1);
    expect(signerSetAt(sets, 9)?.quorum).toBe(1);
    expect(signerSetAt(sets, 10)?.quorum).toBe(2);
  });

  it('shows a signer down when it stopped voting or lags', () => {
    const set = { signers: ['s1', 's2', 's3'].map((id) => ({ id, publicKey: 'a'.repeat(64) })) };
    const now = 1_000_000;
    const views = signerViews(
      set,
      [
        { id: 's1', last_vote_height: 100, last_vote_at: new Date(now - 1000) },
        { id: 's2', last_vote_height: 90, last_vote_at: new Date(now - 1000) },
        { id: 's3', last_vote_height: 100, last_vote_at: new Date(now - 60_000) },
      ],
      100,
      15_000,
      now,
    );
    expect(views.map((v) => [v.id, v.lag, v.up])).toEqual([
      ['s1', 0, true],
      ['s2', 10, false],
      ['s3', 0, false],
    ]);
  });

  it('measures net debit cap usage in basis points', () => {
    const cap = { kind: 'net-debit-cap' as const, capMinor: '100000' };
    expect(capUsageBps(-80_000n, 0n, cap)).toBe(8000);
    expect(capUsageBps(-50_000n, 30_000n, cap)).toBe(8000);
    expect(capUsageBps(10n, 0n, cap)).toBe(0);
    expect(capUsageBps(-1n, 0n, { kind: 'no-overdraft' })).toBeNull();
  });

  it('pages with opaque cursors and refuses forged ones', () => {
    expect(decodePair(encodePair(42, 'tr-1.x'))).toEqual({ n: 42, id: 'tr-1.x' });
    expect(() => decodePair('bm90IGEgY3Vyc29y')).toThrow();
  });

  it('writes RFC 4180 CSV and bounds report ranges', () => {
    expect(csv(['a', 'b'], [{ a: 'x,y', b: 2 }])).toBe('a,b\r\n"x,y",2\r\n');
    expect(reportRange({ from: '2026-12-01', to: '2026-12-08' })).toEqual({
      from: '2026-12-01',
      to: '2026-12-08',
    });
    expect(() => reportRange({ from: '2026-12-08', to: '2026-12-01' })).toThrow();
    expect(reportRange({}, Date.parse('2026-12-07T12:00:00Z'))).toEqual({
      from: '2026-11-07',
      to: '2026-12-08',
    });
  });
});
