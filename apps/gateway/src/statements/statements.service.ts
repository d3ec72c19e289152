import { formatAmount } from '@concord/money';
import { statementQuerySchema } from '@concord/contracts';
import type { KnownParticipant } from '../auth/participants.repository';
import { buildStatement, StatementData } from './statement.builder';
import { fieldErrors } from '../problems/problem';
import { StatementFailure } from './statements.errors';
import { StatementsRepository } from './statements.repository';

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
      throw new StatementFailure({
        kind: 'INVALID_QUERY',
        errors: fieldErrors(parsed.error.issues, '(query)'),
      });
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
