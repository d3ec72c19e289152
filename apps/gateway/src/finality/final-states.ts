import { FinalizedBlock, transferKey } from '@concord/contracts';
import type { TransferRow } from '../transfers/transfers.repository';

/** A transfer's state as a finalized block's application wrote it (see LedgerViewRepository.apply). */
interface FinalState {
  /** Written only over a row still `accepted`. */
  refusal: boolean;
  /** Null when another replica applied the block: the row is read again from the read model. */
  fields:
    (Pick<TransferRow, 'status' | 'reason' | 'blockHeight' | 'finalizedAt'> & { finalizedAt: Date }) | null;
}

type FinalStateListener = (id: string, state: FinalState) => void;

/**
 * Who waits for which transfer's final state: the listener of each waiting request by transfer key
 * (`<payer>/<id>`, see transferKey: two payers may use one id), as such or, for an id that several requests wait for, as an array. (An EventEmitter with an event name per
 * id did the same at several times the cost: thousands of names come and go per second under batches,
 * each a property added to and deleted from one object; a Set per id cost an allocation per transfer.)
 */
class FinalStateListeners {
  private readonly byId = new Map<string, FinalStateListener | FinalStateListener[]>();

  on(id: string, listener: FinalStateListener): void {
    const current = this.byId.get(id);
    if (current === undefined) this.byId.set(id, listener);
    else if (Array.isArray(current)) current.push(listener);
    else this.byId.set(id, [current, listener]);
  }

  off(id: string, listener: FinalStateListener): void {
    const current = this.byId.get(id);
    if (current === listener) {
      this.byId.delete(id);
    } else if (Array.isArray(current)) {
      const at = current.indexOf(listener);
      if (at >= 0) current.splice(at, 1);
      if (current.length === 0) this.byId.delete(id);
    }
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  emit(id: string, state: FinalState): void {
    const current = this.byId.get(id);
    if (current === undefined) return;
    if (Array.isArray(current)) for (const listener of [...current]) listener(id, state);
    else current(id, state);
  }
}

/**
 * The requests of this gateway process that wait for transfers' final states (long-polls, `?wait=`), and
 * their wake-up when a finalized block has been applied to the read model, by this replica or another.
 */
export class FinalStates {
  private readonly listeners = new FinalStateListeners();

  /** Whether a request still waits for the transfer key `id` (a request that gave up leaves no listener). */
  isWaitedFor(id: string): boolean {
    return this.listeners.has(id);
  }

  /**
   * Listens for the outcomes of the transfer keys `ids` from now on; `done` resolves once each has one, or on time-out, and
   * `latest` lays the last state a block brought over a row.
   */
  watch(ids: string[]) {
    const pending = new Set(ids);
    const states = new Map<string, FinalState>();
    let wake: () => void = () => undefined;
    const woke = new Promise<void>((resolve) => (wake = resolve));
    const settled = (id: string) => {
      pending.delete(id);
      if (pending.size === 0) wake();
    };
    // One listener for all the ids of the request.
    const listener: FinalStateListener = (id, state) => {
      // As the block's application does: a refusal after the id got a state (even in an earlier block of
      // the same lot, notified before this request resumes) writes nothing.
      if (!(state.refusal && states.has(id))) states.set(id, state);
      settled(id);
    };
    for (const id of ids) this.listeners.on(id, listener);
    return {
      settled,
      latest: (row: TransferRow): TransferRow => {
        const state = states.get(transferKey(row.payer, row.id));
        // A refusal settles only a row the ledger never gave a state of its own (see LedgerViewRepository).
        if (!state?.fields || (state.refusal && row.status !== 'accepted')) return row;
        return { ...row, ...state.fields, updatedAt: state.fields.finalizedAt };
      },
      done: async (waitMs: number) => {
        if (pending.size === 0) return;
        const timer = setTimeout(wake, waitMs);
        await woke;
        clearTimeout(timer);
      },
      close: () => {
        for (const id of ids) this.listeners.off(id, listener);
      },
    };
  }

  /**
   * Wakes the requests waiting for the transfers of a block now applied to the read model. `appliedAt` is
   * the time of the transaction that applied it, when this process did: each state is then laid over the
   * waiting request's row as that application wrote it. When another replica applied it (null), the
   * waiting requests read their rows again instead.
   */
  notify(block: Pick<FinalizedBlock, 'header' | 'outcomes'>, appliedAt: Date | null): void {
    const states = new Map<string, FinalState>();
    for (const o of block.outcomes) {
      const key = transferKey(o.payer, o.transferId);
      // Most outcomes of a large block have nobody waiting for them.
      if (!this.listeners.has(key)) continue;
      const refusal = o.refusal === true;
      // A state in the block wins over a refusal of the same transfer (as the block's application does).
      if (refusal && states.has(key) && !states.get(key)!.refusal) continue;
      states.set(key, {
        refusal,
        fields:
          appliedAt === null
            ? null
            : {
                status: refusal ? 'rejected' : o.status,
                reason: o.reason ?? null,
                blockHeight: block.header.height,
                finalizedAt: appliedAt,
              },
      });
    }
    for (const [id, state] of states) this.listeners.emit(id, state);
  }
}
