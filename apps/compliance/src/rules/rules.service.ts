import { z } from 'zod';
import { fail } from '../compliance.errors';
import type { ScreeningRepository } from '../screening/screening.repository';
import type { ScreeningService } from '../screening/screening.service';
import { backtest, BacktestResult } from './backtest';
import type { backtestSchema, RuleSet } from './rules';

/** Rule versions: the one in force, their history with authors, new versions, and backtests. */
export class RulesService {
  constructor(
    private readonly repository: ScreeningRepository,
    private readonly screening: ScreeningService,
    private readonly now: () => Date = () => new Date(),
  ) {}

  current() {
    return this.screening.rules();
  }

  versions() {
    return this.repository.ruleVersions();
  }

  async add(rules: RuleSet, author: string, note: string): Promise<{ version: number }> {
    return { version: await this.repository.addRuleVersion(rules, author, note) };
  }

  /** How many of the past days' screened transfers a rule set would have held or blocked. */
  async backtest(
    request: z.infer<typeof backtestSchema>,
  ): Promise<BacktestResult & { version?: number; days: number }> {
    const rules =
      request.rules ??
      (await this.repository.ruleVersion(request.version!))?.rules ??
      fail({ kind: 'rule-version-not-found', version: request.version! });
    const since = new Date(this.now().getTime() - request.days * 24 * 60 * 60_000);
    const rows = await this.repository.since(since);
    const result = backtest(
      rules,
      rows.map((r) => {
        const [originatorCountry, beneficiaryCountry] = r.corridor.split('-');
        return { ...r, originatorCountry, beneficiaryCountry, atMs: r.createdAt.getTime() };
      }),
    );
    return { ...result, ...(request.version ? { version: request.version } : {}), days: request.days };
  }
}
