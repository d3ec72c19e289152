import type { HealthCheck } from '@concord/observability';
import type { Redis } from 'ioredis';
import type { Admin, Kafka } from 'kafkajs';

/** How long one dependency may take to answer /ready before it counts as down. */
export const READY_CHECK_TIMEOUT_MS = 2000;

/**
 * The readiness checks of the gateway's dependencies: PostgreSQL (`select 1`), Redis (`PING`) and Kafka
 * (the cluster's metadata). Each answers within `timeoutMs` or counts as down, so that /ready answers
 * while a dependency hangs instead of hanging with it. Kafka is asked through one admin client, connected
 * at the first check and kept, instead of a new connection per /ready call; after a failure it is dropped
 * and the next check connects again.
 */
export class ReadinessService {
  private admin: Promise<Admin> | null = null;

  constructor(
    private readonly postgres: { $queryRawUnsafe: (sql: string) => Promise<unknown> },
    private readonly redis: Pick<Redis, 'ping'>,
    private readonly kafka: Pick<Kafka, 'admin'>,
    private readonly timeoutMs = READY_CHECK_TIMEOUT_MS,
  ) {}

  checks(): Record<string, HealthCheck> {
    return {
      postgres: this.bounded(async () => void (await this.postgres.$queryRawUnsafe('select 1'))),
      redis: this.bounded(async () => void (await this.redis.ping())),
      kafka: this.bounded(() => this.checkKafka()),
    };
  }

  async close(): Promise<void> {
    const admin = this.admin;
    this.admin = null;
    await admin?.then((a) => a.disconnect()).catch(() => undefined);
  }

  private async checkKafka(): Promise<void> {
    if (!this.admin) {
      const admin = this.kafka.admin();
      this.admin = admin.connect().then(() => admin);
    }
    const current = this.admin;
    try {
      await (await current).describeCluster();
    } catch (error) {
      // Drop the client so that the next check starts from a fresh connection.
      if (this.admin === current) {
        this.admin = null;
        void current.then((a) => a.disconnect()).catch(() => undefined);
      }
      throw error;
    }
  }

  private bounded(check: HealthCheck): HealthCheck {
    return () =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no answer within ${this.timeoutMs} ms`)),
          this.timeoutMs,
        );
        check().then(
          () => {
            clearTimeout(timer);
            resolve();
          },
          (error: unknown) => {
            clearTimeout(timer);
            reject(error instanceof Error ? error : new Error(String(error)));
          },
        );
      });
  }
}
