import type { BlockHeader, EquivocationEvidence, SignedHeader } from '@concord/contracts';
import { sha256Hex, signBytes, SigningKey } from '@concord/crypto';
import { headerHash } from '../engine/sealing';

/** A header at `height` whose content differs with `variant`, as two forks of one chain would. */
export function forkHeader(height: number, variant: string, chainId = 'equivocation-spec'): BlockHeader {
  return {
    chainId,
    height,
    prevHash: sha256Hex(`prev ${height}`),
    entriesRoot: sha256Hex(`entries ${height} ${variant}`),
    stateRoot: sha256Hex(`state ${height} ${variant}`),
    blockTimeMs: 1_800_000_000_000 + height,
    entryCount: 1,
    firstOffset: String(height),
    lastOffset: String(height),
  };
}

/** `header` signed by `key`, as a vote carries it. */
export function signedHeader(key: SigningKey, header: BlockHeader): SignedHeader {
  const hash = headerHash(header);
  return { header, headerHash: hash, signature: signBytes(key, hash) };
}

/** Evidence that the holder of `key` signed both headers, as `signerId`. */
export function evidenceOf(
  signerId: string,
  key: SigningKey,
  first: BlockHeader,
  second: BlockHeader,
): EquivocationEvidence {
  return {
    signerId,
    height: first.height,
    first: signedHeader(key, first),
    second: signedHeader(key, second),
  };
}
