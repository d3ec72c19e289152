import { Kafka, logLevel } from 'kafkajs';
import { governanceActionSchema, topicName } from '@concord/contracts';
import { commonSchema, loadConfig } from '@concord/config';
import { DEMO_CONSORTIUM, governanceCommand, operatorIds } from './consortium';

/**
 * `npm run -s ledger:govern -- <proposal id> '<action JSON>' [operator-1,operator-2]`: appends a
 * governance proposal approved by demo operator keys to the command log of the demo network. A real
 * consortium collects each operator's signature over `governanceSigningPayload` offline instead.
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
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  await producer.send({
    topic: topicName('ledgerCommands', config.KAFKA_TOPIC_PREFIX),
    acks: -1,
    messages: [{ value: JSON.stringify(command) }],
  });
  await producer.disconnect();
  console.log(`proposal ${proposalId} (${action.data.kind}) appended with approvals of ${keys.join(', ')}`);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
