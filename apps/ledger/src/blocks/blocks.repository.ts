import { canonicalJson } from '@concord/crypto';
import { LedgerPrismaClient } from '@concord/db';
import type { Certificate } from '../votes/votes.types';
import type { SealedBlock } from '../engine/engine.types';

export interface StoredEntry {
  height: number;
  offset: bigint;
  timestampMs: number;
  payload: string;
}

/** All I/O of one signer's tables. A block and everything it changed are written in one transaction. */
export class BlocksRepository {
  constructor(private readonly prisma: LedgerPrismaClient) {}

  async saveBlock(block: SealedBlock, signature: string): Promise<void> {
    const { header } = block;
    const h = header.height;
    const transfers = new Map<string, SealedBlock['entries'][number]['outcomes'][number]>();
    for (const entry of block.entries) {
      // Only outcomes that the ledger recorded (not refusals of a forged or malformed command) are rows.
      if (entry.rejection) continue;
      for (const outcome of entry.outcomes) if (!outcome.refusal) transfers.set(outcome.transferId, outcome);
    }
    // Raw SQL with one array per column: Prisma's model writes cost milliseconds of CPU per call in its
    // WebAssembly query compiler (measured by `npm run bench`), and this runs once per block on every signer.
    const postings = block.entries.flatMap((e, seq) => e.postings.map((p, leg) => ({ seq, leg, p })));
    const ops: ReturnType<LedgerPrismaClient['$executeRawUnsafe']>[] = [];
    const run = (sql: string, ...values: unknown[]) =>
      ops.push(this.prisma.$executeRawUnsafe(sql, ...values));
    run(
      `insert into blocks (height, header_hash, prev_hash, entries_root, state_root, block_time_ms, entry_count,
         first_offset, last_offset, header, signature)
       values ($1, $2, $3, $4, $5, $6::bigint, $7, $8::bigint, $9::bigint, $10, $11)`,
      h,
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
    );
    run(
      `insert into entries (height, seq, "offset", timestamp_ms, kind, payload, rejection, outcomes, hash)
       select $1, * from unnest($2::int[], $3::bigint[], $4::bigint[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])`,
      h,
      block.entries.map((_, seq) => seq),
      block.entries.map((e) => e.offset.toString()),
      block.entries.map((e) => String(e.timestampMs)),
      block.entries.map((e) => e.kind),
      block.entries.map((e) => e.payload),
      block.entries.map((e) => e.rejection ?? null),
      block.entries.map((e) => JSON.stringify(e.outcomes)),
      block.entries.map((e) => e.hash),
    );
    if (postings.length > 0) {
      run(
        `insert into postings (height, seq, leg, transfer_id, debit_account, credit_account, amount_minor, currency)
         select $1, * from unnest($2::int[], $3::int[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::text[])`,
        h,
        postings.map((x) => x.seq),
        postings.map((x) => x.leg),
        postings.map((x) => x.p.transferId),
        postings.map((x) => x.p.debitAccount),
        postings.map((x) => x.p.creditAccount),
        postings.map((x) => x.p.amountMinor.toString()),
        postings.map((x) => x.p.currency),
      );
    }
    if (block.changedAccounts.length > 0) {
      const a = block.changedAccounts;
      ops.push(
        this.prisma.$executeRawUnsafe(
          `insert into balances (account_id, participant_id, currency, kind, balance_minor, reserved_minor, height)
           select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::int[])
           on conflict (account_id) do update set balance_minor = excluded.balance_minor,
             reserved_minor = excluded.reserved_minor, height = excluded.height`,
          a.map((x) => x.id),
          a.map((x) => x.participantId),
          a.map((x) => x.currency),
          a.map((x) => x.kind),
          a.map((x) => x.balanceMinor.toString()),
          a.map((x) => x.reservedMinor.toString()),
          a.map(() => h),
        ),
      );
    }
    if (transfers.size > 0) {
      const t = [...transfers.values()];
      ops.push(
        this.prisma.$executeRawUnsafe(
          `insert into transfers (id, status, reason, payer, payee, amount_minor, currency, height)
           select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::int[])
           on conflict (id) do update set status = excluded.status, reason = excluded.reason, height = excluded.height`,
          t.map((x) => x.transferId),
          t.map((x) => x.status),
          t.map((x) => x.reason ?? null),
          t.map((x) => x.payer),
          t.map((x) => x.payee),
          t.map((x) => x.amountMinor),
          t.map((x) => x.currency),
          t.map(() => h),
        ),
      );
    }
    await this.prisma.$transaction(ops);
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

  async saveVote(vote: {
    height: number;
    signerId: string;
    headerHash: string;
    signature: string;
  }): Promise<void> {
    // A vote can be read twice (early votes wait for the signer set); the first one stays.
    await this.prisma.$executeRawUnsafe(
      `insert into votes (height, signer_id, header_hash, signature) values ($1, $2, $3, $4) on conflict do nothing`,
      vote.height,
      vote.signerId,
      vote.headerHash,
      vote.signature,
    );
  }

  async loadVotesAbove(height: number) {
    return this.prisma.vote.findMany({ where: { height: { gt: height } }, orderBy: [{ height: 'asc' }] });
  }

  async saveCertificate(certificate: Certificate): Promise<void> {
    await this.prisma.$executeRawUnsafe(
      `insert into certificates (height, header_hash, signatures) values ($1, $2, $3) on conflict do nothing`,
      certificate.height,
      certificate.headerHash,
      JSON.stringify(certificate.signatures),
    );
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
