import { TOPICS, topicName, type TopicKey } from '../../../contracts/src/topics';
import { ConfigResourceTypes } from 'kafkajs';
import { kafkaAdmin } from './probes';

/** Largest message a topic takes (8 MiB). */
export const MAX_MESSAGE_BYTES = 8 * 1024 * 1024;

export interface EnsureTopicsResult {
  /** Topics this call created. */
  created: string[];
  /** Topics that were already there (with the expected partition count). */
  existing: string[];
}

/**
 * Creates every topic of TOPICS (under `prefix`) that does not exist yet, with its partition count,
 * one copy per broker up to three, its retention and a message size limit of MAX_MESSAGE_BYTES. Idempotent, and safe to run concurrently. Throws when a topic
 * exists with another partition count: the command log must stay a single partition.
 */
/**
 * Creates topics and waits for their leaders. On a broker that has just started, kafkajs's wait for the
 * leaders can ask for the metadata of a topic the broker does not know yet and fail with
 * UNKNOWN_TOPIC_OR_PARTITION: the wait is then taken up again (creating them a second time is refused
 * as "already exists", which createTopics reports as false).
 */
async function createWaitingForLeaders(
  admin: ReturnType<typeof kafkaAdmin>,
  topics: Parameters<ReturnType<typeof kafkaAdmin>['createTopics']>[0]['topics'],
): Promise<boolean> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await admin.createTopics({ topics, waitForLeaders: true, timeout: 30000 });
    } catch (error) {
      if ((error as { type?: string }).type !== 'UNKNOWN_TOPIC_OR_PARTITION' || attempt >= 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
      // Those the first attempt created are known now; the wait for their leaders goes on in fetchTopicMetadata.
      await admin.fetchTopicMetadata({ topics: topics.map((t) => t.topic) }).catch(() => undefined);
      const present = new Set(await admin.listTopics());
      if (topics.every((t) => present.has(t.topic))) return true;
    }
  }
}

/**
 * Topic metadata, asked again while a broker does not know a topic created a moment ago: on a cluster of
 * several brokers the new topic reaches each broker's metadata cache a little later.
 */
async function metadataOnceKnown(admin: ReturnType<typeof kafkaAdmin>, topics: string[]) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await admin.fetchTopicMetadata({ topics });
    } catch (error) {
      const type = (error as { type?: string }).type;
      if (attempt >= 40 || (type !== 'UNKNOWN_TOPIC_OR_PARTITION' && type !== 'LEADER_NOT_AVAILABLE'))
        throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/** Copies of each partition: as many as the cluster has brokers, up to three (so one broker may be lost). */
export const MAX_REPLICATION_FACTOR = 3;

/**
 * Creates the topics with `replicationFactor` copies (default: one per broker of the cluster, at most
 * MAX_REPLICATION_FACTOR); with three copies a write needs two of them (min.insync.replicas 2).
 */
export async function ensureTopics(
  brokers: string | string[],
  prefix = '',
  replicationFactor?: number,
): Promise<EnsureTopicsResult> {
  const list = typeof brokers === 'string' ? brokers.split(',').map((b) => b.trim()) : brokers;
  const admin = kafkaAdmin(list);
  await admin.connect();
  try {
    const copies =
      replicationFactor ?? Math.min(MAX_REPLICATION_FACTOR, (await admin.describeCluster()).brokers.length);
    return await ensureTopicsWith(admin, prefix, copies);
  } finally {
    await admin.disconnect();
  }
}

async function ensureTopicsWith(
  admin: ReturnType<typeof kafkaAdmin>,
  prefix: string,
  replicationFactor: number,
): Promise<EnsureTopicsResult> {
  const wanted = (Object.keys(TOPICS) as TopicKey[]).map((key) => {
    const spec: { retentionMs: number; timestampType?: string } = TOPICS[key];
    return {
      topic: topicName(key, prefix),
      numPartitions: TOPICS[key].partitions,
      replicationFactor,
      configEntries: [
        ...(replicationFactor >= 3 ? [{ name: 'min.insync.replicas', value: '2' }] : []),
        { name: 'retention.ms', value: String(spec.retentionMs) },
        // Headroom over the broker's 1 MB default: the ledger bounds a block (genesis blockMaxBytes) and
        // compresses its finalized message so that it stays well under 1 MB, and this margin keeps an
        // unusual block (long ids, many accounts changed) from stopping the network.
        { name: 'max.message.bytes', value: String(MAX_MESSAGE_BYTES) },
        ...(spec.timestampType ? [{ name: 'message.timestamp.type', value: spec.timestampType }] : []),
      ],
    };
  });

  const present = new Set(await admin.listTopics());
  const missing = wanted.filter((t) => !present.has(t.topic));
  // Resolves to false when another caller created them in the meantime; that is fine.
  const createdNow = missing.length > 0 && (await createWaitingForLeaders(admin, missing));

  // Topics created before a config entry was added (the command log's append-time stamps) get it now:
  // the whole set is written again, which is what a non-incremental alter expects.
  const existing = wanted.filter((t) => present.has(t.topic));
  if (existing.length > 0) {
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: existing.map((t) => ({ type: ConfigResourceTypes.TOPIC, name: t.topic })),
    });
    const current = new Map(
      described.resources.map((r) => [
        r.resourceName,
        new Map(r.configEntries.map((e) => [e.configName, e.configValue])),
      ]),
    );
    const stale = existing.filter((t) =>
      t.configEntries.some((e) => current.get(t.topic)?.get(e.name) !== e.value),
    );
    if (stale.length > 0) {
      await admin.alterConfigs({
        validateOnly: false,
        resources: stale.map((t) => ({
          type: ConfigResourceTypes.TOPIC,
          name: t.topic,
          configEntries: t.configEntries,
        })),
      });
    }
  }

  const metadata = await metadataOnceKnown(
    admin,
    wanted.map((t) => t.topic),
  );
  const partitions = new Map(metadata.topics.map((t) => [t.name, t.partitions.length]));
  const wrong = wanted.filter((t) => partitions.get(t.topic) !== t.numPartitions);
  if (wrong.length > 0) {
    throw new Error(
      'topics with the wrong partition count (delete and recreate them): ' +
        wrong.map((t) => `${t.topic} has ${partitions.get(t.topic)}, expected ${t.numPartitions}`).join('; '),
    );
  }
  return {
    created: createdNow ? missing.map((t) => t.topic) : [],
    existing: wanted.filter((t) => present.has(t.topic)).map((t) => t.topic),
  };
}
