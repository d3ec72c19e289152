import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  downloadJars,
  formatStorage,
  jarsPresent,
  runningPid,
  startBroker,
  stopBroker,
  waitReady,
  writeConfig,
} from '../../devtools/src/infra/kafka-local';
import { KAFKA_POM, resolveSettings } from '../../devtools/src/infra/settings';
import { REPO_ROOT } from '../../devtools/src/database/prisma';

/** How long a private broker may take to answer after a start. */
const READY_TIMEOUT_MS = 60_000;

/**
 * A Kafka broker of a test's own, on free ports and in a folder of its own (with the jars of the project's
 * broker), so that a test can kill and restart it without disturbing the broker every other test shares.
 */
export class PrivateBroker {
  private constructor(
    private readonly root: string,
    private readonly settings: ReturnType<typeof resolveSettings>['kafka'],
  ) {}

  static async start(port: number, controllerPort: number): Promise<PrivateBroker> {
    // The project's own jars, fetched as `infra up` does when no broker of this checkout ever ran (the
    // shared broker may be another checkout's).
    const project = resolveSettings({}, REPO_ROOT).kafka;
    if (!jarsPresent(project)) await downloadJars(project, REPO_ROOT, KAFKA_POM);
    const root = mkdtempSync(join(tmpdir(), 'concord-broker-'));
    // The settings read the Kafka version from the project's pom and the jars from its lib folder.
    symlinkSync(join(REPO_ROOT, 'libs'), join(root, 'libs'));
    mkdirSync(join(root, '.data', 'kafka'), { recursive: true });
    symlinkSync(join(REPO_ROOT, '.data', 'kafka', 'lib'), join(root, '.data', 'kafka', 'lib'));
    const settings = resolveSettings(
      { KAFKA_BROKERS: `127.0.0.1:${port}`, KAFKA_CONTROLLER_PORT: String(controllerPort) },
      root,
    ).kafka;
    const broker = new PrivateBroker(root, settings);
    writeConfig(settings);
    await formatStorage(settings, root);
    await broker.restart();
    return broker;
  }

  get brokers(): string {
    return this.settings.brokers.join(',');
  }

  /** Starts the broker again on its stored data, and waits until it answers. */
  async restart(): Promise<void> {
    const child = startBroker(this.settings, this.root);
    await waitReady(this.settings, child.pid!, READY_TIMEOUT_MS, child);
  }

  /** SIGKILL, as a crash of the broker's machine would; the data stays for restart(). */
  kill(): void {
    const pid = runningPid(this.settings);
    if (pid !== undefined) process.kill(pid, 'SIGKILL');
  }

  /** Stops the broker and deletes its folder. */
  async remove(): Promise<void> {
    await stopBroker(this.settings, 5_000).catch(() => undefined);
    rmSync(this.root, { recursive: true, force: true });
  }
}
