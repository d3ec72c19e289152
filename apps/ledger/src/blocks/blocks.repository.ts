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
    const ops = [
      this.prisma.block.create({
        data: {
          height: h,
          headerHash: block.headerHash,
          prevHash: header.prevHash,
          entriesRoot: header.entriesRoot,
          stateRoot: header.stateRoot,
          blockTimeMs: BigInt(header.blockTimeMs),
          entryCount: header.entryCount,
          firstOffset: BigInt(header.firstOffset),
          lastOffset: BigInt(header.lastOffset),
          header: canonicalJson(header),
          signature,
        },
      }),
      this.prisma.entry.createMany({
        data: block.entries.map((e, seq) => ({
          height: h,
          seq,
          offset: e.offset,
          timestampMs: BigInt(e.timestampMs),
          kind: e.kind,
          payload: e.payload,
          rejection: e.rejection ?? null,
          outcomes: JSON.stringify(e.outcomes),
          hash: e.hash,
        })),
      }),
      this.prisma.posting.createMany({
        data: block.entries.flatMap((e, seq) =>
          e.postings.map((p, leg) => ({
            height: h,
            seq,
            leg,
            transferId: p.transferId,
            debitAccount: p.debitAccount,
            creditAccount: p.creditAccount,
            amountMinor: p.amountMinor,
            currency: p.currency,
          })),
        ),
      }),
    ];
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
        ) as never,
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
        ) as never,
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
    await this.prisma.vote.createMany({ data: [vote], skipDuplicates: true });
  }

  async loadVotesAbove(height: number) {
    return this.prisma.vote.findMany({ where: { height: { gt: height } }, orderBy: [{ height: 'asc' }] });
  }

  async saveCertificate(certificate: Certificate): Promise<void> {
    await this.prisma.certificate.upsert({
      where: { height: certificate.height },
      create: {
        height: certificate.height,
        headerHash: certificate.headerHash,
        signatures: JSON.stringify(certificate.signatures),
      },
      update: {},
    });
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
