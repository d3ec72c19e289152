import type { Kafka, Producer } from 'kafkajs';
import { Alarm, alarmSchema, deadLetterSchema, topicName } from '@concord/contracts';
import {
  consumeValidated,
  groupName,
  KafkaSettings,
  SupervisedConsumer,
  ValidatedMessage,
} from '@concord/kafka';
import type { Logger } from '@concord/observability';
import type { EventBus } from '../events/event-bus';
import { AlarmsRepository, NewAlarm } from './alarms.repository';

/** A ledger alarm as the console stores it; its id is its place on the topic, so a redelivery is no new alarm. */
export function ledgerAlarm(m: ValidatedMessage<Alarm>): NewAlarm {
  const a = m.value;
  return {
    id: `ledger-${m.partition}-${m.offset}`,
    source: 'ledger',
    kind: a.kind,
    height: a.height,
    signerId: a.signerId,
    participantId: null,
    detail: a.detail,
    accounts: a.accounts,
    signers: a.signers ?? [],
    raw: a as unknown as Record<string, unknown>,
    raisedAt: new Date(m.timestampMs).toISOString(),
  };
}

/**
 * Reads ledger.alarms (state-root mismatches, lost quorum, equivocations: the reader that topic lacked)
 * and the dead-letter topic (a message some service could not read), and stores each as an alarm that an
 * operator acknowledges.
 */
export class AlarmsConsumer {
  private consumers: SupervisedConsumer[] = [];

  constructor(
    private readonly settings: KafkaSettings,
    private readonly kafka: Kafka,
    private readonly producer: Producer,
    private readonly alarms: AlarmsRepository,
    private readonly bus: EventBus,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    const common = {
      service: 'console',
      settings: this.settings,
      kafka: this.kafka,
      producer: this.producer,
      onRestart: (error: unknown, delayMs: number) =>
        this.log.warn({ err: error, delayMs }, 'alarms consumer failed; restarting'),
    };
    this.consumers.push(
      await consumeValidated({
        ...common,
        topic: topicName('ledgerAlarms', this.settings.topicPrefix),
        groupId: groupName(this.settings.topicPrefix, 'console-alarms'),
        schema: alarmSchema,
        handle: (messages) => this.store(messages.map(ledgerAlarm)),
      }),
      await consumeValidated({
        ...common,
        topic: topicName('deadLetter', this.settings.topicPrefix),
        groupId: groupName(this.settings.topicPrefix, 'console-dead-letters'),
        schema: deadLetterSchema,
        handle: (messages) =>
          this.store(
            messages.map((m) => ({
              id: `dead-letter-${m.partition}-${m.offset}`,
              source: 'dead-letter',
              kind: 'dead-letter',
              height: null,
              signerId: null,
              participantId: null,
              detail:
                `${m.value.service} could not read a message of ${m.value.topic} (offset ${m.value.offset}): ${m.value.reason}`.slice(
                  0,
                  2000,
                ),
              accounts: [],
              signers: [],
              raw: { ...m.value, value: m.value.value.slice(0, 4000) },
              raisedAt: new Date(m.timestampMs).toISOString(),
            })),
          ),
      }),
    );
  }

  async store(alarms: NewAlarm[]): Promise<void> {
    for (const alarm of await this.alarms.add(alarms)) this.bus.publish('alarm', alarm);
  }

  async stop(): Promise<void> {
    for (const c of this.consumers) await c.disconnect();
  }
}
