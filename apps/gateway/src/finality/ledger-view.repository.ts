import { ServicesPrismaClient, Sql, SqlPool, sqlOf, valuesList } from '@concord/db';
import { FinalizedBlock, finalizedBlockSchema, transferKey } from '@concord/contracts';

/** The cursors row that holds the finalized-blocks topic's next offset (see topicPosition). */
const FINALIZED_TOPIC_CURSOR = 'finalized-topic-offset';

/** More work on a block in the transaction that applies it (statement postings, webhook outbox). */
export type BlockApplyHook = (tx: Sql, block: FinalizedBlock) => Promise<unknown>;

/**
 * The gateway's read model of the ledger: finalized blocks are stored as they arrive (in any order) and
 * applied strictly in height order, each in one transaction with the cursor, so that balances, transfer
 * states and the certified header always describe the same height. That is what balance proofs need.
 */
export class LedgerViewRepository {
  /** Plain SQL on the client's pool for the per-block writes (see libs/db/src/sql.ts). */
  private readonly sql: SqlPool;

  constructor(
    private readonly prisma: ServicesPrismaClient,
    private readonly hooks: BlockApplyHook[] = [],
  ) {
    this.sql = sqlOf(prisma);
  }

  /**
   * Stores blocks as received (in any order, repeats ignored) and moves the topic position forward to
   * `nextOffset`, in one statement: `body` is the message as it came, sent as a bind parameter
   * (`valuesList`), so a block of a megabyte is neither serialized again nor escaped. A Buffer goes as the
   * UTF-8 bytes of the text (node-postgres sends it in binary format, which for a text column is those
   * bytes), without being decoded into a string first. The position never goes back: replicas read at
   * their own pace, and every message before the greatest one recorded is stored.
   */
  async store(blocks: { block: FinalizedBlock; body: string | Buffer }[], nextOffset: string): Promise<void> {
    if (blocks.length === 0) return;
    const rows = valuesList(
      blocks.map(({ block, body }) => [block.header.height, block.headerHash, body]),
      3,
    );
    await this.sql.execute(
      `with stored as (
         insert into gateway.blocks (height, header_hash, body) values ${rows.text} on conflict (height) do nothing)
       insert into gateway.cursors (name, height) values ($1, $2)
       on conflict (name) do update set height = greatest(gateway.cursors.height, excluded.height)`,
      [FINALIZED_TOPIC_CURSOR, Number(nextOffset), ...rows.values],
    );
  }

  /**
   * The offset of the finalized-blocks topic from which a gateway starting now reads: every message before
   * it is stored in gateway.blocks (by this replica or another). Kept in the cursors table under its own
   * name, whose `height` column then holds an offset.
   */
  async topicPosition(): Promise<string | undefined> {
    const row = await this.prisma.gatewayCursor.findUnique({ where: { name: FINALIZED_TOPIC_CURSOR } });
    return row ? String(row.height) : undefined;
  }

  async cursor(): Promise<number> {
    return (await this.prisma.gatewayCursor.findUnique({ where: { name: 'finalized' } }))?.height ?? 0;
  }

  /**
   * Applies every stored block that follows the cursor without a gap, in height order, in one transaction
   * (one lock of the cursor for the lot). `known` are blocks already parsed and validated by the consumer,
   * which saves parsing them again; others are read back from the table.
   */
  async applyReady(
    known: readonly FinalizedBlock[] = [],
  ): Promise<{ blocks: FinalizedBlock[]; appliedAt: Date; cursor: number }> {
    const parsed = new Map(known.map((b) => [b.header.height, b]));
    return this.sql.transaction(async (tx) => {
      // The cursor (locked for the lot) and the stored blocks after it in one round trip; the bodies of
      // blocks the consumer already parsed are not read back. `now()` is the time of this transaction,
      // which every row it finalizes gets as finalized_at (a timestamp(3) column: rounded to the ms alike).
      const rows = await tx.query<{
        cursor: number;
        appliedAt: Date;
        height: number | null;
        body: string | null;
      }>(
        `with c as (
             select coalesce(max(height), 0) as height
             from (select height from gateway.cursors where name = 'finalized' for update) locked)
           select c.height as cursor, now()::timestamp(3) as "appliedAt", b.height,
             case when b.height = any($1::int[]) then null else b.body end as body
           from c left join gateway.blocks b on b.height > c.height
           order by b.height limit 1000`,
        [[...parsed.keys()]],
      );
      let cursor = rows[0]?.cursor ?? 0;
      const applied: FinalizedBlock[] = [];
      for (const row of rows) {
        if (row.height === null || row.height !== cursor + 1) break;
        const block = parsed.get(row.height) ?? finalizedBlockSchema.parse(JSON.parse(row.body ?? ''));
        await this.apply(tx, block);
        applied.push(block);
        cursor = row.height;
      }
      return { blocks: applied, appliedAt: rows[0]?.appliedAt ?? new Date(), cursor };
    });
  }

  private async apply(tx: Sql, block: FinalizedBlock): Promise<void> {
    const h = block.header.height;
    for (const p of block.participants) {
      await tx.execute(
        `insert into gateway.participants (id, name, keys, currencies, status) values ($1, $2, $3, $4, $5)
         on conflict (id) do update set name = excluded.name, keys = excluded.keys,
           currencies = excluded.currencies, status = excluded.status`,
        [p.id, p.name, JSON.stringify(p.keys), JSON.stringify(p.currencies), p.status],
      );
    }
    const states = new Map<string, FinalizedBlock['outcomes'][number]>();
    const refusals = new Map<string, FinalizedBlock['outcomes'][number]>();
    // By transfer key: a transfer is its payer's id (two payers may use one id).
    for (const o of block.outcomes)
      (o.refusal ? refusals : states).set(transferKey(o.payer, o.transferId), o);
    // A refused instruction changes nothing recorded; it only settles a submission that never got a state
    // of its own (for instance a transfer the ledger refused before taking its id). A transfer with a
    // state in the same block keeps that state.
    for (const key of states.keys()) refusals.delete(key);
    const a = block.accounts;
    const list = [...states.values()];
    const refused = [...refusals.values()];
    // Balances, transfer states, refusals, the block's applied flag and the cursor in one statement (one
    // round trip per block: on this kind of machine each costs more than the rows it carries); the
    // per-transfer rows as JSON documents, which cost less to send than arrays (see StatementsRepository).
    await tx.execute(
      `with a as (
         insert into gateway.accounts (id, participant_id, currency, kind, balance_minor, reserved_minor, height)
         select *, $1 from unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[])
         on conflict (id) do update set balance_minor = excluded.balance_minor,
           reserved_minor = excluded.reserved_minor, height = excluded.height),
       s as (
         update gateway.transfers t set status = v.status, reason = v.reason, block_height = $1,
           finalized_at = now(), updated_at = now()
         from json_to_recordset($8::json) as v(id text, payer text, status text, reason text)
         where t.id = v.id and t.payer = v.payer),
       r as (
         update gateway.transfers t set status = 'rejected', reason = v.reason, block_height = $1,
           finalized_at = now(), updated_at = now()
         from json_to_recordset($9::json) as v(id text, payer text, reason text)
         where t.id = v.id and t.payer = v.payer and t.status = 'accepted'),
       b as (update gateway.blocks set applied = true where height = $1)
       insert into gateway.cursors (name, height) values ('finalized', $1)
       on conflict (name) do update set height = excluded.height`,
      [
        h,
        a.map((x) => x.id),
        a.map((x) => x.participantId),
        a.map((x) => x.currency),
        a.map((x) => x.kind),
        a.map((x) => x.balanceMinor),
        a.map((x) => x.reservedMinor),
        JSON.stringify(
          list.map((o) => ({ id: o.transferId, payer: o.payer, status: o.status, reason: o.reason ?? null })),
        ),
        JSON.stringify(refused.map((o) => ({ id: o.transferId, payer: o.payer, reason: o.reason ?? null }))),
      ],
    );
    if (block.signerSet) {
      // Stored at the first height it signs, so that a proof at height h is checked against the set that
      // certified h (a change sealed in block h is certified by the set before it).
      await tx.execute(
        `insert into gateway.signer_sets (height, signers, quorum) values ($1, $2, $3) on conflict (height) do nothing`,
        [block.signerSet.fromHeight ?? h, JSON.stringify(block.signerSet.signers), block.signerSet.quorum],
      );
    }
    for (const hook of this.hooks) await hook(tx, block);
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

  /** The first block as finalized, or null before the genesis is finalized. */
  async genesisBlock(): Promise<FinalizedBlock | null> {
    const row = await this.prisma.gatewayBlock.findUnique({ where: { height: 1 }, select: { body: true } });
    return row ? finalizedBlockSchema.parse(JSON.parse(row.body)) : null;
  }

  /** Every signer set the chain has had, by the height it votes from. */
  async signerSets(): Promise<
    { fromHeight: number; signers: { id: string; publicKey: string }[]; quorum: number }[]
  > {
    const rows = await this.prisma.gatewaySignerSet.findMany({ orderBy: { height: 'asc' } });
    return rows.map((r) => ({ fromHeight: r.height, signers: JSON.parse(r.signers), quorum: r.quorum }));
  }

  accountsOf(participantId: string) {
    return this.prisma.gatewayAccount.findMany({ where: { participantId }, orderBy: { id: 'asc' } });
  }
}
