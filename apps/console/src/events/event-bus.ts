import { Subject } from 'rxjs';
import type { ConsoleEventType } from '@concord/contracts';

export interface ConsoleEvent {
  type: ConsoleEventType;
  data: unknown;
}

/** What the read model and the actions announce, for the Server-Sent Events stream. */
export class EventBus {
  readonly events = new Subject<ConsoleEvent>();

  publish(type: ConsoleEventType, data: unknown): void {
    this.events.next({ type, data });
  }
}
