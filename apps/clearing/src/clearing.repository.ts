import { rawSqlOf, RawSql, ServicesPrismaClient, sqlOf } from '@concord/db';
import { InstructionRow, InstructionsRepository } from './instructions/instructions.repository';
import { Bilateral, netPositions, Netting } from './netting/netting';
import { OutboxRepository } from './outbox/outbox.repository';
import { PositionsRepository } from './positions/positions.repository';
import type { SettlementSigner } from './settlement/settlement-signer';
import { Tx, WindowRow, WindowsRepository } from './windows/windows.repository';

export type { InstructionRow, Tx, WindowRow };

/** A window with its netting and bilateral obligations, as the operator API shows it. */
export interface WindowDetail {
  window: WindowRow;
  netting: Netting;
  bilateral: Bilateral[];
}

/**
 * The clearing service's state in PostgreSQL (schema `clearing`): each domain's SQL, and the two kinds of
 * transaction they run in. Every change and the events that announce it are written in one transaction
 * (the outbox), so a crash never loses or doubles either; settlement postings for the ledger go through
 * the same outbox, signed, in the transaction of what caused them.
 */
export class ClearingRepository {
  readonly sql: {
    positions: PositionsRepository;
    windows: WindowsRepository;
    instructions: InstructionsRepository;
    outbox: OutboxRepository;
  };

  constructor(
    private readonly prisma: ServicesPrismaClient,
    signer: SettlementSigner,
  ) {
    this.sql = {
      positions: new PositionsRepository(),
      windows: new WindowsRepository(prisma),
      instructions: new InstructionsRepository(prisma),
      outbox: new OutboxRepository(prisma, signer),
    };
  }

  /** A Prisma interactive transaction: windows, instructions and confirmations. */
  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.prisma.$transaction(work);
  }

  /**
   * The transaction of one finalized block: node-postgres rather than a Prisma interactive transaction,
   * whose query interpreter costs several times the statements' own CPU (see libs/db/src/sql.ts), because
   * every block comes through here.
   */
  blockTransaction<T>(work: (tx: RawSql) => Promise<T>): Promise<T> {
    return sqlOf(this.prisma).transaction((sql) => work(rawSqlOf(sql)));
  }

  // ---- what the operator API reads ----

  window(id: number): Promise<WindowRow | null> {
    return this.sql.windows.find(id);
  }

  /** A window with its multilateral netting (computed from its gross positions) and bilateral sums. */
  async windowDetail(id: number): Promise<WindowDetail | null> {
    const window = await this.window(id);
    if (!window || window.currency === '') return null;
    const netting = netPositions(await this.sql.windows.grossPositions(id));
    const bilateral = await this.sql.windows.bilateral(id);
    return { window, netting, bilateral };
  }

  instructions(windowId: number): Promise<InstructionRow[]> {
    return this.sql.instructions.ofWindow(windowId);
  }
}
