import { equivocationEvidenceSchema } from '@concord/contracts';
import { canonicalJson, signBytes, signingKeyFromSeed } from '@concord/crypto';
import { checkEquivocation } from './equivocation';
import { evidenceOf, forkHeader, signedHeader } from './equivocation.fixtures';

const KEY = signingKeyFromSeed('e1'.repeat(32));
const OTHER = signingKeyFromSeed('e2'.repeat(32));

const reasonOf = (result: ReturnType<typeof checkEquivocation>) => (result.ok ? 'ok' : result.reason);

describe('checkEquivocation', () => {
  it('accepts two different headers at one height, both signed by the key', () => {
    const evidence = evidenceOf('s3', KEY, forkHeader(12, 'a'), forkHeader(12, 'b'));
    expect(checkEquivocation(evidence, KEY.publicKeyHex)).toEqual({ ok: true });
    // It holds as the alarm carries it: through JSON and the contract's schema, as anyone offline reads it.
    const carried = equivocationEvidenceSchema.parse(JSON.parse(canonicalJson(evidence)));
    expect(checkEquivocation(carried, KEY.publicKeyHex)).toEqual({ ok: true });
  });

  it('refuses the same header twice', () => {
    const header = forkHeader(12, 'a');
    expect(reasonOf(checkEquivocation(evidenceOf('s3', KEY, header, header), KEY.publicKeyHex))).toBe(
      'the two headers are the same header',
    );
  });

  it('refuses headers at different heights, or at another height than the evidence states', () => {
    const apart = evidenceOf('s3', KEY, forkHeader(12, 'a'), forkHeader(13, 'b'));
    expect(reasonOf(checkEquivocation(apart, KEY.publicKeyHex))).toBe(
      'the second header is not at height 12',
    );
    const elsewhere = { ...evidenceOf('s3', KEY, forkHeader(12, 'a'), forkHeader(12, 'b')), height: 11 };
    expect(reasonOf(checkEquivocation(elsewhere, KEY.publicKeyHex))).toBe(
      'the first header is not at height 11',
    );
  });

  it('refuses headers of two different chains', () => {
    const evidence = evidenceOf('s3', KEY, forkHeader(12, 'a'), forkHeader(12, 'a', 'another-chain'));
    expect(reasonOf(checkEquivocation(evidence, KEY.publicKeyHex))).toBe(
      'the two headers belong to different chains',
    );
  });

  it('refuses a bad signature: another key, a signature moved to the other hash, or garbage', () => {
    const evidence = evidenceOf('s3', KEY, forkHeader(12, 'a'), forkHeader(12, 'b'));
    expect(reasonOf(checkEquivocation(evidence, OTHER.publicKeyHex))).toBe(
      'the first signature does not verify under the key',
    );
    const byOther = { ...evidence, second: signedHeader(OTHER, evidence.second.header) };
    expect(reasonOf(checkEquivocation(byOther, KEY.publicKeyHex))).toBe(
      'the second signature does not verify under the key',
    );
    const swapped = { ...evidence, second: { ...evidence.second, signature: evidence.first.signature } };
    expect(reasonOf(checkEquivocation(swapped, KEY.publicKeyHex))).toBe(
      'the second signature does not verify under the key',
    );
    const garbage = { ...evidence, first: { ...evidence.first, signature: 'not a signature' } };
    expect(checkEquivocation(garbage, KEY.publicKeyHex).ok).toBe(false);
    expect(checkEquivocation(evidence, 'zz').ok).toBe(false);
  });

  it('refuses a header that does not hash to the hash that was signed', () => {
    const evidence = evidenceOf('s3', KEY, forkHeader(12, 'a'), forkHeader(12, 'b'));
    // The signature covers the hash only: a header swapped under it could claim any height.
    const forged = { ...evidence, second: { ...evidence.second, header: forkHeader(12, 'c') } };
    expect(reasonOf(checkEquivocation(forged, KEY.publicKeyHex))).toBe(
      'the second header does not hash to its headerHash',
    );
    const resigned = { ...forged.second, signature: signBytes(KEY, forged.second.headerHash) };
    expect(checkEquivocation({ ...forged, second: resigned }, KEY.publicKeyHex).ok).toBe(false);
  });
});
