import { kafkajsRequestQueue, patchRequestQueueIdleLoop } from './request-queue-patch';

/** A real kafkajs RequestQueue with a logger that says nothing. */
function newQueue() {
  const RequestQueue = kafkajsRequestQueue() as unknown as new (options: object) => {
    pending: { send: () => void }[];
    throttledUntil: number;
    throttleCheckTimeoutId: unknown;
    checkPendingRequests(): void;
    maybeThrottle(ms: number): void;
  };
  const quiet = { debug: () => undefined, warn: () => undefined, error: () => undefined };
  return new RequestQueue({
    instrumentationEmitter: null,
    maxInFlightRequests: null,
    requestTimeout: 1000,
    enforceRequestTimeout: false,
    clientId: 'test',
    broker: 'localhost:9092',
    logger: quiet,
  });
}

describe('kafkajs request queue idle loop fix', () => {
  beforeAll(() => patchRequestQueueIdleLoop());
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('leaves an idle queue without a timer, however often it is checked', () => {
    const queue = newQueue();
    for (let i = 0; i < 5; i++) queue.checkPendingRequests();
    expect(jest.getTimerCount()).toBe(0);
    jest.advanceTimersByTime(100);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('still sends a request held back by a throttle once the throttle ends', () => {
    const queue = newQueue();
    const sent: number[] = [];
    queue.maybeThrottle(50);
    // What push() queues while throttled; checkPendingRequests sends it when it may.
    queue.pending.push({ expectResponse: true, send: () => sent.push(Date.now()) } as never);
    (queue as unknown as { scheduleCheckPendingRequests(): void }).scheduleCheckPendingRequests();
    expect(jest.getTimerCount()).toBe(1);
    jest.advanceTimersByTime(20);
    expect(sent).toHaveLength(0);
    jest.advanceTimersByTime(40);
    expect(sent).toHaveLength(1);
    expect(queue.pending).toHaveLength(0);
    // Nothing is left to wait for, so nothing is scheduled again.
    expect(jest.getTimerCount()).toBe(0);
  });

  it('is applied once however often it is called', () => {
    patchRequestQueueIdleLoop();
    const { prototype } = kafkajsRequestQueue();
    const fixed = prototype.scheduleCheckPendingRequests;
    patchRequestQueueIdleLoop();
    expect(prototype.scheduleCheckPendingRequests).toBe(fixed);
  });
});
