import { minOpenMs } from './signer.service';

describe('minOpenMs: how long a block stays open before its cut is proposed', () => {
  it('is one cut interval for a block under a quarter of its size bound', () => {
    expect(minOpenMs(0, 150)).toBe(150);
    expect(minOpenMs(0.1, 150)).toBe(150);
    expect(minOpenMs(0.2499, 150)).toBe(150);
  });

  it('is two cut intervals from a quarter of the size bound on (heavy traffic)', () => {
    expect(minOpenMs(0.25, 150)).toBe(300);
    expect(minOpenMs(0.9, 50)).toBe(100);
    // A block past its bound seals by size on its own; the rule still says two intervals.
    expect(minOpenMs(1.3, 150)).toBe(300);
  });
});
