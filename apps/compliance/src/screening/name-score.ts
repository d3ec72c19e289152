import jaroWinkler from 'talisman/metrics/jaro-winkler';
import { isInitial, isParticle } from './normalise';

/** A name prepared for scoring: its tokens and their phonetic codes. */
export interface PreparedName {
  tokens: string[];
  codes: string[][];
  /** Tokens that are neither particles nor initials: the ones that identify. */
  strong: number;
}

/** How one query token was paired with one listed token. */
export interface TokenPair {
  query: string;
  listed: string;
  similarity: number;
  how: 'exact' | 'jaro-winkler' | 'phonetic' | 'initial';
}

export interface NameScore {
  score: number;
  pairs: TokenPair[];
  unmatchedQuery: string[];
  unmatchedListed: string[];
}

/** Below this a token pair is no pair at all. */
const MIN_TOKEN_SIMILARITY = 0.82;
/** What each unmatched identifying token of the longer name costs (a missing or extra middle name). */
const EXTRA_TOKEN_PENALTY = 0.04;
/** The best a name can score when it shares a single identifying token with a longer one. */
const SINGLE_TOKEN_CAP = 0.75;

function weight(token: string): number {
  if (isParticle(token)) return 0.3;
  return isInitial(token) ? 0.6 : 1;
}

/** How alike two tokens are, and why: equal, an initial, the same sound, or close spelling. */
export function tokenSimilarity(
  a: string,
  aCodes: string[],
  b: string,
  bCodes: string[],
): Pick<TokenPair, 'similarity' | 'how'> {
  if (a === b) return { similarity: 1, how: 'exact' };
  if (a.length === 1 || b.length === 1) {
    return { similarity: a[0] === b[0] && !isParticle(a) && !isParticle(b) ? 0.9 : 0, how: 'initial' };
  }
  const sameSound = aCodes.some((c) => c !== '' && bCodes.includes(c));
  // Spelling that differs from the first letter on and sounds different too is another name: skipping it
  // saves most of the Jaro-Winkler calls (the costly step of scoring).
  if (!sameSound && a[0] !== b[0] && a.slice(1, 3) !== b.slice(1, 3))
    return { similarity: 0, how: 'jaro-winkler' };
  const jw = jaroWinkler(a, b);
  const phonetic = sameSound && jw >= 0.7;
  if (phonetic && jw < 0.9) return { similarity: 0.9, how: 'phonetic' };
  return { similarity: jw >= MIN_TOKEN_SIMILARITY ? jw : 0, how: 'jaro-winkler' };
}

/**
 * Pairs the tokens of two names, best pairs first (token order does not matter), and scores the shorter
 * name's coverage: the weighted mean similarity of its tokens, less a small penalty per identifying token
 * of the longer name left over (a middle name one side has and the other lacks).
 */
export function scoreNames(query: PreparedName, listed: PreparedName): NameScore {
  const candidates: { i: number; j: number; similarity: number; how: TokenPair['how'] }[] = [];
  for (let i = 0; i < query.tokens.length; i++) {
    for (let j = 0; j < listed.tokens.length; j++) {
      const s = tokenSimilarity(query.tokens[i], query.codes[i], listed.tokens[j], listed.codes[j]);
      if (s.similarity > 0) candidates.push({ i, j, ...s });
    }
  }
  candidates.sort((x, y) => y.similarity - x.similarity);
  const usedQ = new Set<number>();
  const usedL = new Set<number>();
  const pairs: TokenPair[] = [];
  for (const c of candidates) {
    if (usedQ.has(c.i) || usedL.has(c.j)) continue;
    usedQ.add(c.i);
    usedL.add(c.j);
    pairs.push({
      query: query.tokens[c.i],
      listed: listed.tokens[c.j],
      similarity: c.similarity,
      how: c.how,
    });
  }
  const unmatchedQuery = query.tokens.filter((_, i) => !usedQ.has(i));
  const unmatchedListed = listed.tokens.filter((_, j) => !usedL.has(j));
  return {
    score: coverageScore(query, listed, pairs, unmatchedQuery, unmatchedListed),
    pairs,
    unmatchedQuery,
    unmatchedListed,
  };
}

function coverageScore(
  query: PreparedName,
  listed: PreparedName,
  pairs: TokenPair[],
  unmatchedQuery: string[],
  unmatchedListed: string[],
): number {
  const queryShorter = query.strong <= listed.strong;
  const shortTokens = queryShorter ? query.tokens : listed.tokens;
  const longLeft = queryShorter ? unmatchedListed : unmatchedQuery;
  const total = shortTokens.reduce((sum, t) => sum + weight(t), 0);
  if (total === 0) return 0;
  const covered = pairs.reduce((sum, p) => sum + weight(queryShorter ? p.query : p.listed) * p.similarity, 0);
  const strongPairs = pairs.filter((p) => weight(p.query) === 1 && weight(p.listed) === 1).length;
  const extra = longLeft.filter((t) => weight(t) === 1).length;
  let score = covered / total - EXTRA_TOKEN_PENALTY * extra;
  // One shared identifying token between a one-word alias and a full name is no identification.
  if (
    strongPairs < 2 &&
    Math.max(query.strong, listed.strong) >= 2 &&
    Math.min(query.strong, listed.strong) < 2
  ) {
    const initials = pairs.some((p) => p.how === 'initial');
    if (!initials || strongPairs === 0) score = Math.min(score, SINGLE_TOKEN_CAP);
  }
  return Math.max(0, score);
}
