import { Kafka, logLevel } from 'kafkajs';
import type { Pool } from 'pg';
import { topicName } from '@concord/contracts';

/**
 * Where the accepted-to-final latency of a transfer goes, stage by stage, from timestamps the system
 * already records (one machine, one clock):
 *
 *   accepted -> logged     created_at (gateway insert) to the Kafka timestamp of the instruction record on
 *                          the command log (the gateway's producer send)
 *   logged -> cut          to the block time (timestamp of the cut record that sealed the block): waiting
 *                          in the open block for the next cut marker
 *   cut -> 1st vote        the fastest signer read the cut, sealed, stored and signed the block, voted
 *   1st vote -> quorum     until the quorum-th vote was on the votes topic
 *   quorum -> published    until the finalized block was on the finalized topic (a signer read the votes,
 *                          stored them and the certificate, published)
 *   published -> applied   until the gateway stored the outcomes (finalized_at)
 *
 * Votes and finalized blocks are read back from their topics (the Kafka record timestamps are the
 * producers' clocks); the rest comes from the gateway's and signer s1's tables.
 */
export const STAGES = [
  'accepted -> logged',
  'logged -> cut',
  'cut -> 1st vote',
  '1st vote -> quorum',
  'quorum -> published',
  'published -> applied',
] as const;

export type StageName = (typeof STAGES)[number];

export interface StageFigures {
  transfers: number;
  /** Per stage, percentiles over the scenario's transfers, in ms. */
  stages: Record<StageName, { p50: number; p90: number; p99: number; mean: number }>;
}

/** Reads a topic's single partition from its start up to its end at the time of the call. */
export async function readTopic(
  kafka: Kafka,
  topic: string,
  each: (m: { key: string; value: string; timestampMs: number }) => void,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  let high: bigint;
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    high = BigInt(offsets[0]?.high ?? '0');
  } finally {
    await admin.disconnect();
  }
  if (high === 0n) return;
  const consumer = kafka.consumer({
    groupId: `bench-stages-${Date.now()}-${Math.random().toString(36).slice(2)}`,
    maxBytesPerPartition: 8 * 1024 * 1024,
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`reading ${topic} took over 60 s`)), 60_000);
      void consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ message }) => {
            each({
              key: message.key?.toString('utf8') ?? '',
              value: message.value?.toString('utf8') ?? '',
              timestampMs: Number(message.timestamp),
            });
            if (BigInt(message.offset) >= high - 1n) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
}

function percentiles(values: number[]): { p50: number; p90: number; p99: number; mean: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
  return {
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    mean: sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length),
  };
}

export async function stageBreakdown(options: {
  brokers: string;
  topicPrefix: string;
  pool: Pool;
  signer: string;
  quorum: number;
  tags: string[];
}): Promise<Record<string, StageFigures>> {
  const kafka = new Kafka({
    clientId: 'concord-bench-stages',
    brokers: options.brokers.split(','),
    logLevel: logLevel.NOTHING,
  });
  const votes = new Map<number, number[]>();
  await readTopic(kafka, topicName('ledgerVotes', options.topicPrefix), (m) => {
    // Published notices share the topic under `published:<height>` keys: only votes count here.
    if (!/^\d+$/.test(m.key)) return;
    const height = Number(m.key);
    const list = votes.get(height) ?? [];
    list.push(m.timestampMs);
    votes.set(height, list);
  });
  const published = new Map<number, number>();
  await readTopic(kafka, topicName('ledgerFinalized', options.topicPrefix), (m) => {
    const height = Number(m.key);
    if (!published.has(height)) published.set(height, m.timestampMs);
  });
  const blockTimes = new Map<number, number>(
    (
      await options.pool.query(
        `select height, block_time_ms::float8 as t from ledger_${options.signer}.blocks`,
      )
    ).rows.map((r: { height: number; t: number }) => [r.height, r.t]),
  );
  // The log timestamp of each transfer's instruction record, from the signer's stored entries.
  const loggedAt = new Map<string, number>();
  const entries = await options.pool.query(
    `select timestamp_ms::float8 as t, payload from ledger_${options.signer}.entries where kind = 'instruction'`,
  );
  for (const e of entries.rows as { t: number; payload: string }[]) {
    try {
      const body = JSON.parse(JSON.parse(e.payload).request.body) as {
        id?: string;
        transfers?: { id: string }[];
      };
      if (body.id) loggedAt.set(body.id, e.t);
      for (const t of body.transfers ?? []) loggedAt.set(t.id, e.t);
    } catch {
      // Not a transfer instruction.
    }
  }
  const result: Record<string, StageFigures> = {};
  for (const tag of options.tags) {
    const rows = (
      await options.pool.query(
        `select id, block_height as h, (extract(epoch from created_at) * 1000)::float8 as c,
           (extract(epoch from finalized_at) * 1000)::float8 as f
         from gateway.transfers where id like $1 and block_height is not null and finalized_at is not null`,
        [`${tag}-%`],
      )
    ).rows as { id: string; h: number; c: number; f: number }[];
    const samples: Record<StageName, number[]> = Object.fromEntries(STAGES.map((s) => [s, []])) as never;
    for (const r of rows) {
      const cut = blockTimes.get(r.h);
      const v = [...(votes.get(r.h) ?? [])].sort((a, b) => a - b);
      const pub = published.get(r.h);
      const logged = loggedAt.get(r.id);
      if (cut === undefined || v.length < options.quorum || pub === undefined || logged === undefined)
        continue;
      samples['accepted -> logged'].push(logged - r.c);
      samples['logged -> cut'].push(cut - logged);
      samples['cut -> 1st vote'].push(v[0] - cut);
      samples['1st vote -> quorum'].push(v[options.quorum - 1] - v[0]);
      samples['quorum -> published'].push(pub - v[options.quorum - 1]);
      samples['published -> applied'].push(r.f - pub);
    }
    result[tag] = {
      transfers: samples['accepted -> logged'].length,
      stages: Object.fromEntries(STAGES.map((s) => [s, percentiles(samples[s])])) as StageFigures['stages'],
    };
  }
  return result;
}
