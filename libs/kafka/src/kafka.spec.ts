import { gunzipSync, gzipSync } from 'node:zlib';
import { CompressionCodecs, CompressionTypes, Producer, ProducerRecord } from 'kafkajs';
import { CoalescingSender, groupName } from './kafka';

describe('consumer group names', () => {
  it('live under the topic prefix when there is one', () => {
    expect(groupName('bench123', 'clearing-finalized')).toBe('bench123.clearing-finalized');
    expect(groupName('', 'clearing-finalized')).toBe('clearing-finalized');
    expect(groupName(undefined, 'fx-requests')).toBe('fx-requests');
  });
});

describe('gzip codec', () => {
  const block = Buffer.from(
    JSON.stringify({
      outcomes: Array.from({ length: 2000 }, (_, i) => ({ transferId: `t-${i}`, status: 'committed' })),
    }),
  );

  it('compresses at the fastest level, as plain gzip, and reads gzip of any level', async () => {
    const codec = CompressionCodecs[CompressionTypes.GZIP]();
    const compressed: Buffer = await codec.compress({ buffer: block });
    expect(compressed.equals(gzipSync(block, { level: 1 }))).toBe(true);
    expect(compressed.length).toBeGreaterThan(gzipSync(block, { level: 6 }).length);
    expect(gunzipSync(compressed).equals(block)).toBe(true);
    expect((await codec.decompress(gzipSync(block, { level: 9 }))).equals(block)).toBe(true);
  });

  it('finishes without waiting for the event loop, however large the message', async () => {
    // A busy service's event loop: every turn that passes before a call settles is time the message
    // waits. zlib's asynchronous calls need a turn per 16 KB of output (about 60 for this block).
    const large = Buffer.from(
      JSON.stringify({
        outcomes: Array.from({ length: 20_000 }, (_, i) => ({ transferId: `t-${i}`, status: 'committed' })),
      }),
    );
    const codec = CompressionCodecs[CompressionTypes.GZIP]();
    const turnsUntil = async (work: () => Promise<Buffer>) => {
      let turns = 0;
      let settled = false;
      const spin = () => {
        if (settled) return;
        turns++;
        setImmediate(spin);
      };
      setImmediate(spin);
      const result = await work();
      settled = true;
      return { turns, result };
    };
    const packed = await turnsUntil(() => codec.compress({ buffer: large }));
    const unpacked = await turnsUntil(() => codec.decompress(packed.result));
    // Buffer.equals: jest's deep equality walks a megabyte byte by byte for seconds.
    expect(unpacked.result.equals(large)).toBe(true);
    expect([packed.turns, unpacked.turns]).toEqual([0, 0]);
  });
});

describe('CoalescingSender', () => {
  /** A producer that records each request and acknowledges it when told to. */
  const recordingProducer = () => {
    const requests: { values: string[]; ack: () => void }[] = [];
    const producer = {
      send: (record: ProducerRecord) =>
        new Promise((resolve) =>
          requests.push({
            values: record.messages.map((m) => String(m.value)),
            ack: () => resolve([]),
          }),
        ),
    } as unknown as Producer;
    return { producer, requests };
  };
  const turn = () => new Promise((resolve) => setImmediate(resolve));

  it('without lingering sends the first record at once and those that came meanwhile together', async () => {
    const { producer, requests } = recordingProducer();
    const sender = new CoalescingSender(producer, 'commands');
    const sent = ['a', 'b', 'c'].map((v) => sender.send(v));
    await turn();
    expect(requests.map((r) => r.values)).toEqual([['a']]);
    requests[0].ack();
    await turn();
    expect(requests.map((r) => r.values)).toEqual([['a'], ['b', 'c']]);
    requests[1].ack();
    await Promise.all(sent);
  });

  it('lets small records wait for each other, up to lingerMs, and settles each when acknowledged', async () => {
    const { producer, requests } = recordingProducer();
    const sender = new CoalescingSender(producer, 'commands', { lingerMs: 30 });
    let settled = 0;
    const sent = ['a', 'b'].map((v) => sender.send(v).then(() => settled++));
    await turn();
    sent.push(sender.send('c').then(() => settled++));
    expect(requests).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(requests.map((r) => r.values)).toEqual([['a', 'b', 'c']]);
    expect(settled).toBe(0);
    requests[0].ack();
    await Promise.all(sent);
    expect(settled).toBe(3);
  });

  it('stops lingering as soon as lingerChars are queued', async () => {
    const { producer, requests } = recordingProducer();
    // A linger far longer than the test: only the size bound can send these.
    const sender = new CoalescingSender(producer, 'commands', { lingerMs: 600_000, lingerChars: 10 });
    const sent = [sender.send('12345'), sender.send('67890')];
    await turn();
    expect(requests.map((r) => r.values)).toEqual([['12345', '67890']]);
    requests[0].ack();
    await Promise.all(sent);
    // A record of the bound on its own does not wait either.
    const large = sender.send('x'.repeat(10));
    await turn();
    expect(requests.map((r) => r.values)).toEqual([['12345', '67890'], ['x'.repeat(10)]]);
    requests[1].ack();
    await large;
  });
});
