/**
 * The quorum rule of every signer set, in the genesis and in each governance change of the signers.
 */
import type { RejectionReason } from './engine.errors';

/**
 * The smallest Byzantine-safe quorum of `signers` signers: floor(2n/3) + 1 (2f + 1 of n = 3f + 1). Two
 * quorums of that size overlap in more than n/3 signers, so they share an honest one as long as at most
 * f sign two headers at one height; a simple majority does not (with five signers and quorum three, two
 * quorums may share only one signer, who can then certify two different blocks). Integer arithmetic only,
 * as everything the engine decides.
 */
export function minimumQuorum(signers: number): number {
  return Math.floor((2 * signers) / 3) + 1;
}

/** Why a quorum cannot govern `signers` signers (below the Byzantine bound or above n), or null. */
export function quorumRefusal(signers: number, quorum: number): RejectionReason | null {
  return signers >= 1 && quorum >= minimumQuorum(signers) && quorum <= signers ? null : 'INVALID_QUORUM';
}
