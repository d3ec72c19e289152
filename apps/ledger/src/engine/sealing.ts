import type { BlockHeader } from '@concord/contracts';
import { canonicalJson, merkleRoot, sha256Hex } from '@concord/crypto';
import type { LogRecord, SealedBlock } from './engine.types';
import type { LedgerState } from './ledger-state';
import { participantInfo } from './membership';

export function headerHash(header: BlockHeader): string {
  return sha256Hex(canonicalJson(header));
}

/**
 * Closes the open block with `record` as its last entry: its header commits to the entries and to the
 * state root after them, and the block lists the accounts, members and signer set it changed. The next
 * block starts empty at the next height, linked to this header.
 */
export function seal(state: LedgerState, record: LogRecord): SealedBlock {
  const entries = state.open;
  const blockTimeMs = state.clockMs;
  const header: BlockHeader = {
    chainId: state.chainId,
    height: state.height,
    prevHash: state.prevHash,
    entriesRoot: merkleRoot(entries.map((e) => Buffer.from(e.hash, 'hex'))).toString('hex'),
    stateRoot: state.tree.sealRoot(state.accounts),
    blockTimeMs,
    entryCount: entries.length,
    firstOffset: entries[0].offset.toString(),
    lastOffset: record.offset.toString(),
  };
  const hash = headerHash(header);
  const changedAccounts = [...state.changed].sort().map((id) => ({ ...state.mustAccount(id) }));
  const participantsChanged = [...state.participantsChanged].sort().map((id) => participantInfo(state, id));
  const signerSet = state.signerSetChanged ? { signers: state.signers, quorum: state.quorum } : undefined;
  state.open = [];
  state.openBytes = 0;
  state.changed = new Set();
  state.participantsChanged = new Set();
  state.signerSetChanged = false;
  state.height += 1;
  state.prevHash = hash;
  state.prevBlockTimeMs = blockTimeMs;
  return {
    header,
    headerHash: hash,
    entries,
    changedAccounts,
    participantsChanged,
    ...(signerSet ? { signerSet } : {}),
  };
}
