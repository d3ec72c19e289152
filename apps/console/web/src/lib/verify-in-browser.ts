import {
  type BlockEvidence,
  type Check,
  type SignerSet,
  type TrustedGenesis,
  StateReplay,
  accountLeafHex,
  verifyBalanceProofFromGenesis,
  verifyBlock,
  verifyMerklePath,
} from '@concord/chain-verify';
import type { TransferProofResponse } from '@console-api';
import { get } from './api';

/** The parts of a `ledger.finalized` message the browser reads (everything else is ignored). */
export interface FinalizedMessage {
  header: BlockEvidence['header'];
  headerHash: string;
  certificate: { signerId: string; signature: string }[];
  participants?: { id: string; currencies: string[] }[];
  accounts?: { id: string; balanceMinor: string; reservedMinor: string }[];
  signerSet?: { signers: { id: string; publicKey: string }[]; quorum: number };
}

interface GenesisAnswer {
  chainId: string;
  block: FinalizedMessage;
  operators: { keyId: string; publicKey: string }[];
  governanceThreshold: number;
}

/** Above this many blocks the state is not replayed in the browser (the certificate is still checked). */
export const MAX_REPLAY_BLOCKS = 5000;
const PIN_KEY = 'concord.console.genesis';

async function fetchBlock(height: number): Promise<FinalizedMessage> {
  const detail = await get<{ block: FinalizedMessage }>(`/blocks/${height}`);
  return detail.block;
}

/** Fetches blocks from..to in order, a few at a time. */
async function* blocksInOrder(from: number, to: number): AsyncGenerator<FinalizedMessage> {
  const ahead = 8;
  const pending: Promise<FinalizedMessage>[] = [];
  let next = from;
  while (next <= to || pending.length > 0) {
    while (next <= to && pending.length < ahead) pending.push(fetchBlock(next++));
    yield await pending.shift()!;
  }
}

/** The genesis pinned in this browser the first time it was seen (trust on first use), and whether it still holds. */
function pinGenesis(chainId: string, headerHash: string): Check {
  const pins = JSON.parse(localStorage.getItem(PIN_KEY) ?? '{}') as Record<string, string>;
  if (!pins[chainId]) {
    localStorage.setItem(PIN_KEY, JSON.stringify({ ...pins, [chainId]: headerHash }));
    return {
      name: 'genesis pinned',
      ok: true,
      detail: `first use: genesis ${headerHash.slice(0, 12)}… pinned in this browser`,
    };
  }
  const ok = pins[chainId] === headerHash;
  return {
    name: 'genesis pinned',
    ok,
    detail: ok
      ? 'the genesis is the one pinned in this browser'
      : 'the genesis differs from the one pinned in this browser',
  };
}

function evidence(block: FinalizedMessage): BlockEvidence {
  return { header: block.header, headerHash: block.headerHash, certificate: block.certificate };
}

interface Walk {
  set: SignerSet;
  replay: StateReplay | null;
  prevHash: string;
  failures: Check[];
  notes: string[];
}

/** Checks one block of the walk below the target: header, link, certificate, replayed state root. */
function stepBlock(genesis: TrustedGenesis, walk: Walk, block: FinalizedMessage): void {
  const h = block.header.height;
  const verdict = verifyBlock(genesis, walk.set, evidence(block));
  for (const c of verdict.checks) if (!c.ok) walk.failures.push({ ...c, name: `block ${h}: ${c.name}` });
  if (block.header.prevHash !== walk.prevHash) {
    walk.failures.push({
      name: `block ${h}: link`,
      ok: false,
      detail: 'prevHash does not name the block before',
    });
  }
  walk.prevHash = block.headerHash;
  if (walk.replay) {
    walk.replay.apply(block);
    if (walk.replay.root() !== block.header.stateRoot) {
      walk.failures.push({
        name: `block ${h}: state root`,
        ok: false,
        detail: 'the replayed accounts do not hash to the state root',
      });
    }
  }
  if (block.signerSet && h > 1) {
    walk.set = { ...block.signerSet, fromHeight: h + 1 };
    walk.notes.push(`the signer set changed in block ${h} (as its certified block message says)`);
  }
}

export interface BrowserVerdict {
  ok: boolean;
  checks: Check[];
}

/**
 * Verifies block `height` in this browser, trusting only the genesis: every block from the genesis up is
 * fetched, its header hashed, linked and its certificate checked against the signer set in force, and the
 * account state replayed from the block messages so that the recomputed state root (and each changed
 * account's Merkle path to it) must match the certified header.
 */
export async function verifyInBrowser(
  height: number,
  progress: (done: number) => void,
): Promise<BrowserVerdict> {
  const answer = await get<GenesisAnswer>('/genesis');
  const g = answer.block;
  if (!g.signerSet) throw new Error('the genesis block names no signer set');
  const genesis: TrustedGenesis = {
    chainId: answer.chainId,
    signers: g.signerSet.signers,
    quorum: g.signerSet.quorum,
    operators: answer.operators,
    governanceThreshold: answer.governanceThreshold,
  };
  const replayed = height <= MAX_REPLAY_BLOCKS;
  const walk: Walk = {
    set: { ...g.signerSet, fromHeight: 1 },
    replay: replayed ? new StateReplay() : null,
    prevHash: '0'.repeat(64),
    failures: [],
    notes: [],
  };
  const checks: Check[] = [pinGenesis(answer.chainId, g.headerHash)];
  let target: FinalizedMessage | null = null;
  const from = replayed ? 1 : height;
  for await (const block of blocksInOrder(from, height)) {
    if (block.header.height === height) target = block;
    else stepBlock(genesis, walk, block);
    progress(block.header.height);
  }
  if (!target) throw new Error(`block ${height} was not served`);
  if (replayed) {
    checks.push({
      name: `blocks 1 to ${height - 1}`,
      ok: walk.failures.length === 0,
      detail:
        walk.failures.length === 0
          ? `${height - 1} blocks hash, link from the genesis, hold a quorum certificate and replay to their state roots`
          : `${walk.failures.length} problems, first: ${walk.failures[0].name}: ${walk.failures[0].detail}`,
    });
  }
  checks.push(...targetChecks(genesis, walk, target, replayed));
  for (const note of walk.notes) checks.push({ name: 'note', ok: true, detail: note });
  return { ok: checks.every((c) => c.ok), checks };
}

function targetChecks(
  genesis: TrustedGenesis,
  walk: Walk,
  block: FinalizedMessage,
  replayed: boolean,
): Check[] {
  const checks = verifyBlock(genesis, walk.set, evidence(block)).checks;
  if (!replayed) {
    checks.push({
      name: 'state root',
      ok: false,
      detail: `more than ${MAX_REPLAY_BLOCKS} blocks: not replayed in the browser`,
    });
    return checks;
  }
  if (block.header.height > 1) {
    checks.push({
      name: 'link',
      ok: block.header.prevHash === walk.prevHash,
      detail: 'prevHash names the hash of the block before, as recomputed',
    });
  }
  const replay = walk.replay!;
  replay.apply(block);
  const root = replay.root();
  checks.push({
    name: 'state root',
    ok: root === block.header.stateRoot,
    detail: `${replay.accountCount} accounts replayed from the genesis hash to ${root.slice(0, 12)}…, the header has ${block.header.stateRoot.slice(0, 12)}…`,
  });
  for (const account of block.accounts ?? []) {
    const path = replay.proof(account.id);
    const leafOk =
      path !== null &&
      path.balanceMinor === account.balanceMinor &&
      path.reservedMinor === account.reservedMinor;
    const ok =
      leafOk &&
      verifyMerklePath(
        accountLeafHex(account.id, account.balanceMinor, account.reservedMinor),
        path.proof,
        block.header.stateRoot,
      );
    checks.push({
      name: `state root path ${account.id}`,
      ok,
      detail: `${account.id} = ${account.balanceMinor} (reserved ${account.reservedMinor}): path of ${path?.proof.length ?? 0} steps ${ok ? 'leads' : 'does not lead'} to the state root`,
    });
  }
  return checks;
}

/** The genesis the server serves, as the verifier trusts it, with the check that it is the pinned one. */
async function servedGenesis(): Promise<{ genesis: TrustedGenesis; pinned: Check }> {
  const answer = await get<GenesisAnswer>('/genesis');
  const g = answer.block;
  if (!g.signerSet) throw new Error('the genesis block names no signer set');
  return {
    genesis: {
      chainId: answer.chainId,
      signers: g.signerSet.signers,
      quorum: g.signerSet.quorum,
      operators: answer.operators,
      governanceThreshold: answer.governanceThreshold,
    },
    pinned: pinGenesis(answer.chainId, g.headerHash),
  };
}

export interface ProofVerdict extends BrowserVerdict {
  proof: TransferProofResponse;
}

/**
 * Verifies the balance proof of a transfer's payer and payee at the block of one of its statuses, in
 * this browser, trusting only the genesis: the signer set changes up to the block, the block's header
 * and certificate, and each account's Merkle path to the certified state root.
 */
export async function verifyTransferProof(transferId: string, height: number): Promise<ProofVerdict> {
  const [proof, { genesis, pinned }] = await Promise.all([
    get<TransferProofResponse>(`/transfers/${encodeURIComponent(transferId)}/proof?height=${height}`),
    servedGenesis(),
  ]);
  const verdict = verifyBalanceProofFromGenesis(genesis, proof);
  const checks = [pinned, ...verdict.checks];
  return { ok: checks.every((c) => c.ok), checks, proof };
}
