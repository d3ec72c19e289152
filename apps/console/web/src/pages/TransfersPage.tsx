import { FormEvent, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import type { ConsoleTransferView } from '@console-api';
import { Pager } from '../components/Pager';
import { QueryView } from '../components/QueryView';
import { get, qs } from '../lib/api';
import { formatMinor, formatTime } from '../lib/format';
import { TransferDetail } from './TransferDetail';

interface TransfersAnswer {
  transfers: ConsoleTransferView[];
  nextCursor: string | null;
}

const STATUSES = ['', 'committed', 'reserved', 'fulfilled', 'aborted', 'expired', 'rejected'];

function TransfersTable({ transfers }: { transfers: ConsoleTransferView[] }) {
  if (transfers.length === 0) return <p className="muted">No transfer matches.</p>;
  return (
    <table>
      <caption>Transfers, newest first</caption>
      <thead>
        <tr>
          <th scope="col">Transfer</th>
          <th scope="col">Status</th>
          <th scope="col">Payer</th>
          <th scope="col">Payee</th>
          <th scope="col">Amount</th>
          <th scope="col">Block</th>
          <th scope="col">Time</th>
        </tr>
      </thead>
      <tbody>
        {transfers.map((t) => (
          <tr key={`${t.transferId}-${t.height}-${t.status}`} data-transfer={t.transferId}>
            <th scope="row">
              <a href={`#/transfers/${encodeURIComponent(t.transferId)}`}>{t.transferId}</a>
            </th>
            <td>
              {t.status}
              {t.reason ? ` (${t.reason})` : ''}
            </td>
            <td>{t.payer}</td>
            <td>{t.payee}</td>
            <td className="num">
              {formatMinor(t.amountMinor)} {t.currency}
            </td>
            <td>
              <a href={`#/blocks/${t.height}`}>{t.height}</a>
            </td>
            <td>{formatTime(t.blockTime)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function toIso(local: FormDataEntryValue | null): string | undefined {
  return local ? new Date(String(local)).toISOString() : undefined;
}

export function TransfersPage({ id }: { id?: string }) {
  const [filters, setFilters] = useState<Record<string, string | undefined>>({});
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors.at(-1);
  const query = useQuery({
    queryKey: ['transfers', filters, cursor ?? null],
    queryFn: () => get<TransfersAnswer>(`/transfers${qs({ ...filters, cursor, limit: 50 })}`),
    refetchInterval: cursor ? false : 10_000,
    enabled: !id,
  });
  if (id) return <TransferDetail id={id} />;
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (name: string) => String(form.get(name) ?? '').trim() || undefined;
    setFilters({
      id: text('id'),
      participantId: text('participantId'),
      status: text('status'),
      from: toIso(form.get('from')),
      to: toIso(form.get('to')),
    });
    setCursors([]);
  };
  return (
    <section aria-labelledby="transfers-title">
      <h1 id="transfers-title">Transfers</h1>
      <form className="inline-form" onSubmit={submit} aria-label="Search transfers">
        <label>
          Transfer id <input name="id" />
        </label>
        <label>
          Participant <input name="participantId" />
        </label>
        <label>
          Status
          <select name="status" defaultValue="">
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s || 'any'}
              </option>
            ))}
          </select>
        </label>
        <label>
          From <input name="from" type="datetime-local" />
        </label>
        <label>
          To <input name="to" type="datetime-local" />
        </label>
        <button type="submit">Search</button>
      </form>
      <QueryView query={query}>
        {(data) => (
          <>
            <TransfersTable transfers={data.transfers} />
            <Pager cursors={cursors} nextCursor={data.nextCursor} onChange={setCursors} />
          </>
        )}
      </QueryView>
    </section>
  );
}
