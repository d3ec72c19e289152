/**
 * The ledger's clock is the broker's append time of each command (LogAppendTime): every signer reads the
 * same times, so expiry and block times are deterministic. A broker whose clock jumps forward would expire
 * every open reservation at once; one whose clock jumps back would stamp new records in the past. The
 * engine already never lets its clock go back (it keeps the latest time seen). Against a jump forward a
 * signer does not follow: a record stamped further ahead of the signer's own clock than the bound waits,
 * unapplied, until the signer's clock is within the bound of it, and an alarm says so. Waiting changes no
 * state, so signers that wait for different lengths of time still agree on every block; with every honest
 * signer waiting, finality stops (and the stall alarm fires) rather than expire reservations early.
 */
export interface ClockJump {
  direction: 'forward' | 'backward';
  offset: bigint;
  recordTimeMs: number;
  /** The signer's own clock (forward) or the ledger clock so far (backward). */
  referenceMs: number;
}

export class LogClockGuard {
  /** Offset of the record whose forward jump was last reported: one alarm per record, however long it waits. */
  private reportedForward: bigint | null = null;
  /** The last backward jump reported, by the ledger clock it fell behind: one alarm per step back. */
  private reportedBackwardAt: number | null = null;

  constructor(
    private readonly boundMs: number,
    private readonly onJump: (jump: ClockJump) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * How long to wait before applying the record at `offset` stamped `recordTimeMs`, given the ledger clock
   * so far (`ledgerClockMs`): 0 to apply it now.
   */
  waitBefore(offset: bigint, recordTimeMs: number, ledgerClockMs: number): number {
    const now = this.now();
    const ahead = recordTimeMs - now;
    if (ahead > this.boundMs) {
      if (this.reportedForward !== offset) {
        this.reportedForward = offset;
        this.onJump({ direction: 'forward', offset, recordTimeMs, referenceMs: now });
      }
      return ahead - this.boundMs;
    }
    if (ledgerClockMs - recordTimeMs > this.boundMs && this.reportedBackwardAt !== ledgerClockMs) {
      this.reportedBackwardAt = ledgerClockMs;
      this.onJump({ direction: 'backward', offset, recordTimeMs, referenceMs: ledgerClockMs });
    }
    return 0;
  }
}

export function describeClockJump(jump: ClockJump): string {
  const by = Math.abs(jump.recordTimeMs - jump.referenceMs);
  return jump.direction === 'forward'
    ? `the log time of offset ${jump.offset} is ${by} ms ahead of this signer's clock: ` +
        'waiting until it is within the bound instead of following it'
    : `the log time of offset ${jump.offset} is ${by} ms behind the ledger clock: ` +
        'the ledger clock holds until the log catches up';
}
