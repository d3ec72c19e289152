import doubleMetaphone from 'talisman/phonetics/double-metaphone';
import type { ListEntry, ListSource } from './list-entry';
import { isInitial, isParticle, nameTokens } from './normalise';
import { NameScore, PreparedName, scoreNames } from './name-score';

/** What is known of a party besides its name: supporting evidence for or against a hit. */
export interface PartyFacts {
  name: string;
  birthDate?: string;
  country?: string;
}

/** Why a name matched: the paired tokens, the evidence, and the score before and after it. */
export interface HitExplanation extends Omit<NameScore, 'score'> {
  listedName: string;
  nameScore: number;
  birthDate: string;
  country: string;
}

export interface Hit {
  entryId: string;
  source: ListSource;
  kind: ListEntry['kind'];
  programs: string[];
  score: number;
  explanation: HitExplanation;
}

/**
 * Blocking keys of one token: its Double Metaphone codes (another spelling of the same sound), its first
 * three letters (a typo near the end) and its first letter with its last two (a typo in the middle).
 */
function tokenKeys(token: string, codes: string[]): string[] {
  if (token.length < 2 || isParticle(token)) return [];
  const keys = codes.filter((c) => c !== '').map((c) => `m${c}`);
  if (token.length >= 3) keys.push(`p${token.slice(0, 3)}`);
  if (token.length >= 4) keys.push(`e${token[0]}${token.slice(-2)}`);
  return keys;
}

/** Phonetic codes by token: names repeat their tokens, and Double Metaphone is the costly step. */
const phoneticCache = new Map<string, string[]>();
const PHONETIC_CACHE_SIZE = 200_000;

export function phoneticCodes(token: string): string[] {
  if (token.length < 2) return [];
  let codes = phoneticCache.get(token);
  if (!codes) {
    if (phoneticCache.size >= PHONETIC_CACHE_SIZE) phoneticCache.clear();
    codes = [...new Set(doubleMetaphone(token))];
    phoneticCache.set(token, codes);
  }
  return codes;
}

export function prepareName(name: string): PreparedName {
  const tokens = nameTokens(name);
  const codes = tokens.map(phoneticCodes);
  return { tokens, codes, strong: tokens.filter((t) => !isInitial(t) && !isParticle(t)).length };
}

/**
 * The index of every name of a list version: blocking keys (phonetic codes and prefixes of each token) to
 * the names that have them. A query is scored only against the names that share keys with enough of its
 * tokens (two, or one for a one-word name), so that its cost does not grow with the size of the list.
 */
export class NameIndex {
  private readonly names: PreparedName[] = [];
  private readonly nameText: string[] = [];
  private readonly nameEntry: number[] = [];
  private readonly building = new Map<string, number[]>();
  /** Blocking key -> ids of the names that have it; typed arrays, because candidates() walks them all. */
  private readonly postings = new Map<string, Int32Array>();
  // Per-query scratch: counts of tokens matched per name, reset by epoch instead of clearing.
  private counts = new Int32Array(0);
  private countEpoch = new Int32Array(0);
  private tokenStamp = new Int32Array(0);
  private epoch = 0;
  private stamp = 0;

  constructor(readonly entries: readonly ListEntry[]) {
    entries.forEach((entry, e) => {
      for (const name of new Set(entry.names)) this.add(name, e);
    });
    for (const [key, ids] of this.building) this.postings.set(key, Int32Array.from(ids));
    this.building.clear();
    const n = this.names.length;
    this.counts = new Int32Array(n);
    this.countEpoch = new Int32Array(n);
    this.tokenStamp = new Int32Array(n);
  }

  get size(): number {
    return this.names.length;
  }

  private add(name: string, entry: number): void {
    const prepared = prepareName(name);
    if (prepared.tokens.length === 0) return;
    const id = this.names.length;
    this.names.push(prepared);
    this.nameText.push(name);
    this.nameEntry.push(entry);
    const keys = new Set(prepared.tokens.flatMap((t, i) => tokenKeys(t, prepared.codes[i])));
    for (const key of keys) {
      const list = this.building.get(key);
      if (list) list.push(id);
      else this.building.set(key, [id]);
    }
  }

  /** The names sharing keys with enough of the query's tokens. */
  private candidates(query: PreparedName): number[] {
    this.epoch++;
    const touched: number[] = [];
    const required = Math.max(1, Math.min(2, query.strong));
    for (let i = 0; i < query.tokens.length; i++) {
      const keys = tokenKeys(query.tokens[i], query.codes[i]);
      if (keys.length === 0) continue;
      this.stamp++;
      for (const key of keys) {
        const list = this.postings.get(key);
        if (list) this.countToken(list, touched);
      }
    }
    return touched.filter((id) => this.counts[id] >= Math.min(required, Math.max(1, this.names[id].strong)));
  }

  private countToken(list: Int32Array, touched: number[]): void {
    for (let i = 0; i < list.length; i++) {
      const id = list[i];
      if (this.tokenStamp[id] === this.stamp) continue;
      this.tokenStamp[id] = this.stamp;
      if (this.countEpoch[id] !== this.epoch) {
        this.countEpoch[id] = this.epoch;
        this.counts[id] = 0;
        touched.push(id);
      }
      this.counts[id]++;
    }
  }

  /** Every entry whose best name scores at least `threshold` against the party, best first. */
  screen(party: PartyFacts, threshold: number): Hit[] {
    const query = prepareName(party.name);
    if (query.tokens.length === 0) return [];
    const best = new Map<number, Hit>();
    for (const id of this.candidates(query)) {
      const nameScore = scoreNames(query, this.names[id]);
      if (nameScore.score < threshold - 0.1) continue;
      const entry = this.entries[this.nameEntry[id]];
      const hit = withEvidence(entry, this.nameText[id], nameScore, party);
      const previous = best.get(this.nameEntry[id]);
      if (hit.score >= threshold && (!previous || previous.score < hit.score))
        best.set(this.nameEntry[id], hit);
    }
    return [...best.values()].sort((a, b) => b.score - a.score);
  }
}

/** Date of birth and country move a name score up or down: they support or contradict the match. */
function withEvidence(entry: ListEntry, listedName: string, name: NameScore, party: PartyFacts): Hit {
  const dob = birthDateEvidence(entry.birthDates, party.birthDate);
  const country = countryEvidence(entry.countries, party.country);
  const score = Math.max(0, Math.min(1, name.score + dob.delta + country.delta));
  return {
    entryId: entry.id,
    source: entry.source,
    kind: entry.kind,
    programs: entry.programs,
    score: Math.round(score * 1000) / 1000,
    explanation: {
      listedName,
      nameScore: Math.round(name.score * 1000) / 1000,
      pairs: name.pairs.map((p) => ({ ...p, similarity: Math.round(p.similarity * 1000) / 1000 })),
      unmatchedQuery: name.unmatchedQuery,
      unmatchedListed: name.unmatchedListed,
      birthDate: dob.text,
      country: country.text,
    },
  };
}

export function birthDateEvidence(
  listed: string[],
  given: string | undefined,
): { delta: number; text: string } {
  if (!given || listed.length === 0) return { delta: 0, text: 'no date of birth to compare' };
  if (listed.some((d) => d === given)) return { delta: 0.05, text: `date of birth ${given} matches` };
  const year = Number(given.slice(0, 4));
  if (listed.some((d) => d.length < 10 && given.startsWith(d))) {
    return { delta: 0.03, text: `date of birth ${given} within listed ${listed.join(', ')}` };
  }
  if (listed.some((d) => Math.abs(Number(d.slice(0, 4)) - year) <= 1)) {
    return { delta: 0, text: `date of birth ${given} near listed ${listed.join(', ')}` };
  }
  return { delta: -0.15, text: `date of birth ${given} differs from listed ${listed.join(', ')}` };
}

export function countryEvidence(
  listed: string[],
  given: string | undefined,
): { delta: number; text: string } {
  if (!given || listed.length === 0) return { delta: 0, text: 'no country to compare' };
  const code = given.toUpperCase();
  if (listed.includes(code)) return { delta: 0.02, text: `country ${code} is listed` };
  return { delta: -0.03, text: `country ${code} not among listed ${listed.join(', ')}` };
}
