import { gunzipSync, gzipSync } from 'node:zlib';
import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import { groupName } from './kafka';

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
