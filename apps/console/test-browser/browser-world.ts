import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import puppeteer, { type Browser, type ElementHandle, type Page } from 'puppeteer-core';
import { ConsortiumSpec, derivedKey } from '../../../libs/devtools/src/demo/consortium';
import { REPO_ROOT } from '../../../libs/devtools/src/database/prisma';
import { eventually, freePort, startTestNetwork, TestNetwork } from '@concord/testing';

/**
 * A real network (four signers, gateway, clearing, FX) with the console backend serving the built web
 * app, and a headless Debian Chromium driven by puppeteer-core. Nothing is mocked: the browser talks to
 * the console, which reads Kafka and calls clearing and FX as in production.
 */
export const SPEC: ConsortiumSpec = {
  chainId: 'browser-console',
  secret: 'browser-console-not-secret',
  fxProvider: 'sg-fx',
  signerCount: 4,
  quorum: 3,
  operatorCount: 3,
  governanceThreshold: 2,
  participants: [
    { id: 'hk-remit', name: 'HK Remit', currencies: ['USD', 'PHP'], fundsMinor: 1_000_000n },
    { id: 'mnl-payout', name: 'Manila Payout', currencies: ['USD', 'PHP'], fundsMinor: 1_000_000n },
    { id: 'sg-fx', name: 'SG FX', currencies: ['USD', 'PHP'], fundsMinor: 5_000_000n },
    { id: 'us-send', name: 'US Send', currencies: ['USD', 'PHP'], capMinor: 100_000n },
  ],
};

/** Demo users the console creates with CONSOLE_DEMO_USERS=true (apps/console/src/users/users.service.ts). */
export const USERS = {
  ops1: 'ops1-demo-password',
  ops2: 'ops2-demo-password',
  reg1: 'reg1-demo-password',
  admin1: 'admin1-demo-password',
  comp1: 'comp1-demo-password',
  comp2: 'comp2-demo-password',
} as const;
/** A demo user, or one a test added (with its password). */
export type DemoUser = keyof typeof USERS | (string & {});

export const SCREENSHOTS = join(REPO_ROOT, '.data/screenshots');

function chromiumPath(): string {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  try {
    return execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], {
      encoding: 'utf8',
    }).trim();
  } catch {
    throw new Error(
      "no chromium on PATH: install Debian's chromium package (.ci/run does) or set CHROMIUM_PATH",
    );
  }
}

export interface ConsoleWorld {
  net: TestNetwork;
  consoleUrl: string;
  /** The clearing and compliance operator APIs (compliance only with `withCompliance`). */
  clearingUrl: string;
  complianceUrl: string | null;
  browser: Browser;
  /** A fresh browser session (its own cookies) signed in as `user`, on the overview. */
  signIn(user: DemoUser, password?: string): Promise<Page>;
  stop(): Promise<void>;
}

/** `npm run test:browser` builds the web app first; a bare `jest` run builds it when it was never built. */
function ensureWebAppBuilt(): void {
  if (existsSync(join(REPO_ROOT, 'dist/console-web/index.html'))) return;
  execFileSync('npm', ['run', '-s', 'build:console-web'], { cwd: REPO_ROOT, stdio: 'inherit' });
}

/**
 * `withCompliance` also runs the compliance service (the case queue page), and `gatewayEnv` sets the
 * gateway's variables (webhook attempts and backoff for the delivery health).
 */
export async function startConsoleWorld(
  options: { withCompliance?: boolean; gatewayEnv?: Record<string, string> } = {},
): Promise<ConsoleWorld> {
  ensureWebAppBuilt();
  const [clearingPort, fxPort, consolePort] = [await freePort(), await freePort(), await freePort()];
  const compliancePort = options.withCompliance ? await freePort() : undefined;
  const net = await startTestNetwork(SPEC, {
    clearingPort,
    fxPort,
    consolePort,
    compliancePort,
    extraEnv: {
      console: { CONSOLE_DEMO_USERS: 'true', CONSOLE_SIGNER_DOWN_AFTER_MS: '60000' },
      ...(options.gatewayEnv ? { gateway: options.gatewayEnv } : {}),
    },
  });
  const consoleUrl = `http://127.0.0.1:${consolePort}`;
  let browser: Browser | null = null;
  try {
    await eventually(
      async () =>
        (await fetch(`${consoleUrl}/ops/v1/session`).catch(() => null))?.status === 401 || undefined,
      60_000,
      'the console to answer',
    );
    browser = await puppeteer.launch({
      executablePath: chromiumPath(),
      headless: true,
      args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
      defaultViewport: { width: 1360, height: 900 },
    });
  } catch (e) {
    await browser?.close();
    await net.stop();
    throw e;
  }
  const open = browser;
  return {
    net,
    consoleUrl,
    clearingUrl: `http://127.0.0.1:${clearingPort}`,
    complianceUrl: compliancePort ? `http://127.0.0.1:${compliancePort}` : null,
    browser: open,
    signIn: async (user, password = USERS[user as keyof typeof USERS]) => {
      const context = await open.createBrowserContext();
      const page = await context.newPage();
      await page.goto(`${consoleUrl}/#/overview`);
      await page.waitForSelector('input[name=username]');
      await page.type('input[name=username]', user);
      await page.type('input[name=password]', password);
      await page.click('button[type=submit]');
      await page.waitForSelector('nav[aria-label=Main]');
      return page;
    },
    stop: async () => {
      await open.close().catch(() => undefined);
      await net.stop();
    },
  };
}

/** Opens a page of the app by its hash route and waits until its heading shows. */
export async function visit(page: Page, route: string, heading: string | RegExp): Promise<void> {
  await page.evaluate((r) => (window.location.hash = `#/${r}`), route);
  await waitForText(page, 'h1', heading);
}

/** Waits until an element matching `selector` has text matching `text`. */
export async function waitForText(page: Page, selector: string, text: string | RegExp, timeout = 20_000) {
  const pattern = typeof text === 'string' ? text : text.source;
  const flags = typeof text === 'string' ? '' : text.flags;
  const literal = typeof text === 'string';
  await page.waitForFunction(
    (sel: string, p: string, f: string, lit: boolean) =>
      [...document.querySelectorAll(sel)].some((e) =>
        lit ? (e.textContent ?? '').includes(p) : new RegExp(p, f).test(e.textContent ?? ''),
      ),
    { timeout, polling: 100 },
    selector,
    pattern,
    flags,
    literal,
  );
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`) as `${string}.png`;
  await page.screenshot({ path, fullPage: true });
  return path;
}

const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's serious and critical violations on the current page (WCAG 2 A and AA rules). */
export async function seriousViolations(
  page: Page,
): Promise<{ id: string; impact: string; nodes: string[] }[]> {
  // Evaluated through the DevTools protocol, which the page's CSP does not govern.
  await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run: (
            c: unknown,
            o: unknown,
          ) => Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }>;
        };
      }
    ).axe;
    const result = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')) }));
  });
}

/** The key file an operator would import: the genesis operator key derived for the test consortium. */
export function operatorKeyFile(keyId: string): string {
  return JSON.stringify({ keyId, seedHex: derivedKey(SPEC.secret, keyId).seedHex });
}

/** Texts of the enabled buttons on the page. */
export const buttonLabels = (page: Page) =>
  page.$$eval('button', (buttons) =>
    buttons.filter((b) => !b.disabled).map((b) => (b.textContent ?? '').trim()),
  );

export async function clickButton(page: Page, label: string | RegExp): Promise<void> {
  const handle = await page.waitForFunction(
    (text: string, isRegex: boolean) =>
      [...document.querySelectorAll('button')].find((b) =>
        isRegex ? new RegExp(text).test(b.textContent ?? '') : (b.textContent ?? '').trim() === text,
      ) ?? null,
    { timeout: 20_000 },
    typeof label === 'string' ? label : label.source,
    typeof label !== 'string',
  );
  await (handle as ElementHandle<HTMLButtonElement>).click();
}
