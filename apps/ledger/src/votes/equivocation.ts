/**
 * Equivocation: a signer that signs two different headers at one height. Its two signatures are the
 * evidence, and anyone holding its public key can check them offline with `checkEquivocation`: nothing
 * here reads a database, a clock or the network.
 */
import type { EquivocationEvidence, SignedHeader } from '@concord/contracts';
import { verifyBytes } from '@concord/crypto';
import { headerHash } from '../engine/sealing';

export type EquivocationCheck = { ok: true } | { ok: false; reason: string };

/**
 * Whether `evidence` proves that the holder of `signerPublicKey` signed two different headers of one chain
 * at one height. Each header must hash to the hash that was signed (the signature covers the hash only, so
 * the header is what proves the height), both at the evidence's height and of the same chain, the two
 * hashes different, and both signatures valid under the key.
 */
export function checkEquivocation(
  evidence: EquivocationEvidence,
  signerPublicKey: string,
): EquivocationCheck {
  const fail = (reason: string): EquivocationCheck => ({ ok: false, reason });
  const { first, second } = evidence;
  for (const [name, signed] of [
    ['first', first],
    ['second', second],
  ] as const) {
    if (headerHash(signed.header) !== signed.headerHash)
      return fail(`the ${name} header does not hash to its headerHash`);
    if (signed.header.height !== evidence.height)
      return fail(`the ${name} header is not at height ${evidence.height}`);
  }
  if (first.header.chainId !== second.header.chainId)
    return fail('the two headers belong to different chains');
  if (first.headerHash === second.headerHash) return fail('the two headers are the same header');
  if (!validSignature(signerPublicKey, first))
    return fail('the first signature does not verify under the key');
  if (!validSignature(signerPublicKey, second))
    return fail('the second signature does not verify under the key');
  return { ok: true };
}

/** verifyBytes answers false to a malformed key or signature: evidence may come from anyone. */
function validSignature(publicKey: string, signed: SignedHeader): boolean {
  return verifyBytes(publicKey, signed.headerHash, signed.signature);
}
