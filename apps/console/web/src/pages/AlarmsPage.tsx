import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { AlarmView } from '@console-api';
import { Pager } from '../components/Pager';
import { ProblemView, QueryView } from '../components/QueryView';
import { api, get, qs } from '../lib/api';
import { formatTime } from '../lib/format';
import { useSession } from '../lib/session';

interface AlarmsAnswer {
  alarms: AlarmView[];
  nextCursor: string | null;
}

function AcknowledgeButton({ alarm }: { alarm: AlarmView }) {
  const client = useQueryClient();
  const ack = useMutation({
    mutationFn: () => api('POST', `/alarms/${encodeURIComponent(alarm.id)}/acknowledge`, {}),
    onSuccess: () => client.invalidateQueries({ queryKey: ['alarms'] }),
  });
  return (
    <>
      <button type="button" onClick={() => ack.mutate()} disabled={ack.isPending}>
        Acknowledge
      </button>
      {ack.error ? <ProblemView error={ack.error} /> : null}
    </>
  );
}

function AlarmsTable({ alarms, caption }: { alarms: AlarmView[]; caption: string }) {
  const { can } = useSession();
  if (alarms.length === 0) return <p className="muted">{caption}: none.</p>;
  return (
    <table>
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Raised</th>
          <th scope="col">Kind</th>
          <th scope="col">Detail</th>
          <th scope="col">Accounts or signers</th>
          <th scope="col">State</th>
        </tr>
      </thead>
      <tbody>
        {alarms.map((a) => (
          <tr key={a.id} data-alarm-kind={a.kind}>
            <td>{formatTime(a.raisedAt)}</td>
            <th scope="row">
              {a.kind}
              {a.height !== null ? ` at ${a.height}` : ''}
            </th>
            <td>{a.detail}</td>
            <td>
              {[...a.accounts, ...a.signers, ...(a.participantId ? [a.participantId] : [])].join(', ') || '—'}
            </td>
            <td>
              {a.acknowledgedAt ? (
                `acknowledged by ${a.acknowledgedBy ?? '?'} ${formatTime(a.acknowledgedAt)}`
              ) : can('alarms.acknowledge') ? (
                <AcknowledgeButton alarm={a} />
              ) : (
                'active'
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The newest active alarms, for the overview. */
export function ActiveAlarms() {
  const query = useQuery({
    queryKey: ['alarms', 'active'],
    queryFn: () => get<AlarmsAnswer>(`/alarms${qs({ state: 'active', limit: 10 })}`),
    refetchInterval: 15_000,
  });
  return (
    <QueryView query={query}>
      {(data) => <AlarmsTable alarms={data.alarms} caption="Active alarms" />}
    </QueryView>
  );
}

export function AlarmsPage() {
  const [state, setState] = useState('active');
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors.at(-1);
  const query = useQuery({
    queryKey: ['alarms', state, cursor ?? null],
    queryFn: () => get<AlarmsAnswer>(`/alarms${qs({ state, cursor, limit: 50 })}`),
    refetchInterval: 15_000,
  });
  return (
    <section aria-labelledby="alarms-title">
      <h1 id="alarms-title">Alarms</h1>
      <label>
        Show{' '}
        <select value={state} onChange={(e) => (setState(e.target.value), setCursors([]))}>
          <option value="active">active</option>
          <option value="acknowledged">acknowledged</option>
          <option value="all">all</option>
        </select>
      </label>
      <QueryView query={query}>
        {(data) => (
          <>
            <AlarmsTable alarms={data.alarms} caption={`Alarms (${state})`} />
            <Pager cursors={cursors} nextCursor={data.nextCursor} onChange={setCursors} />
          </>
        )}
      </QueryView>
    </section>
  );
}
