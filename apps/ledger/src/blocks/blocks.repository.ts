import type { EquivocationEvidence } from '@concord/contracts';
import { canonicalJson } from '@concord/crypto';
import { LedgerPrismaClient, sqlOf, valuesList } from '@concord/db';
import type { Certificate } from '../votes/votes.types';
import type { SealedBlock } from '../engine/engine.types';

/** A signer's vote as stored: whom it is from, the header it signs, the signature. */
export interface VoteRow {
  signerId: string;
  headerHash: string;
  signature: string;
}

export interface StoredEntry {
  height: number;
  offset: bigint;
  timestampMs: number;
  payload: string;
}

/** All I/O of one signer's tables. A block and everything it changed are written in one transaction. */
export class BlocksRepository {
  /** Plain SQL on the client's pool for the per-block writes (see libs/db/src/sql.ts). */
  private readonly sql;

  constructor(private readonly prisma: LedgerPrismaClient) {
    this.sql = sqlOf(prisma);
  }

  async saveBlock(block: SealedBlock, signature: string): Promise<void> {
    const { header } = block;
    // One SQL statement, each table written by a data-modifying CTE: a single round trip and a single
    // commit per block. This runs once per block on every signer, and on this kind of machine each round
    // trip to PostgreSQL costs far more than the rows it carries (`npm run bench`). An entry keeps its
    // postings and outcomes as JSON columns, so a block is one row per log record and one per changed
    // account, whatever the number of transfers: the views `postings` and `transfers` give them back as
    // rows. They are stored as the canonical texts the entry hash was taken over (made once, by the
    // engine). The entries' columns go as bind parameters (`valuesList`: their texts are large and full of
    // quotes, which a JSON document would escape and PostgreSQL parse again), the changed accounts as one
    // JSON document (many small rows: JSON.stringify is native, while node-postgres escapes array
    // parameters element by element in JavaScript, 5.5 ms against 0.9 ms for 1,450 elements). It goes
    // through node-postgres directly (libs/db/src/sql.ts), not Prisma's raw queries.
    const entries = valuesList(
      block.entries.map((e, seq) => [
        header.height,
        seq,
        e.offset,
        e.timestampMs,
        e.kind,
        e.payload,
        e.rejection ?? null,
        e.outcomesJson,
        e.postingsJson,
        e.hash,
      ]),
      13,
    );
    await this.sql.execute(
      `with b as (
         insert into blocks (height, header_hash, prev_hash, entries_root, state_root, block_time_ms, entry_count,
           first_offset, last_offset, header, signature)
         values ($1, $2, $3, $4, $5, $6::bigint, $7, $8::bigint, $9::bigint, $10, $11)),
       a as (
         insert into balances (account_id, participant_id, currency, kind, balance_minor, reserved_minor, height)
         select x.*, $1 from json_to_recordset($12::json)
           as x(i text, p text, c text, k text, b bigint, r bigint)
         on conflict (account_id) do update set balance_minor = excluded.balance_minor,
           reserved_minor = excluded.reserved_minor, height = excluded.height)
       insert into entries (height, seq, "offset", timestamp_ms, kind, payload, rejection, outcomes, postings, hash)
       values ${entries.text}`,
      [
        header.height,
        block.headerHash,
        header.prevHash,
        header.entriesRoot,
        header.stateRoot,
        String(header.blockTimeMs),
        header.entryCount,
        header.firstOffset,
        header.lastOffset,
        canonicalJson(header),
        signature,
        JSON.stringify(
          block.changedAccounts.map((x) => ({
            i: x.id,
            p: x.participantId,
            c: x.currency,
            k: x.kind,
            b: x.balanceMinor.toString(),
            r: x.reservedMinor.toString(),
          })),
        ),
        ...entries.values,
      ],
    );
  }

  /** Every stored entry in log order, for recovery by replay. */
  async loadEntries(): Promise<StoredEntry[]> {
    const rows = await this.prisma.entry.findMany({
      select: { height: true, offset: true, timestampMs: true, payload: true },
      orderBy: [{ height: 'asc' }, { seq: 'asc' }],
    });
    return rows.map((r) => ({
      height: r.height,
      offset: r.offset,
      timestampMs: Number(r.timestampMs),
      payload: r.payload,
    }));
  }

  async loadHeaders(): Promise<
    { height: number; headerHash: string; signature: string; lastOffset: bigint }[]
  > {
    return this.prisma.block.findMany({
      select: { height: true, headerHash: true, signature: true, lastOffset: true },
      orderBy: { height: 'asc' },
    });
  }

  /** Votes of one height as evidence (a vote read twice, or stored again, keeps its first row). */
  async saveVotes(height: number, votes: readonly VoteRow[]): Promise<void> {
    await this.sql.execute(
      `insert into votes (height, signer_id, header_hash, signature)
       select $1, * from unnest($2::text[], $3::text[], $4::text[]) on conflict do nothing`,
      [height, votes.map((v) => v.signerId), votes.map((v) => v.headerHash), votes.map((v) => v.signature)],
    );
  }

  /**
   * A certificate and the votes counted for its height so far, in one statement: the signers' votes are
   * kept as they were read from the votes topic, without a write per vote.
   */
  async saveCertificate(certificate: Certificate, votes: readonly VoteRow[] = []): Promise<void> {
    await this.sql.execute(
      `with c as (
         insert into certificates (height, header_hash, signatures) values ($1, $2, $3) on conflict do nothing)
       insert into votes (height, signer_id, header_hash, signature)
       select $1, * from unnest($4::text[], $5::text[], $6::text[]) on conflict do nothing`,
      [
        certificate.height,
        certificate.headerHash,
        JSON.stringify(certificate.signatures),
        votes.map((v) => v.signerId),
        votes.map((v) => v.headerHash),
        votes.map((v) => v.signature),
      ],
    );
  }

  /**
   * Keeps the evidence that a signer equivocated, as the canonical JSON of both signed headers, so that it
   * outlives the alarm message and can be handed to anyone to check. The first evidence of a signer at a
   * height is kept; later votes of it there prove nothing more.
   */
  async saveEquivocation(evidence: EquivocationEvidence): Promise<void> {
    await this.sql.execute(
      `insert into equivocations (height, signer_id, evidence) values ($1, $2, $3) on conflict do nothing`,
      [evidence.height, evidence.signerId, canonicalJson(evidence)],
    );
  }

  /** Every equivocation evidence stored, by height and signer. */
  async loadEquivocations(): Promise<EquivocationEvidence[]> {
    const rows = await this.prisma.equivocation.findMany({
      orderBy: [{ height: 'asc' }, { signerId: 'asc' }],
    });
    return rows.map((r) => JSON.parse(r.evidence) as EquivocationEvidence);
  }

  async lastCertifiedHeight(): Promise<number> {
    const row = await this.prisma.certificate.findFirst({
      orderBy: { height: 'desc' },
      select: { height: true },
    });
    return row?.height ?? 0;
  }

  async entriesOf(height: number) {
    return this.prisma.entry.findMany({ where: { height }, orderBy: { seq: 'asc' } });
  }
}
