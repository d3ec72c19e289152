import type { Page } from 'puppeteer-core';
import { freePort } from '@concord/testing';
import {
  buttonLabels,
  clickButton,
  ConsoleWorld,
  screenshot,
  seriousViolations,
  startConsoleWorld,
  visit,
  waitForText,
} from './browser-world';

/**
 * The console's transfer page with its balance proof, the participants' webhook delivery health, the
 * compliance case queue and the reconciliation breaks, in a real headless Chromium against a real network
 * with the compliance service: each page used as its role would, checked with axe-core, photographed, and
 * shown to a regulator with nothing to press.
 */
jest.setTimeout(240_000);

let world: ConsoleWorld;
let ops: Page;

beforeAll(async () => {
  world = await startConsoleWorld({
    withCompliance: true,
    gatewayEnv: { GATEWAY_WEBHOOK_ATTEMPTS: '2', GATEWAY_WEBHOOK_BACKOFF_MS: '100' },
  });
  ops = await world.signIn('ops1');
}, 240_000);

afterAll(async () => {
  await world?.stop();
});

const operatorApi = (url: string, method: string, path: string, body: string, type: string, headers = {}) =>
  fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${world.net.network.operatorToken}`, 'content-type': type, ...headers },
    body,
  });

/** No axe-core violation that is serious or critical on the page shown, and its picture. */
async function checkAndPicture(page: Page, name: string): Promise<void> {
  await screenshot(page, name);
  expect({ name, violations: await seriousViolations(page) }).toEqual({ name, violations: [] });
}

describe('transfers and participants', () => {
  it("shows a transfer's blocks and verifies the payer's and payee's balance proof in the browser", async () => {
    const sent = await world.net
      .client('hk-remit')
      .createTransfer(
        { id: 'proved-1', payer: 'hk-remit', payee: 'mnl-payout', amount: '21.50', currency: 'USD' },
        { waitMs: 10_000 },
      );
    expect(sent.status).toBe(201);
    await visit(ops, 'transfers', 'Transfers');
    await ops.waitForSelector('tr[data-transfer="proved-1"]', { timeout: 10_000 });
    await ops.click('tr[data-transfer="proved-1"] a');
    await waitForText(ops, 'h1', 'Transfer proved-1');
    // The page shows the transfer at once and its block when the read model has it: wait for the block.
    await ops.waitForSelector('[data-transfer-block]', { timeout: 10_000 });
    const height = await ops.$eval('[data-transfer-block]', (a) => a.getAttribute('data-transfer-block'));
    expect(Number(height)).toBeGreaterThan(1);
    await clickButton(ops, 'Verify balance proof');
    await ops.waitForSelector('[data-proof-verdict]', { timeout: 30_000 });
    const verdict = await ops.$eval('[data-proof-verdict]', (p) => p.getAttribute('data-proof-verdict'));
    const checks = await ops.$$eval('.checks li', (items) => items.map((li) => li.textContent ?? ''));
    expect({ verdict, failed: checks.filter((c) => c.includes('(failed)')) }).toEqual({
      verdict: 'valid',
      failed: [],
    });
    expect(checks.join('\n')).toMatch(/state root path hk-remit\/USD/);
    expect(checks.join('\n')).toMatch(/state root path mnl-payout\/USD/);
    expect(await ops.$$eval('tr[data-proof-account]', (trs) => trs.length)).toBe(2);
    await checkAndPicture(ops, 'transfer-proof');
  });

  it('shows webhook delivery health per participant: dead letters and the last success', async () => {
    const events = ['transfer.committed'] as ['transfer.committed'];
    const closed = await freePort();
    const hook = await world.net
      .client('us-send')
      .createWebhook({ url: `http://127.0.0.1:${closed}/hook`, events });
    expect(hook.status).toBe(201);
    const sent = await world.net
      .client('us-send')
      .createTransfer(
        { id: 'hooked-1', payer: 'us-send', payee: 'hk-remit', amount: '3.00', currency: 'USD' },
        { waitMs: 10_000 },
      );
    expect(sent.status).toBe(201);
    await visit(ops, 'participants', 'Participants');
    const row = 'tr[data-webhook-health="us-send"]';
    await ops.waitForSelector(row, { timeout: 30_000 });
    await ops.waitForFunction(
      (sel: string) => (document.querySelector(sel)?.querySelector('.badge.bad')?.textContent ?? '') === '1',
      { timeout: 30_000, polling: 250 },
      row,
    );
    expect(await ops.$eval(row, (tr) => tr.textContent ?? '')).toMatch(
      /us-send0[2]1—.*(ECONNREFUSED|fetch failed)/,
    );
    await checkAndPicture(ops, 'participants-webhooks');
  });
});

describe('compliance case queue', () => {
  it('is worked by two officers for a sanctions hit, each in their own session', async () => {
    const held = await operatorApi(
      world.complianceUrl!,
      'POST',
      '/v1/screenings',
      JSON.stringify({
        transferId: 'held-browser-1',
        payer: 'hk-remit',
        payee: 'mnl-payout',
        amountMinor: '5000',
        currency: 'USD',
        originator: { kind: 'person', name: 'Maria Santos', country: 'US', birthDate: '1985-02-03' },
        beneficiary: { kind: 'person', name: 'Виктор Орланко', country: 'RU' },
      }),
      'application/json',
    );
    expect(((await held.json()) as { status: string }).status).toBe('held');
    const decide = async (user: 'comp1' | 'comp2', reason: string, expected: string) => {
      const page = await world.signIn(user);
      await visit(page, 'compliance', 'Compliance cases');
      await page.waitForSelector('tr[data-case="held-browser-1"] button');
      await page.click('tr[data-case="held-browser-1"] button');
      await page.waitForSelector('[data-finding="sanctions"]');
      await page.type('input[name=reason]', reason);
      await clickButton(page, 'Release');
      // The case is read again after the decision: still open (one approval) or released.
      await page.waitForSelector(`[data-case-status="${expected}"]`, { timeout: 20_000 });
      return page;
    };
    const first = await decide('comp1', 'namesake: another date of birth', 'open');
    await first.waitForSelector('[data-decision="approve-release"]');
    await checkAndPicture(first, 'compliance-case');
    await first.browserContext().close();
    const second = await decide('comp2', 'agreed with comp1', 'released');
    await second.browserContext().close();
  });
});

describe('reconciliation breaks', () => {
  it('are assigned, annotated and written off by operators', async () => {
    // Two bank lines that no instruction explains: each becomes a break (NO_INSTRUCTION).
    const csv = [
      'account,currency,booking_date,amount,end_to_end_id,bank_reference',
      'USD-SETTLE,USD,2026-12-08,12.50,no-such-instruction,BRW-1',
      'USD-SETTLE,USD,2026-12-08,-7.00,,BRW-2',
    ].join('\n');
    const uploaded = await operatorApi(world.clearingUrl, 'POST', '/statements?format=csv', csv, 'text/csv', {
      'x-operator': 'browser-test',
    });
    expect(uploaded.status).toBe(201);
    await visit(ops, 'reconciliation', 'Reconciliation breaks');
    const row = 'tbody tr[data-break-status="open"]';
    await ops.waitForSelector(row, { timeout: 20_000 });
    const id = await ops.$eval(row, (tr) => tr.getAttribute('data-break'));
    const mine = `tr[data-break="${id}"]`;
    await ops.type(`${mine} input[name=assignee]`, 'ops2');
    await ops.click(`${mine} form[aria-label^="Assign"] button`);
    await waitForText(ops, `${mine} td`, /^ops2$/);
    await ops.type(`${mine} input[name=note]`, 'asked the bank for the advice');
    await ops.click(`${mine} form[aria-label^="Annotate"] button`);
    await waitForText(ops, `${mine} li`, 'ops1: asked the bank for the advice');
    await checkAndPicture(ops, 'reconciliation-breaks');
    await ops.select(`${mine} select[name=action]`, 'write-off');
    await ops.type(`${mine} input[name=value]`, 'bank charges, booked');
    await ops.click(`${mine} form[aria-label^="Resolve"] button`);
    await ops.waitForFunction((sel: string) => !document.querySelector(sel), { timeout: 20_000 }, mine);
    await ops.select('select', 'written-off');
    await waitForText(ops, mine, 'written-off by ops1');
    await visit(ops, 'audit', 'Audit log');
    await waitForText(ops, 'tr[data-audit-actor="ops1"]', 'reconciliation.break.resolve');
  });
});

describe('as a regulator', () => {
  it('reads the new pages with nothing to press, and the API refuses a decision', async () => {
    const reg = await world.signIn('reg1');
    for (const [route, heading] of [
      ['transfers/proved-1', 'Transfer proved-1'],
      ['participants', 'Participants'],
      ['compliance', 'Compliance cases'],
      ['reconciliation', 'Reconciliation breaks'],
    ]) {
      await visit(reg, route, heading);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const writes = (await buttonLabels(reg)).filter(
        (label) => !['Sign out', 'Open', 'Verify balance proof'].includes(label),
      );
      expect({ route, writes }).toEqual({ route, writes: [] });
      expect(await reg.$$('input[name=reason], input[name=assignee], input[name=note]')).toEqual([]);
    }
    const status = await reg.evaluate(async () => {
      const me = (await (await fetch('/ops/v1/session')).json()) as { csrfToken: string };
      const answer = await fetch('/ops/v1/compliance/cases/any/release', {
        method: 'POST',
        headers: { 'x-csrf-token': me.csrfToken, 'content-type': 'application/json' },
        body: JSON.stringify({ reason: 'regulators do not decide' }),
      });
      return answer.status;
    });
    expect(status).toBe(403);
    await reg.browserContext().close();
  });
});
