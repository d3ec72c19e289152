import { FormEvent, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import type { AuditEntry } from '@console-api';
import { CONSOLE_API_PREFIX } from '@console-api';
import { Pager } from '../components/Pager';
import { QueryView } from '../components/QueryView';
import { get, qs } from '../lib/api';
import { formatTime, shortHash } from '../lib/format';

interface VerifyAnswer {
  ok: boolean;
  checked: number;
  firstBad: { seq: number; reason: string } | null;
}

function ChainStatus() {
  const query = useQuery({
    queryKey: ['audit', 'verify'],
    queryFn: () => get<VerifyAnswer>('/audit/verify'),
  });
  return (
    <QueryView query={query}>
      {(v) => (
        <p className={v.ok ? 'verdict ok' : 'verdict bad'} role="status">
          {v.ok
            ? `The hash chain of ${v.checked} entries holds.`
            : `The hash chain breaks at entry ${v.firstBad?.seq}: ${v.firstBad?.reason}`}
        </p>
      )}
    </QueryView>
  );
}

function AuditTable({ entries }: { entries: AuditEntry[] }) {
  return (
    <table>
      <caption>Audit entries, newest first</caption>
      <thead>
        <tr>
          <th scope="col">#</th>
          <th scope="col">When</th>
          <th scope="col">Who</th>
          <th scope="col">Action</th>
          <th scope="col">Target</th>
          <th scope="col">Outcome</th>
          <th scope="col">Hash</th>
        </tr>
      </thead>
      <tbody>
        {entries.map((e) => (
          <tr key={e.seq} data-audit-action={e.action} data-audit-actor={e.actor}>
            <th scope="row">{e.seq}</th>
            <td>{formatTime(e.at)}</td>
            <td>
              {e.actor} ({e.role})
            </td>
            <td>{e.action}</td>
            <td>{e.target ?? '—'}</td>
            <td>
              {e.outcome} ({e.status})
            </td>
            <td className="mono">{shortHash(e.hash)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function AuditPage() {
  const [filters, setFilters] = useState<{ actor?: string; action?: string }>({});
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors.at(-1);
  const query = useQuery({
    queryKey: ['audit', filters, cursor ?? null],
    queryFn: () =>
      get<{ entries: AuditEntry[]; nextCursor: string | null }>(
        `/audit${qs({ ...filters, cursor, limit: 50 })}`,
      ),
    refetchInterval: cursor ? false : 10_000,
  });
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setFilters({
      actor: String(form.get('actor') ?? '') || undefined,
      action: String(form.get('action') ?? '') || undefined,
    });
    setCursors([]);
  };
  return (
    <section aria-labelledby="audit-title">
      <h1 id="audit-title">Audit log</h1>
      <ChainStatus />
      <p>
        <a href={`${CONSOLE_API_PREFIX}/audit/export`} download="concord-audit.ndjson">
          Export the whole log (JSON lines)
        </a>
      </p>
      <form className="inline-form" onSubmit={submit} aria-label="Filter the audit log">
        <label>
          Who <input name="actor" />
        </label>
        <label>
          Action <input name="action" />
        </label>
        <button type="submit">Filter</button>
      </form>
      <QueryView query={query}>
        {(data) => (
          <>
            <AuditTable entries={data.entries} />
            <Pager cursors={cursors} nextCursor={data.nextCursor} onChange={setCursors} />
          </>
        )}
      </QueryView>
    </section>
  );
}
