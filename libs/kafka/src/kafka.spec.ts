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
    expect(compressed).toEqual(gzipSync(block, { level: 1 }));
    expect(compressed.length).toBeGreaterThan(gzipSync(block, { level: 6 }).length);
    expect(gunzipSync(compressed)).toEqual(block);
    expect(await codec.decompress(gzipSync(block, { level: 9 }))).toEqual(block);
  });
});
