import { Kafka, logLevel } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { finalizedBlockSchema, governanceActionSchema, topicName } from '@concord/contracts';
import { commonSchema, loadConfig } from '@concord/config';
import { DEMO_CONSORTIUM, governanceCommand, operatorIds } from './consortium';

/**
 * `npm run -s ledger:govern -- <proposal id> '<action JSON>' [operator-1,operator-2]`: appends a
 * governance proposal approved by demo operator keys to the command log of the demo network. A real
 * consortium collects each operator's signature over `governanceSigningPayload` offline instead. Then waits
 * for the block that decided it and prints `proposal <id> enacted at block <h>` (exit 0) or `proposal <id>
 * refused at block <h>: <reason>` (exit 1).
 *
 *   npm run -s ledger:govern -- cap-us-1 '{"kind":"set-limit","accountId":"us-send/USD","limit":{"kind":"net-debit-cap","capMinor":"9000000"}}'
 */
async function main(): Promise<void> {
  const [proposalId, actionJson, approvers] = process.argv.slice(2);
  if (!proposalId || !actionJson) {
    console.error("usage: npm run -s ledger:govern -- <proposal id> '<action JSON>' [operator-1,operator-2]");
    process.exit(2);
  }
  const action = governanceActionSchema.safeParse(JSON.parse(actionJson));
  if (!action.success) {
    console.error(
      `invalid action: ${action.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
    process.exit(2);
  }
  const config = loadConfig(commonSchema);
  const keys = approvers
    ? approvers.split(',')
    : operatorIds(DEMO_CONSORTIUM).slice(0, DEMO_CONSORTIUM.governanceThreshold ?? 2);
  const command = governanceCommand(DEMO_CONSORTIUM, proposalId, action.data, keys);
  const kafka = new Kafka({
    clientId: 'concord-govern',
    brokers: config.KAFKA_BROKERS.split(','),
    logLevel: logLevel.NOTHING,
  });
  const finalizedTopic = topicName('ledgerFinalized', config.KAFKA_TOPIC_PREFIX);
  // Where the finalized blocks stand before the proposal goes out: its outcome is in a block after this.
  const admin = kafka.admin();
  await admin.connect();
  const [{ offset: from }] = await admin.fetchTopicOffsets(finalizedTopic);
  await admin.disconnect();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  await producer.send({
    topic: topicName('ledgerCommands', config.KAFKA_TOPIC_PREFIX),
    acks: -1,
    messages: [{ value: JSON.stringify(command) }],
  });
  await producer.disconnect();
  console.log(`proposal ${proposalId} (${action.data.kind}) appended with approvals of ${keys.join(', ')}`);
  const outcome = await proposalOutcome(kafka, finalizedTopic, from, proposalId, OUTCOME_WAIT_MS);
  if (!outcome) {
    console.log(`proposal ${proposalId}: no finalized block within ${OUTCOME_WAIT_MS / 1000} s`);
    process.exit(1);
  }
  console.log(
    outcome.status === 'enacted'
      ? `proposal ${proposalId} enacted at block ${outcome.height}`
      : `proposal ${proposalId} refused at block ${outcome.height}: ${outcome.reason}`,
  );
  process.exit(outcome.status === 'enacted' ? 0 : 1);
}

const OUTCOME_WAIT_MS = 30_000;

/** Reads finalized blocks from `from` until one says what became of the proposal, or the wait is over. */
async function proposalOutcome(
  kafka: Kafka,
  topic: string,
  from: string,
  proposalId: string,
  waitMs: number,
): Promise<{ height: number; status: string; reason?: string } | null> {
  const consumer = kafka.consumer({ groupId: `concord-govern-${randomUUID()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: false });
  try {
    return await new Promise((resolve) => {
      const timer = setTimeout(() => resolve(null), waitMs);
      void consumer.run({
        eachMessage: async ({ message }) => {
          const block = finalizedBlockSchema.parse(JSON.parse(message.value?.toString() ?? 'null'));
          const found = block.proposals.find((p) => p.proposalId === proposalId);
          if (!found) return;
          clearTimeout(timer);
          resolve({ height: block.header.height, status: found.status, reason: found.reason });
        },
      });
      consumer.on(consumer.events.GROUP_JOIN, () => consumer.seek({ topic, partition: 0, offset: from }));
    });
  } finally {
    await consumer.disconnect();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
