import { COVERED_COMPONENTS, SignatureHeaderProblem } from '@concord/crypto';
import { DomainFailure, mapProblem, ProblemMap } from '@concord/http-problems';
import { Problem } from '../problems/problem';

/** Why a signed request is refused before any handler runs. */
export type AuthError =
  | { kind: SignatureHeaderProblem }
  | { kind: 'UNKNOWN_KEY'; keyId: string }
  | { kind: 'INVALID_SIGNATURE' }
  | { kind: 'STALE_SIGNATURE'; ageS: number; maxAgeS: number }
  | { kind: 'REPLAYED_REQUEST' }
  | { kind: 'RATE_LIMITED'; perSecond: number }
  | { kind: 'PARTICIPANT_NOT_ACTIVE'; participant: string; status: string };

const unauthenticated = (code: string, detail: string) =>
  new Problem(401, code, 'Unauthenticated', { detail });

/** The one table of authentication's problems; exhaustive: an error without a row does not compile. */
export const AUTH_PROBLEMS: ProblemMap<AuthError> = {
  SIGNATURE_MISSING: () =>
    unauthenticated('SIGNATURE_MISSING', 'the request must carry Signature-Input and Signature headers'),
  SIGNATURE_MALFORMED: () =>
    unauthenticated('SIGNATURE_MALFORMED', 'Signature-Input or Signature is not of the documented form'),
  SIGNATURE_COMPONENTS: () =>
    unauthenticated('SIGNATURE_COMPONENTS', `the signature must cover ${COVERED_COMPONENTS}`),
  DIGEST_MISMATCH: () =>
    unauthenticated('DIGEST_MISMATCH', 'Content-Digest is missing or does not match the body'),
  UNKNOWN_KEY: (e) => unauthenticated('UNKNOWN_KEY', `key "${e.keyId}" is not an active key`),
  INVALID_SIGNATURE: () => unauthenticated('INVALID_SIGNATURE', 'the signature does not verify'),
  STALE_SIGNATURE: (e) =>
    unauthenticated(
      'STALE_SIGNATURE',
      `the signature was created ${Math.round(e.ageS)} s ago; at most ${e.maxAgeS} s are accepted`,
    ),
  REPLAYED_REQUEST: () =>
    unauthenticated('REPLAYED_REQUEST', 'this exact signed request was already received'),
  RATE_LIMITED: (e) =>
    new Problem(429, 'RATE_LIMITED', 'Too many requests', {
      detail: `at most ${e.perSecond} requests per second per participant`,
      headers: { 'retry-after': '1' },
    }),
  PARTICIPANT_NOT_ACTIVE: (e) =>
    new Problem(403, 'PARTICIPANT_NOT_ACTIVE', 'Forbidden', {
      detail:
        e.status === 'suspended'
          ? `participant ${e.participant} is suspended: no new transfers or quotes; it may still read, fulfil and abort`
          : `participant ${e.participant} is ${e.status}`,
    }),
};

/** A signed request refused; answered through AUTH_PROBLEMS. */
export class AuthFailure extends DomainFailure<AuthError> {
  toProblem(): Problem {
    return mapProblem(AUTH_PROBLEMS, this.error);
  }
}
