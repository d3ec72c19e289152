import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@concord/observability';
import { ReconciliationFailure } from './reconciliation.errors';
import type { ReconciliationService } from './reconciliation.service';

/** Who a statement taken from the folder was uploaded by, as recorded on it. */
export const FOLDER_OPERATOR = 'statement-folder';

/** What became of one file of the folder. */
export interface FolderOutcome {
  file: string;
  outcome: 'processed' | 'replayed' | 'rejected';
  statementId?: number;
  reason?: string;
}

/**
 * A watched folder of bank statements (CLEARING_STATEMENTS_DIR): each file dropped in it is taken in
 * exactly as `POST /statements` takes an upload (format detected, refused whole or applied, the same
 * statement never applied twice), then moved to `processed/` with a `.result.json`, or to `rejected/`
 * with a `.reason.txt` naming where and why. A file still being written (changed within the last poll
 * interval), dot-files and `*.part`/`*.tmp` wait. A failure that is not the file's (the database down)
 * leaves it in place for the next scan; if the process dies between applying a file and moving it, the
 * next scan finds it again, recognises it, and only moves it.
 */
export class StatementFolder {
  private timer: NodeJS.Timeout | null = null;
  private scanning: Promise<FolderOutcome[]> | null = null;

  constructor(
    private readonly dir: string,
    private readonly recon: ReconciliationService,
    private readonly log: Logger,
    private readonly pollMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Nest's hooks: the folder is watched while the service runs. */
  onApplicationBootstrap(): Promise<void> {
    return this.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.stop();
  }

  async start(): Promise<void> {
    await mkdir(join(this.dir, 'processed'), { recursive: true });
    await mkdir(join(this.dir, 'rejected'), { recursive: true });
    this.log.info({ dir: this.dir, pollMs: this.pollMs }, 'watching a folder for bank statements');
    const tick = () => {
      void this.scan()
        .catch((e: unknown) => this.log.error({ err: e, dir: this.dir }, 'statement folder scan failed'))
        .finally(() => {
          if (this.timer) this.timer = setTimeout(tick, this.pollMs);
        });
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.scanning?.catch(() => undefined);
  }

  /** One pass over the folder (one at a time): the files that are ready, in name order. */
  scan(): Promise<FolderOutcome[]> {
    this.scanning ??= this.scanOnce().finally(() => (this.scanning = null));
    return this.scanning;
  }

  private async scanOnce(): Promise<FolderOutcome[]> {
    const entries = await readdir(this.dir, { withFileTypes: true });
    const outcomes: FolderOutcome[] = [];
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (!entry.isFile() || entry.name.startsWith('.') || /\.(part|tmp)$/i.test(entry.name)) continue;
      const path = join(this.dir, entry.name);
      const info = await stat(path).catch(() => null);
      if (!info || this.now() - info.mtimeMs < this.pollMs) continue;
      const outcome = await this.take(entry.name, path);
      if (outcome) outcomes.push(outcome);
    }
    return outcomes;
  }

  private async take(file: string, path: string): Promise<FolderOutcome | null> {
    const content = await readFile(path, 'utf8');
    try {
      const { statement, replayed } = await this.recon.upload(content, {}, FOLDER_OPERATOR);
      const outcome: FolderOutcome = {
        file,
        outcome: replayed ? 'replayed' : 'processed',
        statementId: statement.id,
      };
      await this.move(
        path,
        'processed',
        file,
        '.result.json',
        JSON.stringify({ ...outcome, statement }, json, 2),
      );
      this.log.info({ file, statementId: statement.id, replayed }, 'statement file taken from the folder');
      return outcome;
    } catch (e) {
      if (!(e instanceof ReconciliationFailure) || e.error.kind !== 'STATEMENT_REFUSED') {
        this.log.error({ err: e, file }, 'statement file left in the folder; retried at the next scan');
        return null;
      }
      const problem = e.toProblem();
      const reason = `${problem.title}: ${problem.detail ?? ''}\n`;
      await this.move(path, 'rejected', file, '.reason.txt', reason);
      this.log.warn({ file, reason: problem.detail }, 'statement file rejected');
      return { file, outcome: 'rejected', reason: reason.trim() };
    }
  }

  /**
   * Writes the note first and moves the file after: a crash in between leaves the file to be taken
   * again (and recognised). A name already there gets a numbered suffix rather than being overwritten.
   */
  private async move(path: string, to: string, file: string, noteSuffix: string, note: string) {
    let target = join(this.dir, to, file);
    for (let n = 1; await exists(target); n++) target = join(this.dir, to, `${file}.${n}`);
    await writeFile(`${target}${noteSuffix}`, note);
    await rename(path, target);
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** JSON of a statement row: bigint as text, dates as ISO. */
function json(_key: string, value: unknown) {
  return typeof value === 'bigint' ? value.toString() : value;
}
