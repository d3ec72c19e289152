/**
 * Participants and their accounts: how a member joins (in the genesis or by an add-participant proposal)
 * and how a sealed block describes it.
 */
import { ParticipantSpec, participantSpecProblem } from '@concord/contracts';
import {
  feesAccountId,
  hubAccountId,
  hubFeesAccountId,
  positionAccountId,
  settlementAccountId,
} from './account-ids';
import { assert } from './engine.errors';
import { assertRoom } from './engine.limits';
import type { Account, ParticipantInfo } from './engine.types';
import type { LedgerState } from './ledger-state';

function addAccount(
  state: LedgerState,
  id: string,
  participantId: string,
  currency: string,
  kind: Account['kind'],
  limit: Account['limit'],
): void {
  assert(!state.accounts.has(id), 'account declared twice', id);
  assertRoom(state.accounts.size, 1, state.limits.maxAccounts, 'accounts would exceed MAX_ACCOUNTS');
  const floorMinor =
    limit.kind === 'unlimited' ? null : limit.kind === 'no-overdraft' ? 0n : -BigInt(limit.capMinor);
  state.accounts.set(id, {
    id,
    participantId,
    currency,
    kind,
    balanceMinor: 0n,
    reservedMinor: 0n,
    floorMinor,
    limit,
  });
  state.tree.addAccount(id);
  state.changed.add(id);
}

/** Adds a member with its accounts in each of its currencies (and the hub's, for a new currency). */
export function addParticipant(state: LedgerState, p: ParticipantSpec): void {
  // The genesis schema refuses such a spec and add-participant checks it first: a gross participant
  // with credit here is a bug.
  const problem = participantSpecProblem(p);
  assert(problem === null, 'participant spec is invalid', `${p.id}: ${problem}`);
  const bound = state.limits.maxParticipants;
  assertRoom(state.participants.size, 1, bound, 'participants would exceed MAX_PARTICIPANTS');
  const keysBound = state.limits.maxKeysPerParticipant;
  assertRoom(0, p.keys.length, keysBound, 'keys of a participant would exceed MAX_KEYS_PER_PARTICIPANT');
  state.participants.set(p.id, {
    id: p.id,
    name: p.name,
    keys: new Map(p.keys.map((k) => [k.keyId, k.publicKey])),
    status: 'active',
    settlement: p.settlement ?? 'net',
  });
  for (const a of p.accounts) addCurrencyAccounts(state, p.id, a);
  state.participantsChanged.add(p.id);
}

/**
 * A member's accounts in one currency: its position (with its limit), settlement and fee accounts, and
 * the hub's for a currency new to the chain.
 */
export function addCurrencyAccounts(
  state: LedgerState,
  participantId: string,
  account: ParticipantSpec['accounts'][number],
): void {
  const unlimited = { kind: 'unlimited' } as const;
  const { currency, limit } = account;
  addAccount(state, positionAccountId(participantId, currency), participantId, currency, 'position', limit);
  addAccount(
    state,
    settlementAccountId(participantId, currency),
    participantId,
    currency,
    'settlement',
    unlimited,
  );
  addAccount(state, feesAccountId(participantId, currency), participantId, currency, 'fees', unlimited);
  if (!state.accounts.has(hubAccountId(currency))) {
    addAccount(state, hubAccountId(currency), 'hub', currency, 'hub', unlimited);
    addAccount(state, hubFeesAccountId(currency), 'hub', currency, 'hub-fees', unlimited);
  }
}

/** A member as a sealed block reports it: its keys, its currencies in account id order, its status. */
export function participantInfo(state: LedgerState, id: string): ParticipantInfo {
  const p = state.participants.get(id);
  assert(p, 'unknown participant', id);
  const currencies = state.tree.accountIds
    .map((a) => state.mustAccount(a))
    .filter((a) => a.participantId === id && a.kind === 'position')
    .map((a) => a.currency);
  return {
    id,
    name: p.name,
    keys: [...p.keys].map(([keyId, publicKey]) => ({ keyId, publicKey })),
    currencies,
    status: p.status,
    settlement: p.settlement,
  };
}
