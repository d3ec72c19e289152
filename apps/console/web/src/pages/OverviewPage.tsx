import { lazy, Suspense, useEffect, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import type { OverviewResponse } from '@console-api';
import type { Series } from '../components/Chart';
import { QueryView } from '../components/QueryView';
import { get } from '../lib/api';
import { age, formatTime, shortHash } from '../lib/format';
import { ActiveAlarms } from './AlarmsPage';

// ECharts is most of the bundle: loaded with the first page that draws a chart, not with the login.
const LineChartView = lazy(() => import('../components/Chart').then((m) => ({ default: m.LineChartView })));

/** p50 and p99 as the overview reported them over time (the API gives the current values only). */
function useLatencyHistory(data: OverviewResponse | undefined): Series[] {
  const [history, setHistory] = useState<{ at: number; p50: number | null; p99: number | null }[]>([]);
  useEffect(() => {
    if (!data) return;
    const sample = { at: Date.now(), ...data.finalityLatencyMs };
    setHistory((h) => [...h.filter((s) => s.at > sample.at - 10 * 60_000), sample]);
  }, [data]);
  return [
    { name: 'p50', points: history.map((s) => [s.at, s.p50]) },
    { name: 'p99', points: history.map((s) => [s.at, s.p99]) },
  ];
}

function SignersTable({ data }: { data: OverviewResponse }) {
  return (
    <table>
      <caption>Signers (quorum {data.chain?.quorum ?? '—'})</caption>
      <thead>
        <tr>
          <th scope="col">Signer</th>
          <th scope="col">State</th>
          <th scope="col">Voted height</th>
          <th scope="col">Certified height</th>
          <th scope="col">Lag</th>
          <th scope="col">Last vote</th>
        </tr>
      </thead>
      <tbody>
        {data.signers.map((s) => (
          <tr key={s.id} data-signer={s.id}>
            <th scope="row">{s.id}</th>
            <td>
              <span className={s.up ? 'badge ok' : 'badge bad'}>{s.up ? 'up' : 'down'}</span>
              {s.inSignerSet ? null : <span className="badge"> not in set</span>}
            </td>
            <td>{s.lastVoteHeight ?? '—'}</td>
            <td>{s.certifiedHeight ?? '—'}</td>
            <td>{s.lag ?? '—'}</td>
            <td>{s.lastVoteAt ? `${age(s.lastVoteAt)} ago` : '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Figures({ data }: { data: OverviewResponse }) {
  const figures: [string, string | number][] = [
    ['Height', data.chain?.height ?? '—'],
    ['Transfers per second', data.transfersPerSecond.toFixed(1)],
    [
      'Finality p50',
      data.finalityLatencyMs.p50 === null ? '—' : `${Math.round(data.finalityLatencyMs.p50)} ms`,
    ],
    [
      'Finality p99',
      data.finalityLatencyMs.p99 === null ? '—' : `${Math.round(data.finalityLatencyMs.p99)} ms`,
    ],
    ['Open windows', data.openWindows],
    ['Active alarms', data.activeAlarms],
  ];
  return (
    <dl className="figures">
      {figures.map(([label, value]) => (
        <div key={label}>
          <dt>{label}</dt>
          <dd data-figure={label}>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

export function OverviewPage() {
  const query = useQuery({
    queryKey: ['overview'],
    queryFn: () => get<OverviewResponse>('/overview'),
    refetchInterval: 5000,
  });
  const latency = useLatencyHistory(query.data);
  return (
    <section aria-labelledby="overview-title">
      <h1 id="overview-title">Network overview</h1>
      <QueryView query={query}>
        {(data) => (
          <>
            <p className="muted">
              Chain {data.chain?.chainId ?? '—'}, block {data.chain?.height ?? '—'} (
              {shortHash(data.chain?.headerHash)}) at {formatTime(data.chain?.blockTime)}
            </p>
            <Figures data={data} />
            <Suspense fallback={<p className="muted">Loading charts…</p>}>
              <div className="charts">
                <LineChartView
                  title="Final transfers per 10 s"
                  unit="transfers"
                  series={[
                    {
                      name: 'transfers',
                      points: data.throughput.map((t) => [Date.parse(t.at), t.transfers]),
                    },
                  ]}
                />
                <LineChartView title="Accepted to final" unit="ms" series={latency} />
              </div>
            </Suspense>
            <SignersTable data={data} />
            <ActiveAlarms />
          </>
        )}
      </QueryView>
    </section>
  );
}
