import { formatAmount } from '@concord/money';
import { z } from 'zod';
import type { KnownParticipant } from '../auth/participants.repository';
import { buildStatement, StatementData } from './statement.builder';
import { queryErrors, StatementFailure } from './statements.errors';
import { StatementsRepository } from './statements.repository';

/** `GET /v1/statements?account&from&to`. */
export const statementQuerySchema = z
  .object({
    account: z
      .string()
      .regex(
        /^[A-Za-z0-9._:-]{1,64}\/[A-Z]{3}(\/(settlement|fees))?$/,
        '<participant>/<currency>[/settlement|/fees], e.g. hk-remit/USD',
      )
      .describe(
        'one of your own accounts: <participant>/<currency> (position), or with /settlement or /fees',
      ),
    from: z.string().datetime({ offset: true }).describe('start of the window (inclusive), ISO 8601'),
    to: z.string().datetime({ offset: true }).describe('end of the window (exclusive), ISO 8601'),
  })
  .strict()
  .refine(
    (q) => {
      // Only when both are dates: otherwise their own issues say what is wrong.
      const from = Date.parse(String(q.from));
      const to = Date.parse(String(q.to));
      return Number.isNaN(from) || Number.isNaN(to) || from < to;
    },
    { message: 'must be after from', path: ['to'] },
  );

/**
 * Statements of a partner's own account over a window of block time: the opening balance from every
 * posting before the window, the window's postings, and the closing balance. When the window reaches the
 * last applied block, the closing balance must equal the ledger's balance, or nothing is served.
 */
export class StatementsService {
  constructor(
    private readonly repository: StatementsRepository,
    private readonly maxEntries: number,
  ) {}

  async statement(
    caller: KnownParticipant,
    query: Record<string, unknown>,
    now = new Date(),
  ): Promise<StatementData> {
    const parsed = statementQuerySchema.safeParse(query);
    if (!parsed.success) {
      throw new StatementFailure({ kind: 'INVALID_QUERY', errors: queryErrors(parsed.error.issues) });
    }
    const { account } = parsed.data;
    const from = new Date(parsed.data.from);
    const to = new Date(parsed.data.to);
    if (!account.startsWith(`${caller.id}/`))
      throw new StatementFailure({ kind: 'ACCOUNT_NOT_FOUND', account });
    let snap = await this.repository.snapshot(account, from, to, this.maxEntries + 1);
    if (snap.postingsHeight < snap.finalizedHeight) {
      await this.repository.catchUp();
      snap = await this.repository.snapshot(account, from, to, this.maxEntries + 1);
    }
    if (!snap.account || snap.account.participantId !== caller.id) {
      throw new StatementFailure({ kind: 'ACCOUNT_NOT_FOUND', account });
    }
    if (snap.postings.length > this.maxEntries) {
      throw new StatementFailure({ kind: 'STATEMENT_TOO_LARGE', max: this.maxEntries });
    }
    const statement = buildStatement({
      account,
      currency: snap.account.currency,
      ownerName: caller.name,
      from,
      to,
      createdAt: now,
      asOfHeight: snap.finalizedHeight,
      openingMinor: snap.openingMinor,
      postings: snap.postings,
    });
    const reachesPresent = snap.lastBlockTime !== null && to.getTime() > snap.lastBlockTime.getTime();
    if (reachesPresent && statement.closingMinor !== snap.account.balanceMinor) {
      throw new StatementFailure({
        kind: 'STATEMENT_INCONSISTENT',
        account,
        closing: formatAmount(statement.closingMinor, statement.currency),
        balance: formatAmount(snap.account.balanceMinor, statement.currency),
      });
    }
    return statement;
  }
}
