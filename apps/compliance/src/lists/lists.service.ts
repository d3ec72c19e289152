import { sha256Hex } from '@concord/crypto';
import type { Logger } from '@concord/observability';
import type { ListEntry, ListSource } from '../screening/list-entry';
import { Hit, NameIndex, PartyFacts } from '../screening/name-index';
import { ListFormatError } from './formats/list-format';
import { fetchList, ListLocation, PARSERS } from './list-sources';
import { ListsRepository, ListVersionRow } from './lists.repository';

export interface RefreshOutcome {
  source: ListSource;
  result: 'loaded' | 'unchanged' | 'refused';
  version?: number;
  error?: string;
}

/**
 * The lists in force and their index. A refresh fetches every list; a new file that parses becomes a new
 * version (every version is kept) and the index is rebuilt; a file that does not parse is recorded as a
 * refused version and the previous one stays in force. When any list changed, `onChange` runs (the
 * service screens recent counterparties again).
 */
export class ListsService {
  private index = new NameIndex([]);
  private readonly inForce = new Map<ListSource, { version: number; entries: ListEntry[] }>();

  constructor(
    private readonly repository: ListsRepository,
    private readonly locations: readonly ListLocation[],
    private readonly log: Logger,
    private readonly onChange: () => Promise<void> = async () => {},
  ) {}

  /** The versions stored, at start-up: no fetch needed to screen. */
  async loadStored(): Promise<void> {
    for (const { source } of this.locations) {
      const current = await this.repository.current(source);
      if (current) this.inForce.set(source, { version: current.id, entries: current.entries });
    }
    this.rebuild();
  }

  async refresh(): Promise<RefreshOutcome[]> {
    const outcomes: RefreshOutcome[] = [];
    for (const location of this.locations) outcomes.push(await this.refreshOne(location));
    if (outcomes.some((o) => o.result === 'loaded')) {
      this.rebuild();
      await this.onChange();
    }
    return outcomes;
  }

  private async refreshOne({ source, location }: ListLocation): Promise<RefreshOutcome> {
    let text: string;
    try {
      text = await fetchList(location);
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      await this.repository.addRefused(source, '', `fetch failed: ${error}`);
      this.log.error({ source, location, error }, 'sanctions list fetch failed; the version in force stays');
      return { source, result: 'refused', error };
    }
    const hash = sha256Hex(text);
    const current = await this.repository.current(source);
    if (current?.contentHash === hash) return { source, result: 'unchanged', version: current.id };
    try {
      const entries = PARSERS[source](text);
      const row = await this.repository.addLoaded(source, hash, entries);
      this.inForce.set(source, { version: row.id, entries });
      this.log.info({ source, version: row.id, entries: entries.length }, 'sanctions list version loaded');
      return { source, result: 'loaded', version: row.id };
    } catch (e) {
      if (!(e instanceof ListFormatError)) throw e;
      const row = await this.repository.addRefused(source, hash, e.message);
      this.log.error(
        { source, version: row.id, error: e.message },
        'sanctions list refused; the version in force stays',
      );
      return { source, result: 'refused', version: row.id, error: e.message };
    }
  }

  private rebuild(): void {
    this.index = new NameIndex([...this.inForce.values()].flatMap((v) => v.entries));
  }

  screen(party: PartyFacts, threshold: number): Hit[] {
    return this.index.screen(party, threshold);
  }

  /** Which version of each list screened: recorded with every hit. */
  versionsInForce(): Record<string, number> {
    return Object.fromEntries([...this.inForce].map(([source, v]) => [source, v.version]));
  }

  get ready(): boolean {
    return this.inForce.size > 0;
  }

  versions(): Promise<ListVersionRow[]> {
    return this.repository.versions();
  }
}
