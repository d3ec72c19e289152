import type { FinalizedBlock } from '@concord/contracts';
import type { Entry } from '../engine/engine.types';

/**
 * What became of each governance proposal of a block: enacted, or refused with the engine's reason. Read
 * back from the entries (their payload is the command as logged), so that whoever proposed it learns the
 * outcome from the finalized block. Proposals are rare: parsing their payloads again costs nothing.
 */
export function proposalOutcomes(entries: readonly Entry[]): FinalizedBlock['proposals'] {
  const outcomes: FinalizedBlock['proposals'] = [];
  for (const entry of entries) {
    if (entry.kind !== 'governance') continue;
    const command = JSON.parse(entry.payload) as { proposalId: string; action: { kind: string } };
    outcomes.push({
      proposalId: command.proposalId,
      kind: command.action.kind,
      status: entry.rejection ? 'refused' : 'enacted',
      ...(entry.rejection ? { reason: entry.rejection } : {}),
    });
  }
  return outcomes;
}
