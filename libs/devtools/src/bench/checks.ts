import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Pool } from 'pg';
import { fxQuoteLegs, fxQuoteSchema } from '@concord/contracts';
import type { ConsortiumSpec } from '../demo/consortium';
import { REPO_ROOT } from '../database/prisma';

/**
 * What the end-to-end bench checks after the load, on a quiet network: a run that loses or duplicates
 * anything fails, whatever its speed. Each check says what it found in a line; any failure makes the bench
 * exit non-zero.
 */
export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
}

const FINAL_STATUSES = ['committed', 'rejected', 'fulfilled', 'aborted', 'expired'];

async function rows<T>(pool: Pool, sql: string, params: unknown[] = []): Promise<T[]> {
  return (await pool.query(sql, params)).rows as T[];
}

async function count(pool: Pool, sql: string, params: unknown[] = []): Promise<number> {
  const [row] = await rows<{ n: string | number }>(pool, sql, params);
  return Number(row?.n ?? 0);
}

/** Transfers still `accepted` (not final yet). */
export function pendingCount(pool: Pool): Promise<number> {
  return count(pool, `select count(*) as n from gateway.transfers where status = 'accepted'`);
}

/** Waits until no transfer is `accepted` any more, or the time is up; returns how many are left. */
export async function drain(
  pool: Pool,
  timeoutMs: number,
  onPoll?: (pending: number) => void,
): Promise<{ pending: number; waitedMs: number }> {
  const started = Date.now();
  for (;;) {
    const pending = await pendingCount(pool);
    onPoll?.(pending);
    if (pending === 0 || Date.now() - started > timeoutMs) return { pending, waitedMs: Date.now() - started };
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Heights of every signer, the certified tip of each and the gateway's cursor. */
export async function heights(
  pool: Pool,
  signers: string[],
): Promise<{ sealed: Record<string, number>; certified: Record<string, number>; gateway: number }> {
  const sealed: Record<string, number> = {};
  const certified: Record<string, number> = {};
  for (const s of signers) {
    sealed[s] = await count(pool, `select coalesce(max(height), 0) as n from ledger_${s}.blocks`);
    certified[s] = await count(pool, `select coalesce(max(height), 0) as n from ledger_${s}.certificates`);
  }
  const gateway = await count(
    pool,
    `select coalesce(max(height), 0) as n from gateway.cursors where name = 'finalized'`,
  );
  return { sealed, certified, gateway };
}

/** Waits until every signer sealed and certified the same tip and the gateway applied it. */
export async function waitForConvergence(
  pool: Pool,
  signers: string[],
  timeoutMs: number,
): Promise<{ converged: boolean; state: Awaited<ReturnType<typeof heights>> }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await heights(pool, signers);
    const all = [...Object.values(state.sealed), ...Object.values(state.certified), state.gateway];
    if (all.every((h) => h === all[0])) return { converged: true, state };
    if (Date.now() > deadline) return { converged: false, state };
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export interface CheckInput {
  pool: Pool;
  spec: ConsortiumSpec;
  signers: string[];
  databaseUrl: string;
  sentIds: Set<string>;
  ackedIds: Set<string>;
  /** The quote each cross-currency transfer carried (as the FX service signed it), by transfer id. */
  quotes: Map<string, { quote: unknown }>;
}

export async function runChecks(input: CheckInput, log: (line: string) => void): Promise<CheckResult[]> {
  const { pool, signers } = input;
  const results: CheckResult[] = [];
  const add = (name: string, ok: boolean, detail: string) => {
    results.push({ name, ok, detail });
    log(`${ok ? 'ok  ' : 'FAIL'} ${name}: ${detail}`);
  };

  // 1. Every acknowledged transfer is stored once and final; nothing stored that nobody sent.
  const stored = await rows<{ id: string; status: string; finalized: boolean; height: number | null }>(
    pool,
    `select id, status, finalized_at is not null as finalized, block_height as height from gateway.transfers`,
  );
  const storedIds = new Set(stored.map((r) => r.id));
  const lost = [...input.ackedIds].filter((id) => !storedIds.has(id));
  const phantom = stored.filter((r) => !input.sentIds.has(r.id));
  add(
    'every acknowledged transfer stored',
    lost.length === 0,
    `${input.ackedIds.size} acknowledged, ${stored.length} stored (of ${input.sentIds.size} sent), ${lost.length} lost${
      lost.length ? ` (e.g. ${lost.slice(0, 3).join(', ')})` : ''
    }`,
  );
  add(
    'nothing stored that was not sent',
    phantom.length === 0,
    `${phantom.length} unknown ids${phantom.length ? ` (e.g. ${phantom.slice(0, 3).map((r) => r.id)})` : ''}`,
  );
  const notFinal = stored.filter(
    (r) => !FINAL_STATUSES.includes(r.status) || !r.finalized || r.height === null,
  );
  const byStatus: Record<string, number> = {};
  for (const r of stored) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
  add(
    'every stored transfer reached a final state',
    notFinal.length === 0,
    `${JSON.stringify(byStatus)}; ${notFinal.length} not final${
      notFinal.length ? ` (e.g. ${notFinal.slice(0, 3).map((r) => `${r.id}:${r.status}`)})` : ''
    }`,
  );

  // Cross-currency transfers post one leg per currency (and whatever else their quote stands for), so the
  // one-posting-per-transfer rule below holds for the others only.
  const fxIds = [...input.quotes.keys()];
  for (const s of signers) {
    const schema = `ledger_${s}`;
    // 2. The gateway and each signer agree on every transfer's one final state.
    const missing = await count(
      pool,
      `select count(*) as n from gateway.transfers g left join ${schema}.transfers l on l.id = g.id
       where l.id is null and g.status = 'committed'`,
    );
    const differ = await count(
      pool,
      `select count(*) as n from gateway.transfers g join ${schema}.transfers l on l.id = g.id
       where l.status <> g.status`,
    );
    const unknown = await count(
      pool,
      `select count(*) as n from ${schema}.transfers l left join gateway.transfers g on g.id = l.id
       where g.id is null and l.id not like 'genesis-funds-%'`,
    );
    add(
      `${s}: same final state as the gateway`,
      missing + differ + unknown === 0,
      `${missing} committed at the gateway but unknown here, ${differ} with another status, ${unknown} unknown to the gateway`,
    );
    // 3. No transfer moved money twice: one posting per same-currency transfer; no cross-currency leg
    //    twice (the same accounts and amount under the same transfer); nothing posted for a transfer that
    //    did not commit. The balance check (5) catches any other extra or missing leg.
    const duplicated = await count(
      pool,
      `select count(*) as n from (select transfer_id from ${schema}.postings
         where not (transfer_id = any($1::text[])) group by transfer_id having count(*) > 1) d`,
      [fxIds],
    );
    const fxDuplicated = await count(
      pool,
      `select count(*) as n from (select transfer_id from ${schema}.postings where transfer_id = any($1::text[])
         group by transfer_id, debit_account, credit_account, currency, amount_minor having count(*) > 1) d`,
      [fxIds],
    );
    const postingsOfUncommitted = await count(
      pool,
      `select count(*) as n from ${schema}.postings p join ${schema}.transfers t on t.id = p.transfer_id
       where t.status <> 'committed'`,
    );
    add(
      `${s}: no transfer posted twice`,
      duplicated + fxDuplicated + postingsOfUncommitted === 0,
      `${duplicated} same-currency transfers with several postings, ${fxDuplicated} cross-currency legs posted twice, ` +
        `${postingsOfUncommitted} postings of transfers not committed`,
    );
    // 4. Double entry: every currency sums to zero, nothing left reserved.
    const sums = await rows<{ currency: string; balance: string; reserved: string; accounts: string }>(
      pool,
      `select currency, sum(balance_minor)::text as balance, sum(reserved_minor)::text as reserved,
         count(*)::text as accounts from ${schema}.balances group by currency order by currency`,
    );
    const bad = sums.filter((r) => r.balance !== '0' || r.reserved !== '0');
    add(
      `${s}: balances sum to zero per currency`,
      sums.length > 0 && bad.length === 0,
      sums.map((r) => `${r.currency} ${r.balance} (${r.accounts} accounts)`).join(', '),
    );
  }

  // 5. Each participant's money in each currency is its opening funds plus what it received minus what it
  //    paid, counting the transfers the gateway reports committed: a lost or duplicated posting shows up
  //    here (the hub is the counterpart of the opening funds). A committed
  //    cross-currency transfer moves what its quote stands for (fxQuoteLegs of the contracts: the payer pays
  //    the total cost in the source currency to the FX provider, which pays the payee the receive amount
  //    in the target currency), whatever postings the ledger splits that into.
  const flows = await rows<{ account: string; net: string }>(
    pool,
    `select account, sum(delta)::text as net from (
       select payer || '/' || currency as account, -amount_minor as delta from gateway.transfers
         where status = 'committed' and not (id = any($1::text[]))
       union all
       select payee || '/' || currency, amount_minor from gateway.transfers
         where status = 'committed' and not (id = any($1::text[]))
     ) f group by account`,
    [fxIds],
  );
  const expected = new Map<string, bigint>();
  for (const p of input.spec.participants) {
    for (const c of p.currencies) {
      expected.set(`${p.id}/${c}`, p.fundsMinor ?? 0n);
      expected.set(`hub/${c}`, (expected.get(`hub/${c}`) ?? 0n) - (p.fundsMinor ?? 0n));
    }
  }
  const move = (account: string, delta: bigint) =>
    expected.set(account, (expected.get(account) ?? 0n) + delta);
  for (const f of flows) move(f.account, BigInt(f.net));
  const fxCommitted = await rows<{ id: string; payer: string; payee: string }>(
    pool,
    `select id, payer, payee from gateway.transfers where status = 'committed' and id = any($1::text[])`,
    [fxIds],
  );
  const badQuotes: string[] = [];
  for (const t of fxCommitted) {
    const parsed = fxQuoteSchema.safeParse(input.quotes.get(t.id)?.quote);
    const legs = parsed.success ? fxQuoteLegs(parsed.data, t) : null;
    if (!legs) {
      badQuotes.push(t.id);
      continue;
    }
    for (const leg of legs) {
      move(`${leg.from}/${leg.currency}`, -leg.amountMinor);
      move(`${leg.to}/${leg.currency}`, leg.amountMinor);
    }
  }
  add(
    'every committed cross-currency transfer carried a valid quote for its parties',
    badQuotes.length === 0,
    `${fxCommitted.length} committed of ${fxIds.length} sent, ${badQuotes.length} with a quote that does not parse or ` +
      `names other parties${badQuotes.length ? ` (e.g. ${badQuotes.slice(0, 3).join(', ')})` : ''}`,
  );
  for (const s of signers) {
    // Per participant and currency, all its accounts together: how the ledger splits a participant's
    // money (its position, fee income, settlement accounts) is its own business; what moved between
    // participants is what the transfers say.
    const balances = await rows<{ id: string; balance: string; accounts: number }>(
      pool,
      `select participant_id || '/' || currency as id, sum(balance_minor)::text as balance,
         count(*)::int as accounts from ledger_${s}.balances group by participant_id, currency`,
    );
    const actual = new Map(balances.map((b) => [b.id, BigInt(b.balance)]));
    const accounts = balances.reduce((n, b) => n + b.accounts, 0);
    const wrong = [...expected].filter(
      ([id, v]) => (actual.get(id) ?? 0n) !== v && !(id.startsWith('hub/') && !actual.has(id) && v === 0n),
    );
    const extra = [...actual].filter(([id, v]) => !expected.has(id) && v !== 0n);
    add(
      `${s}: balances = opening funds + committed transfers`,
      wrong.length === 0 && extra.length === 0,
      `${accounts} accounts of ${actual.size} participant-currencies, ${wrong.length} differ${
        wrong.length
          ? ` (e.g. ${wrong.slice(0, 2).map(([id, v]) => `${id} expected ${v}, got ${actual.get(id)}`)})`
          : ''
      }, ${extra.length} unexpected with money${extra.length ? ` (e.g. ${extra.slice(0, 2).map(([id]) => id)})` : ''}`,
    );
  }

  const gatewayView = await count(
    pool,
    `select count(*) as n from gateway.accounts a full join ledger_${signers[0]}.balances b on b.account_id = a.id
     where a.id is null or b.account_id is null or a.balance_minor <> b.balance_minor or a.reserved_minor <> b.reserved_minor`,
  );
  add(
    `gateway read model matches ${signers[0]}`,
    gatewayView === 0,
    `${gatewayView} accounts differ between gateway.accounts and ledger_${signers[0]}.balances`,
  );

  // 6. All signers built the same chain: the same state root and header at every height.
  const chains = new Map<string, Map<number, string>>();
  for (const s of signers) {
    const blocks = await rows<{ height: number; root: string; hash: string }>(
      pool,
      `select height, state_root as root, header_hash as hash from ledger_${s}.blocks order by height`,
    );
    chains.set(s, new Map(blocks.map((b) => [b.height, `${b.root}/${b.hash}`])));
  }
  const [first, ...others] = signers;
  const reference = chains.get(first)!;
  const disagreements: string[] = [];
  for (const s of others) {
    const chain = chains.get(s)!;
    const allHeights = new Set([...reference.keys(), ...chain.keys()]);
    for (const h of allHeights) {
      if (reference.get(h) !== chain.get(h)) {
        disagreements.push(
          `${s} at ${h}: ${chain.has(h) ? 'other root' : 'missing'}${reference.has(h) ? '' : ` (${first} missing)`}`,
        );
      }
    }
  }
  add(
    'identical state roots on every signer at every height',
    disagreements.length === 0 && reference.size > 0,
    `${reference.size} blocks on ${first}; ${disagreements.length} disagreements${
      disagreements.length ? ` (${disagreements.slice(0, 3).join('; ')})` : ''
    }`,
  );

  // 7. The audit tool replays the first signer's chain.
  const verify = await runVerify(input.databaseUrl, first);
  add(`ledger:verify --signer ${first}`, verify.ok, verify.lastLine);
  return results;
}

export async function runVerify(
  databaseUrl: string,
  signer: string,
): Promise<{ ok: boolean; lastLine: string; output: string }> {
  const compiled = join(REPO_ROOT, 'dist/apps/ledger/src/verify/verify.js');
  const args = existsSync(compiled)
    ? [compiled]
    : ['--require', 'tsx/cjs', join(REPO_ROOT, 'apps/ledger/src/verify/verify.ts')];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...args, '--signer', signer, '--database-url', databaseUrl], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => {
      const lines = stdout.trim().split('\n').filter(Boolean);
      const lastLine = lines[lines.length - 1] ?? stderr.trim().split('\n').pop() ?? `exit ${code}`;
      resolve({ ok: code === 0 && lastLine.startsWith('chain ok:'), lastLine, output: stdout + stderr });
    });
  });
}
