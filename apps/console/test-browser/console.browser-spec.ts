import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ElementHandle, Page } from 'puppeteer-core';
import { topicName } from '@concord/contracts';
import { createKafka, createProducer, sendJson } from '@concord/kafka';
import { TEST_KAFKA_BROKERS } from '@concord/testing';
import {
  buttonLabels,
  clickButton,
  ConsoleWorld,
  operatorKeyFile,
  screenshot,
  seriousViolations,
  startConsoleWorld,
  visit,
  waitForText,
} from './browser-world';

/**
 * The console in a real headless Chromium against a real network (issue 19, "Tests"): what an operator
 * sees live, a block verified in the browser, a window closed, a proposal approved by two operators in
 * two sessions, a regulator with nothing to press, the audit log, axe-core and a screenshot of each page.
 */
jest.setTimeout(240_000);

let world: ConsoleWorld;
let ops: Page;

beforeAll(async () => {
  world = await startConsoleWorld();
  ops = await world.signIn('ops1');
}, 240_000);

afterAll(async () => {
  await world?.stop();
});

describe('console in the browser, as an operator', () => {
  it('shows a transfer sent through the partner API live, without a reload', async () => {
    await visit(ops, 'transfers', 'Transfers');
    await waitForText(ops, '.live', 'Live');
    const sent = await world.net
      .client('hk-remit')
      .createTransfer(
        { id: 'live-1', payer: 'hk-remit', payee: 'mnl-payout', amount: '12.34', currency: 'USD' },
        { waitMs: 10_000 },
      );
    expect(sent.status).toBe(201);
    const final = Date.now();
    // Under the page's 10 s polling: it is the SSE block event that brings the row.
    await ops.waitForSelector('tr[data-transfer="live-1"]', { timeout: 5_000 });
    const shownAfterMs = Date.now() - final;
    const row = await ops.$eval('tr[data-transfer="live-1"]', (tr) => tr.textContent ?? '');
    expect(row).toMatch(/committed/);
    expect(row).toMatch(/12\.34 USD/);
    console.log(`transfer live-1 on screen ${shownAfterMs} ms after the partner API answered final`);
    // A few more, so that the window closed below has a picture of who owes whom.
    const more: [string, string, string][] = [
      ['mnl-payout', 'us-send', '40.00'],
      ['us-send', 'hk-remit', '25.50'],
      ['hk-remit', 'us-send', '7.25'],
    ];
    for (const [i, [payer, payee, amount]] of more.entries()) {
      const answer = await world.net
        .client(payer)
        .createTransfer({ id: `more-${i}`, payer, payee, amount, currency: 'USD' }, { waitMs: 10_000 });
      expect(answer.status).toBe(201);
    }
    await ops.waitForSelector('tr[data-transfer="more-2"]', { timeout: 10_000 });
    await screenshot(ops, 'transfers');
  });

  it('verifies a block in the browser from the genesis', async () => {
    await visit(ops, 'blocks', 'Ledger explorer');
    await ops.waitForSelector('tbody tr[data-height]');
    const height = await ops.$eval('tbody tr[data-height]', (tr) => tr.getAttribute('data-height'));
    await visit(ops, `blocks/${height}`, `Block ${height}`);
    await clickButton(ops, 'Verify');
    await ops.waitForSelector('[data-verdict]', { timeout: 60_000 });
    const verdict = await ops.$eval('[data-verdict]', (p) => p.getAttribute('data-verdict'));
    const checks = await ops.$$eval('.checks li', (items) => items.map((li) => li.textContent ?? ''));
    expect({ verdict, failed: checks.filter((c) => c.includes('(failed)')) }).toEqual({
      verdict: 'valid',
      failed: [],
    });
    expect(checks.join('\n')).toMatch(/certificate: \d+ valid signatures/);
    expect(checks.join('\n')).toMatch(/state root: \d+ accounts replayed/);
    await screenshot(ops, 'block-verified');
  });

  it('closes a window and shows its instructions', async () => {
    await visit(ops, 'clearing', 'Clearing');
    await clickButton(ops, 'Close the USD window');
    await waitForText(ops, 'h1', /^Window \d+$/);
    await ops.waitForSelector('tr[data-instruction]', { timeout: 30_000 });
    const rows = await ops.$$eval('tr[data-instruction]', (trs) => trs.map((tr) => tr.textContent ?? ''));
    // Net of the four USD transfers: hk-remit -12.34 +25.50 -7.25, mnl-payout +12.34 -40.00, us-send +21.75.
    expect(rows.join('\n')).toMatch(/hk-remit.*pay-out.*5\.91/);
    expect(rows.join('\n')).toMatch(/mnl-payout.*pay-in.*27\.66/);
    expect(rows.join('\n')).toMatch(/us-send.*pay-out.*21\.75/);
    await screenshot(ops, 'clearing-window');

    // The settlement bank's confirmation of mnl-payout's pay-in, typed in by the operator.
    const row = 'tr[data-instruction$="mnl-payout"]';
    await ops.type(`${row} input[name=bankReference]`, 'BANK-REF-1');
    await ops.click(`${row} button[type=submit]`);
    await waitForText(ops, row, /confirmed/, 30_000);
    expect(await ops.$eval(row, (tr) => tr.textContent ?? '')).toMatch(/27\.66.*confirmed/);
  });

  it('changes an FX spread', async () => {
    await visit(ops, 'fx', 'FX rates and pricing');
    await waitForText(ops, 'td', /^\d+\.\d+/);
    await ops.type('input[name=spreadBps]', '75');
    await clickButton(ops, 'Set spread');
    await waitForText(ops, 'li', 'Spread: 75 bp');
  });
});

describe('governance signed in two browser sessions', () => {
  const keyFile = (keyId: string) => {
    const path = join(mkdtempSync(join(tmpdir(), 'concord-key-')), `${keyId}.json`);
    writeFileSync(path, operatorKeyFile(keyId));
    return path;
  };

  async function importKeyAndApprove(page: Page, keyId: string, proposalId: string) {
    await visit(page, 'governance', 'Governance');
    const input = (await page.waitForSelector('input[type=file]')) as ElementHandle<HTMLInputElement>;
    await input.uploadFile(keyFile(keyId));
    await page.waitForSelector(`[data-imported-key="${keyId}"]`);
    await clickButton(page, `Approve ${proposalId}`);
  }

  it('takes effect once two operators approved it', async () => {
    await visit(ops, 'governance', 'Governance');
    await ops.select('select[name=kind]', 'set-limit');
    await ops.type('input[name=proposalId]', 'raise-us-send');
    await ops.type('input[name=accountId]', 'us-send/USD');
    await ops.type('input[name=capMinor]', '250000');
    await clickButton(ops, 'Draft proposal');
    await ops.waitForSelector('tr[data-proposal="raise-us-send"]');
    await importKeyAndApprove(ops, 'operator-1', 'raise-us-send');
    await waitForText(ops, 'tr[data-proposal="raise-us-send"]', '1 of 2');

    const ops2 = await world.signIn('ops2');
    await importKeyAndApprove(ops2, 'operator-2', 'raise-us-send');
    await waitForText(ops2, 'tr[data-proposal="raise-us-send"]', /enacted in block \d+/, 60_000);
    await screenshot(ops2, 'governance');
    await visit(ops2, 'participants', 'Participants');
    await waitForText(ops2, 'tr[data-account="us-send/USD"]', 'cap 2,500.00', 30_000);
    await ops2.browserContext().close();
  });
});

describe('console in the browser, as a regulator', () => {
  const READ_ONLY_BUTTONS = new Set(['Sign out', 'Verify', 'Newer', 'Older', 'Search', 'Filter', 'Open']);
  const PAGES: [string, string][] = [
    ['overview', 'Network overview'],
    ['blocks', 'Ledger explorer'],
    ['transfers', 'Transfers'],
    ['participants', 'Participants'],
    ['clearing', 'Clearing'],
    ['fx', 'FX rates and pricing'],
    ['alarms', 'Alarms'],
    ['governance', 'Governance'],
    ['audit', 'Audit log'],
    ['reports', 'Reports'],
  ];

  it('finds no way to change anything, and the API refuses a write', async () => {
    const reg = await world.signIn('reg1');
    for (const [route, heading] of PAGES) {
      await visit(reg, route, heading);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const writes = (await buttonLabels(reg)).filter((label) => !READ_ONLY_BUTTONS.has(label));
      expect({ route, writes }).toEqual({ route, writes: [] });
      expect(await reg.$('input[type=file]')).toBeNull();
    }
    const nav = await reg.$$eval('nav[aria-label=Main] a', (links) => links.map((a) => a.textContent));
    expect(nav).not.toContain('Users');
    const status = await reg.evaluate(async () => {
      const me = (await (await fetch('/ops/v1/session')).json()) as { csrfToken: string };
      const answer = await fetch('/ops/v1/clearing/windows/PHP/close', {
        method: 'POST',
        headers: { 'x-csrf-token': me.csrfToken },
      });
      return answer.status;
    });
    expect(status).toBe(403);
    await visit(reg, 'audit', 'Audit log');
    await waitForText(reg, 'tr[data-audit-actor="ops1"]', 'clearing');
    const actions = await reg.$$eval('tr[data-audit-actor="ops1"]', (trs) =>
      trs.map((tr) => tr.getAttribute('data-audit-action')),
    );
    expect(actions.some((a) => a?.includes('clearing'))).toBe(true);
    expect(actions.some((a) => a?.includes('governance'))).toBe(true);
    expect(actions.some((a) => a?.includes('fx'))).toBe(true);
    await screenshot(reg, 'audit');
    await reg.browserContext().close();
  });
});

describe('alarms and users', () => {
  it('shows a dead-lettered message as an alarm, which an operator acknowledges', async () => {
    // A command clearing cannot read: it goes to the dead-letter topic, which the console watches.
    const prefix = world.net.network.options.topicPrefix;
    const producer = await createProducer(
      createKafka({ brokers: TEST_KAFKA_BROKERS, clientId: 'browser-junk', topicPrefix: prefix }),
    );
    await sendJson(producer, topicName('clearingCommands', prefix), [{ key: 'USD', value: { junk: true } }]);
    await producer.disconnect();
    await visit(ops, 'alarms', 'Alarms');
    const row = 'tr[data-alarm-kind="dead-letter"]';
    await ops.waitForSelector(row, { timeout: 30_000 });
    await ops.click(`${row} button`);
    await ops.waitForFunction((sel: string) => !document.querySelector(sel), {}, row);
    await ops.select('select', 'acknowledged');
    await waitForText(ops, row, 'acknowledged by ops1');
  });

  it('lets an admin add a user who can then sign in', async () => {
    const admin = await world.signIn('admin1');
    await visit(admin, 'users', 'Users');
    await admin.type('input[name=username]', 'ops3');
    await admin.select('select[name=role]', 'operator');
    await admin.type('input[name=password]', 'ops3-browser-password');
    await clickButton(admin, 'Add user');
    await admin.waitForSelector('tr[data-user="ops3"]');
    const ops3 = await world.signIn('ops3', 'ops3-browser-password');
    await waitForText(ops3, '.who', 'ops3 (operator)');
    await ops3.browserContext().close();
    await admin.browserContext().close();
  });
});

describe('accessibility and screenshots of every main page', () => {
  it('has no serious axe-core violation', async () => {
    const admin = await world.signIn('admin1');
    const pages: [Page, string, string][] = [
      [ops, 'overview', 'Network overview'],
      [ops, 'blocks', 'Ledger explorer'],
      [ops, 'blocks/1', 'Block 1'],
      [ops, 'transfers', 'Transfers'],
      [ops, 'participants', 'Participants'],
      [ops, 'clearing', 'Clearing'],
      [ops, 'fx', 'FX rates and pricing'],
      [ops, 'alarms', 'Alarms'],
      [ops, 'governance', 'Governance'],
      [ops, 'audit', 'Audit log'],
      [ops, 'reports', 'Reports'],
      [admin, 'users', 'Users'],
    ];
    const found: Record<string, unknown> = {};
    for (const [page, route, heading] of pages) {
      await visit(page, route, heading);
      await page.waitForFunction(
        () =>
          ![...document.querySelectorAll('[role=status], .muted')].some((e) =>
            e.textContent?.startsWith('Loading'),
          ),
      );
      await screenshot(page, `page-${route.replace('/', '-')}`);
      const violations = await seriousViolations(page);
      if (violations.length) found[route] = violations;
    }
    const login = await world.browser.newPage();
    await login.goto(`${world.consoleUrl}/`);
    await login.waitForSelector('input[name=username]');
    await screenshot(login, 'page-login');
    const loginViolations = await seriousViolations(login);
    if (loginViolations.length) found.login = loginViolations;
    expect(found).toEqual({});
  });
});

describe('a dependency that goes down', () => {
  it('is named on the page, which recovers by itself when it is back', async () => {
    await visit(ops, 'fx', 'FX rates and pricing');
    await world.net.network.stop('fx');
    await waitForText(ops, '.banner', 'The FX service is down', 30_000);
    await screenshot(ops, 'dependency-down');
    world.net.network.start('fx');
    await ops.waitForFunction(() => !document.querySelector('.banner'), { timeout: 60_000, polling: 250 });
    await ops.waitForSelector('caption', { timeout: 30_000 });
    await waitForText(ops, 'caption', 'Reference rates');
  });
});
