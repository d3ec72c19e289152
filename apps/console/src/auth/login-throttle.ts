/**
 * Login attempts per address in the current minute: past the limit, logins from that address answer 429
 * until the minute ends. In memory: one console process; a restart forgets counts, the per-account
 * lockout (in the database) still holds.
 */
export class LoginThrottle {
  private readonly counts = new Map<string, { minute: number; count: number }>();

  constructor(private readonly perMinute: number) {}

  /** Counts an attempt; returns the seconds to wait when over the limit, else 0. */
  take(address: string, now = Date.now()): number {
    const minute = Math.floor(now / 60_000);
    const entry = this.counts.get(address);
    if (!entry || entry.minute !== minute) {
      if (this.counts.size > 10_000) this.counts.clear();
      this.counts.set(address, { minute, count: 1 });
      return 0;
    }
    entry.count++;
    return entry.count > this.perMinute ? Math.ceil(((minute + 1) * 60_000 - now) / 1000) : 0;
  }
}
