/** What the clearing services are set up with, shared by the windows, instructions and positions services. */
export interface ClearingOptions {
  alarmShareBps: number;
  valueDateDays: number;
  /** Called when a currency gets its first window (to schedule its cut-off). */
  onNewCurrency?: (currency: string) => Promise<void>;
  /** Called after changes that wrote events or settlement postings (to publish the outbox). */
  onEvents?: () => Promise<void>;
  /** Test-only: crash a close after writing this many instructions. */
  closeFault?: CloseFault;
}

/** Test-only fault injection: throw after writing this many instructions of a close. */
export interface CloseFault {
  afterInstructions: number;
}
