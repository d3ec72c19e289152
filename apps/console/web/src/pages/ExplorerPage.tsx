import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import type { BlockSummary } from '@console-api';
import { Pager } from '../components/Pager';
import { QueryView } from '../components/QueryView';
import { get, qs } from '../lib/api';
import { formatTime, shortHash } from '../lib/format';
import { BlockDetail } from './BlockDetail';

interface BlocksPage {
  blocks: BlockSummary[];
  nextCursor: string | null;
}

function BlocksTable({ blocks }: { blocks: BlockSummary[] }) {
  return (
    <table aria-describedby="blocks-live">
      <caption>Finalized blocks, newest first</caption>
      <thead>
        <tr>
          <th scope="col">Height</th>
          <th scope="col">Hash</th>
          <th scope="col">Time</th>
          <th scope="col">Entries</th>
          <th scope="col">Transfers</th>
          <th scope="col">Signed by</th>
        </tr>
      </thead>
      <tbody>
        {blocks.map((b) => (
          <tr key={b.height} data-height={b.height}>
            <th scope="row">
              <a href={`#/blocks/${b.height}`}>{b.height}</a>
            </th>
            <td className="mono">{shortHash(b.headerHash)}</td>
            <td>{formatTime(b.blockTime)}</td>
            <td>{b.entryCount}</td>
            <td>{b.transferCount}</td>
            <td>{b.signerIds.join(', ')}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function BlocksList() {
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors.at(-1);
  const query = useQuery({
    queryKey: ['blocks', cursor ?? null],
    queryFn: () => get<BlocksPage>(`/blocks${qs({ cursor, limit: 25 })}`),
    refetchInterval: cursor ? false : 10_000,
  });
  return (
    <section aria-labelledby="blocks-title">
      <h1 id="blocks-title">Ledger explorer</h1>
      <p id="blocks-live" className="muted">
        {cursor ? 'An older page: it does not move.' : 'New blocks appear here as they are finalized.'}
      </p>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          const h = new FormData(e.currentTarget).get('height');
          if (h) window.location.hash = `#/blocks/${String(h)}`;
        }}
      >
        <label>
          Go to height <input name="height" type="number" min={1} />
        </label>
        <button type="submit">Open</button>
      </form>
      <QueryView query={query}>
        {(page) => (
          <>
            <BlocksTable blocks={page.blocks} />
            <Pager cursors={cursors} nextCursor={page.nextCursor} onChange={setCursors} />
          </>
        )}
      </QueryView>
    </section>
  );
}

export function ExplorerPage({ height }: { height?: string }) {
  return height ? <BlockDetail height={Number(height)} /> : <BlocksList />;
}
