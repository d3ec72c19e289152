import { sha256Hex, signBytes, verifyBytes } from '@concord/crypto';
import { signerKey } from '../../../../libs/devtools/src/demo/consortium';
import { LogBuilder, makeSpec } from '../engine/engine.fixtures';
import { LedgerEngine } from '../engine/ledger-engine';
import { checkEquivocation } from './equivocation';
import { forkHeader, signedHeader } from './equivocation.fixtures';
import { differingAccounts, QuorumTracker, TalliedVote, TallyEvent } from './quorum';

const SPEC = makeSpec({ chainId: 'quorum-spec', signerCount: 4, quorum: 3 });
const SIGNER_IDS = ['s1', 's2', 's3', 's4'];
const KEYS = new Map(SIGNER_IDS.map((id) => [id, signerKey(SPEC, id)]));
const SIGNERS = SIGNER_IDS.map((id) => ({ id, publicKey: KEYS.get(id)!.publicKeyHex }));

const A = sha256Hex('header A');
const B = sha256Hex('header B');
const C = sha256Hex('header C');

/** A vote by `signerId` for `headerHash`, signed by `signWith` (default: the signer itself). */
function vote(
  signerId: string,
  headerHash: string,
  signWith = signerId,
  changedAccounts: string[] = [],
): TalliedVote {
  const key = KEYS.get(signWith) ?? signerKey(SPEC, signWith);
  return { signerId, headerHash, signature: signBytes(key, headerHash), changedAccounts };
}

function tracker(): QuorumTracker {
  return QuorumTracker.fixed(SIGNERS, 3);
}

describe('QuorumTracker', () => {
  it('certifies at the quorum-th agreeing vote and names the first agreeing voter', () => {
    const q = tracker();
    const votes = [vote('s3', A), vote('s1', A), vote('s4', A)];
    expect(q.add(7, votes[0])).toEqual([]);
    expect(q.add(7, votes[1])).toEqual([]);
    expect(q.certifiedHash(7)).toBeUndefined();
    const events = q.add(7, votes[2]);
    expect(events).toEqual([
      {
        kind: 'certified',
        firstVoter: 's3',
        certificate: {
          height: 7,
          headerHash: A,
          signatures: votes.map((v) => ({ signerId: v.signerId, signature: v.signature })),
        },
      },
    ]);
    const certificate = (events[0] as Extract<TallyEvent, { kind: 'certified' }>).certificate;
    for (const s of certificate.signatures) {
      expect(verifyBytes(KEYS.get(s.signerId)!.publicKeyHex, A, s.signature)).toBe(true);
    }
    expect(q.certifiedHash(7)).toBe(A);
    // A late agreeing vote is counted but causes nothing.
    expect(q.add(7, vote('s2', A))).toEqual([]);
    expect(q.votesOf(7).map((v) => v.signerId)).toEqual(['s3', 's1', 's4', 's2']);
  });

  it('the first voter is the first agreeing one; an earlier dissenter is named at certification', () => {
    const q = tracker();
    expect(q.add(3, vote('s2', B))).toEqual([]);
    expect(q.add(3, vote('s4', A))).toEqual([]);
    expect(q.add(3, vote('s1', A))).toEqual([]);
    const events = q.add(3, vote('s3', A));
    expect(events.map((e) => e.kind)).toEqual(['certified', 'dissent']);
    expect(events[0]).toMatchObject({ kind: 'certified', firstVoter: 's4' });
    expect(events[1]).toEqual({
      kind: 'dissent',
      height: 3,
      signerId: 's2',
      headerHash: B,
      certifiedHash: A,
    });
  });

  it('names a dissenter that votes after certification, once', () => {
    const q = tracker();
    q.add(5, vote('s1', A));
    q.add(5, vote('s2', A));
    expect(q.add(5, vote('s3', A))[0].kind).toBe('certified');
    expect(q.add(5, vote('s4', B))).toEqual([
      { kind: 'dissent', height: 5, signerId: 's4', headerHash: B, certifiedHash: A },
    ]);
    expect(q.add(5, vote('s4', B))).toEqual([]);
    expect(q.certifiedHash(5)).toBe(A);
  });

  it('ignores a signer’s repeated votes, for the same or another header', () => {
    const q = tracker();
    expect(q.add(9, vote('s1', A))).toEqual([]);
    expect(q.add(9, vote('s1', A))).toEqual([]);
    expect(q.add(9, vote('s1', B))).toEqual([]);
    expect(q.add(9, vote('s2', A))).toEqual([]);
    expect(q.certifiedHash(9)).toBeUndefined();
    expect(q.votesOf(9).map((v) => [v.signerId, v.headerHash])).toEqual([
      ['s1', A],
      ['s2', A],
    ]);
    const events = q.add(9, vote('s3', A));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ kind: 'certified', firstVoter: 's1' });
    const certified = events[0] as Extract<TallyEvent, { kind: 'certified' }>;
    expect(certified.certificate.signatures.map((s) => s.signerId)).toEqual(['s1', 's2', 's3']);
    expect(q.add(9, vote('s1', A))).toEqual([]);
  });

  it('reports a signer that signs two different headers at one height, once, with checkable evidence', () => {
    const q = tracker();
    const headed = (signerId: string, variant: string, signWith = signerId): TalliedVote => {
      const signed = signedHeader(KEYS.get(signWith)!, forkHeader(9, variant));
      return { signerId, ...signed, changedAccounts: [] };
    };
    const first = headed('s2', 'a');
    const second = headed('s2', 'b');
    expect(q.add(9, first)).toEqual([]);
    expect(q.add(9, headed('s2', 'a'))).toEqual([]);
    const events = q.add(9, second);
    expect(events).toEqual([
      {
        kind: 'equivocation',
        evidence: {
          signerId: 's2',
          height: 9,
          first: { header: first.header, headerHash: first.headerHash, signature: first.signature },
          second: { header: second.header, headerHash: second.headerHash, signature: second.signature },
        },
      },
    ]);
    const { evidence } = events[0] as Extract<TallyEvent, { kind: 'equivocation' }>;
    expect(checkEquivocation(evidence, KEYS.get('s2')!.publicKeyHex)).toEqual({ ok: true });
    // Reported once per signer and height; its second vote does not count towards the quorum.
    expect(q.add(9, headed('s2', 'c'))).toEqual([]);
    expect(q.votesOf(9).map((v) => [v.signerId, v.headerHash])).toEqual([['s2', first.headerHash]]);
    expect(q.add(9, headed('s1', 'b'))).toEqual([]);
    expect(q.add(9, headed('s3', 'b'))).toEqual([]);
    expect(q.certifiedHash(9)).toBeUndefined();
    // A forged second vote (signed by another key) is no evidence, and a header that does not hash to the
    // signed hash proves no height: neither is reported.
    const other = tracker();
    other.add(9, headed('s4', 'a'));
    expect(other.add(9, headed('s4', 'b', 's1'))).toEqual([]);
    const mislabelled = { ...headed('s4', 'b'), header: forkHeader(9, 'z') };
    expect(other.add(9, mislabelled)).toEqual([]);
    expect(other.add(9, headed('s4', 'b'))).toHaveLength(1);
  });

  it('ignores votes that do not verify, so that they can neither count nor block the real vote', () => {
    const q = tracker();
    const overB = vote('s3', B);
    const invalid: TalliedVote[] = [
      vote('s3', A, 's1'),
      { ...overB, headerHash: A },
      vote('s9', A, 's9'),
      { ...vote('s3', A), signature: 'not-a-signature' },
      { ...vote('s3', A), signature: vote('s3', A).signature.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) },
    ];
    q.add(2, vote('s1', A));
    q.add(2, vote('s2', A));
    for (const v of invalid) expect(q.add(2, v)).toEqual([]);
    expect(q.certifiedHash(2)).toBeUndefined();
    expect(q.votesOf(2).map((v) => v.signerId)).toEqual(['s1', 's2']);
    expect(q.add(2, vote('s3', A))[0]).toMatchObject({ kind: 'certified', firstVoter: 's1' });
  });

  it('raises no-quorum once when two of four disagree with the other two (2-2 split)', () => {
    const q = tracker();
    expect(q.add(4, vote('s1', A))).toEqual([]);
    expect(q.add(4, vote('s2', B))).toEqual([]);
    expect(q.add(4, vote('s3', A))).toEqual([]);
    expect(q.add(4, vote('s4', B))).toEqual([
      { kind: 'no-quorum', height: 4, hashes: { [A]: ['s1', 's3'], [B]: ['s2', 's4'] } },
    ]);
    expect(q.add(4, vote('s4', B))).toEqual([]);
    expect(q.certifiedHash(4)).toBeUndefined();
  });

  it('raises no-quorum as soon as no header can reach the quorum any more', () => {
    const q = tracker();
    q.add(6, vote('s1', A));
    q.add(6, vote('s2', B));
    expect(q.add(6, vote('s3', C))).toEqual([
      { kind: 'no-quorum', height: 6, hashes: { [A]: ['s1'], [B]: ['s2'], [C]: ['s3'] } },
    ]);
    expect(q.add(6, vote('s4', A))).toEqual([]);
    expect(q.certifiedHash(6)).toBeUndefined();
  });

  it('keeps heights apart and forgets pruned ones', () => {
    const q = tracker();
    for (const s of ['s1', 's2', 's3']) q.add(1, vote(s, A));
    q.add(2, vote('s1', B));
    expect(q.certifiedHash(1)).toBe(A);
    expect(q.votesOf(2)).toHaveLength(1);
    q.prune(1);
    expect(q.certifiedHash(1)).toBeUndefined();
    expect(q.votesOf(1)).toEqual([]);
    expect(q.votesOf(2)).toHaveLength(1);
  });
});

describe('differingAccounts', () => {
  it('lists, sorted, the accounts whose balance or reservation differs or that only one side changed', () => {
    const a = ['p1/USD|100|0', 'p2/USD|-100|0', 'hub/USD|0|0', 'p4/USD|7|1'];
    const b = ['p2/USD|-100|0', 'p1/USD|101|0', 'p3/USD|5|0', 'p4/USD|7|2'];
    expect(differingAccounts(a, b)).toEqual(['hub/USD', 'p1/USD', 'p3/USD', 'p4/USD']);
    expect(differingAccounts(b, a)).toEqual(['hub/USD', 'p1/USD', 'p3/USD', 'p4/USD']);
    expect(differingAccounts(a, [...a].reverse())).toEqual([]);
    expect(differingAccounts([], [])).toEqual([]);
  });

  it('locates the account a faulty signer got wrong in a real block', () => {
    const log = new LogBuilder({ ...SPEC, blockMaxEntries: 1 });
    const engine = new LedgerEngine();
    engine.apply(log.genesis());
    const block = engine.apply(
      log.transfer({ id: 'q1', payer: 'p1', payee: 'p2', amount: '5.00', currency: 'USD' }),
    )!;
    const honest = block.changedAccounts.map((a) => `${a.id}|${a.balanceMinor}|${a.reservedMinor}`);
    expect(honest).toEqual(['p1/USD|99999500|0', 'p2/USD|100000500|0']);
    const faulty = honest.map((s) => (s.startsWith('p2/USD|') ? 'p2/USD|100000501|0' : s));
    expect(differingAccounts(honest, faulty)).toEqual(['p2/USD']);
  });
});
