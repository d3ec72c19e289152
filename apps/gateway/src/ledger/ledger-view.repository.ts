import { ServicesPrismaClient } from '@concord/db';
import { FinalizedBlock, finalizedBlockSchema } from '@concord/contracts';

export type Tx = Parameters<Parameters<ServicesPrismaClient['$transaction']>[0]>[0];

/** More work on a block in the transaction that applies it (statement postings, webhook outbox). */
export type BlockApplyHook = (tx: Tx, block: FinalizedBlock) => Promise<unknown>;

/**
 * The gateway's read model of the ledger: finalized blocks are stored as they arrive (in any order) and
 * applied strictly in height order, each in one transaction with the cursor, so that balances, transfer
 * states and the certified header always describe the same height. That is what balance proofs need.
 */
export class LedgerViewRepository {
  constructor(
    private readonly prisma: ServicesPrismaClient,
    private readonly hooks: BlockApplyHook[] = [],
  ) {}

  /** Stores blocks as received (in any order, repeats ignored), in one statement. */
  async store(blocks: FinalizedBlock[]): Promise<void> {
    if (blocks.length === 0) return;
    await this.prisma.$executeRawUnsafe(
      `insert into gateway.blocks (height, header_hash, body)
       select * from unnest($1::int[], $2::text[], $3::text[]) on conflict (height) do nothing`,
      blocks.map((b) => b.header.height),
      blocks.map((b) => b.headerHash),
      blocks.map((b) => JSON.stringify(b)),
    );
  }

  async cursor(): Promise<number> {
    return (await this.prisma.gatewayCursor.findUnique({ where: { name: 'finalized' } }))?.height ?? 0;
  }

  /** Applies every stored block that directly follows the cursor; returns them in order. */
  /**
   * Applies every stored block that follows the cursor without a gap, in height order, in one transaction
   * (one lock of the cursor for the lot). `known` are blocks already parsed and validated by the consumer,
   * which saves parsing them again; others are read back from the table.
   */
  async applyReady(known: readonly FinalizedBlock[] = []): Promise<FinalizedBlock[]> {
    const parsed = new Map(known.map((b) => [b.header.height, b]));
    return this.prisma.$transaction(
      async (tx) => {
        const cursorRows = await tx.$queryRawUnsafe<{ height: number }[]>(
          `select height from gateway.cursors where name = 'finalized' for update`,
        );
        let cursor = cursorRows[0]?.height ?? 0;
        const rows = await tx.$queryRawUnsafe<{ height: number; body: string }[]>(
          `select height, body from gateway.blocks where height > $1 order by height limit 1000`,
          cursor,
        );
        const applied: FinalizedBlock[] = [];
        for (const row of rows) {
          if (row.height !== cursor + 1) break;
          const block = parsed.get(row.height) ?? finalizedBlockSchema.parse(JSON.parse(row.body));
          await this.apply(tx, block);
          applied.push(block);
          cursor = row.height;
        }
        return applied;
      },
      { timeout: 60_000, maxWait: 10_000 },
    );
  }

  private async apply(tx: Tx, block: FinalizedBlock): Promise<void> {
    const h = block.header.height;
    for (const p of block.participants) {
      await tx.$executeRawUnsafe(
        `insert into gateway.participants (id, name, keys, currencies, status) values ($1, $2, $3, $4, $5)
         on conflict (id) do update set name = excluded.name, keys = excluded.keys,
           currencies = excluded.currencies, status = excluded.status`,
        p.id,
        p.name,
        JSON.stringify(p.keys),
        JSON.stringify(p.currencies),
        p.status,
      );
    }
    if (block.accounts.length > 0) {
      const a = block.accounts;
      await tx.$executeRawUnsafe(
        `insert into gateway.accounts (id, participant_id, currency, kind, balance_minor, reserved_minor, height)
         select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::int[])
         on conflict (id) do update set balance_minor = excluded.balance_minor,
           reserved_minor = excluded.reserved_minor, height = excluded.height`,
        a.map((x) => x.id),
        a.map((x) => x.participantId),
        a.map((x) => x.currency),
        a.map((x) => x.kind),
        a.map((x) => x.balanceMinor),
        a.map((x) => x.reservedMinor),
        a.map(() => h),
      );
    }
    const states = new Map<string, FinalizedBlock['outcomes'][number]>();
    const refusals = new Map<string, FinalizedBlock['outcomes'][number]>();
    for (const o of block.outcomes) (o.refusal ? refusals : states).set(o.transferId, o);
    if (states.size > 0) {
      const list = [...states.values()];
      await tx.$executeRawUnsafe(
        `update gateway.transfers t set status = v.status, reason = v.reason, block_height = $4,
           finalized_at = now(), updated_at = now()
         from unnest($1::text[], $2::text[], $3::text[]) as v(id, status, reason)
         where t.id = v.id`,
        list.map((o) => o.transferId),
        list.map((o) => o.status),
        list.map((o) => o.reason ?? null),
        h,
      );
    }
    if (refusals.size > 0) {
      // A refused instruction changes nothing recorded; it only settles a submission that never got a
      // state of its own (for instance a transfer the ledger refused before taking its id).
      const list = [...refusals.values()];
      await tx.$executeRawUnsafe(
        `update gateway.transfers t set status = 'rejected', reason = v.reason, block_height = $3,
           finalized_at = now(), updated_at = now()
         from unnest($1::text[], $2::text[]) as v(id, reason)
         where t.id = v.id and t.status = 'accepted'`,
        list.map((o) => o.transferId),
        list.map((o) => o.reason ?? null),
        h,
      );
    }
    if (block.signerSet) {
      // Stored at the first height it signs, so that a proof at height h is checked against the set that
      // certified h (a change sealed in block h is certified by the set before it).
      await tx.$executeRawUnsafe(
        `insert into gateway.signer_sets (height, signers, quorum) values ($1, $2, $3) on conflict (height) do nothing`,
        block.signerSet.fromHeight ?? h,
        JSON.stringify(block.signerSet.signers),
        block.signerSet.quorum,
      );
    }
    for (const hook of this.hooks) await hook(tx, block);
    await tx.$executeRawUnsafe(
      `insert into gateway.cursors (name, height) values ('finalized', $1)
       on conflict (name) do update set height = excluded.height`,
      h,
    );
    await tx.$executeRawUnsafe(`update gateway.blocks set applied = true where height = $1`, h);
  }

  /**
   * Every account and the certified block at one consistent height (the cursor), read in one
   * repeatable-read transaction, for a balance proof.
   */
  async snapshot(): Promise<{
    block: FinalizedBlock;
    accounts: { id: string; balanceMinor: bigint; reservedMinor: bigint }[];
    signerSet: { signers: { id: string; publicKey: string }[]; quorum: number };
  } | null> {
    return this.prisma.$transaction(
      async (tx) => {
        const cursor = await tx.$queryRawUnsafe<{ height: number }[]>(
          `select height from gateway.cursors where name = 'finalized'`,
        );
        if (cursor.length === 0) return null;
        const [row] = await tx.$queryRawUnsafe<{ body: string }[]>(
          `select body from gateway.blocks where height = $1`,
          cursor[0].height,
        );
        const accounts = await tx.$queryRawUnsafe<
          { id: string; balance_minor: bigint; reserved_minor: bigint }[]
        >(`select id, balance_minor, reserved_minor from gateway.accounts`);
        const [set] = await tx.$queryRawUnsafe<{ signers: string; quorum: number }[]>(
          `select signers, quorum from gateway.signer_sets where height <= $1 order by height desc limit 1`,
          cursor[0].height,
        );
        return {
          block: finalizedBlockSchema.parse(JSON.parse(row.body)),
          accounts: accounts.map((a) => ({
            id: a.id,
            balanceMinor: BigInt(a.balance_minor),
            reservedMinor: BigInt(a.reserved_minor),
          })),
          signerSet: { signers: JSON.parse(set.signers), quorum: set.quorum },
        };
      },
      { isolationLevel: 'RepeatableRead' },
    );
  }

  accountsOf(participantId: string) {
    return this.prisma.gatewayAccount.findMany({ where: { participantId }, orderBy: { id: 'asc' } });
  }
}
