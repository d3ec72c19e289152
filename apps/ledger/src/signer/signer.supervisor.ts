import type { Logger } from '@concord/observability';
import { SignerMetrics, SignerService } from './signer.service';

/** The first wait before a failed signer starts again from its database, and the longest one. */
const RESTART_BACKOFF_FIRST_MS = 200;
const RESTART_BACKOFF_MAX_MS = 5_000;
/** How long a failed run may take to let go of its consumers before the next one starts regardless. */
const STOP_TIMEOUT_MS = 2_000;

/**
 * Errors after which a signer must not go on: its stored chain and its replay disagree, or an invariant of
 * the ledger broke. Starting again from the same database would fail the same way; the process stops loudly.
 * Everything else (a broker or database out of reach, a heartbeat refused after a pause) is transient.
 */
export function isFatal(error: unknown): boolean {
  const name = error instanceof Error ? error.name : '';
  return name === 'ChainDivergence' || name === 'InvariantViolation';
}

/**
 * Keeps one signer running in this process. A run that fails on a transient error is discarded and a new one
 * is started from the database after a growing wait, so that a broker outage or a pause of any length ends
 * with the signer catching up by itself; a fatal error stops the process.
 */
export class SignerSupervisor {
  private current: SignerService | null = null;
  private failures = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly create: (onFailure: (error: unknown) => void) => SignerService,
    private readonly log: Logger,
    private readonly metrics: SignerMetrics,
    private readonly exit: (code: number) => void = (code) => process.exit(code),
  ) {}

  /** Starts a run; resolves when it has started or, having failed, has been scheduled to start again. */
  async start(): Promise<void> {
    if (this.stopped) return;
    let signer: SignerService | null = null;
    signer = this.create((error) => this.onFailure(signer!, error));
    this.current = signer;
    try {
      await signer.start();
      this.failures = 0;
    } catch (error) {
      this.onFailure(signer, error);
    }
  }

  /** The run now in service, if any (for tests and health checks). */
  get signer(): SignerService | null {
    return this.current;
  }

  private onFailure(signer: SignerService, error: unknown): void {
    if (this.stopped || signer !== this.current) return;
    if (isFatal(error)) {
      this.log.fatal({ err: error }, 'signer failed');
      this.exit(1);
      return;
    }
    this.current = null;
    const delayMs = Math.min(RESTART_BACKOFF_FIRST_MS * 2 ** this.failures, RESTART_BACKOFF_MAX_MS);
    this.failures += 1;
    this.metrics.restarts.inc();
    this.log.error({ err: error, delayMs }, 'signer lost a connection; starting again from its database');
    this.timer = setTimeout(() => {
      this.timer = null;
      void withTimeout(signer.stop(), STOP_TIMEOUT_MS).then(() => this.start());
    }, delayMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.current) await withTimeout(this.current.stop(), STOP_TIMEOUT_MS);
  }
}

/** Waits for `promise` at most `timeoutMs`; its failure or lateness is not the caller's concern. */
function withTimeout(promise: Promise<unknown>, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    promise.then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      () => {
        clearTimeout(timer);
        resolve();
      },
    );
  });
}
