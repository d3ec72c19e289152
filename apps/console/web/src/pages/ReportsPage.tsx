import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { CONSOLE_API_PREFIX } from '@console-api';
import { QueryView } from '../components/QueryView';
import { get, qs } from '../lib/api';
import { formatMinor } from '../lib/format';

interface Row {
  day: string;
  payer: string;
  payee: string;
  currency: string;
  count: number;
  valueMinor: string;
}

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

export function ReportsPage() {
  const [range, setRange] = useState({ from: day(-30), to: day(1) });
  const query = useQuery({
    queryKey: ['reports', range],
    queryFn: () => get<{ rows: Row[] }>(`/reports/corridors${qs(range)}`),
  });
  return (
    <section aria-labelledby="reports-title">
      <h1 id="reports-title">Reports</h1>
      <div className="inline-form">
        <label>
          From{' '}
          <input
            type="date"
            value={range.from}
            onChange={(e) => setRange({ ...range, from: e.target.value })}
          />
        </label>
        <label>
          To (exclusive){' '}
          <input type="date" value={range.to} onChange={(e) => setRange({ ...range, to: e.target.value })} />
        </label>
        <a
          href={`${CONSOLE_API_PREFIX}/reports/corridors.csv${qs(range)}`}
          download={`corridors-${range.from}-${range.to}.csv`}
        >
          Download CSV
        </a>
        <a href={`${CONSOLE_API_PREFIX}/audit/export`} download="concord-audit.ndjson">
          Audit log (JSON lines)
        </a>
      </div>
      <p className="muted">
        The chain export for offline verification: <code>npm run ledger:export</code>, checked with{' '}
        <code>npm run ledger:verify</code>.
      </p>
      <QueryView query={query}>
        {(data) => (
          <table>
            <caption>Volume and value per corridor per day (committed and fulfilled transfers)</caption>
            <thead>
              <tr>
                <th scope="col">Day</th>
                <th scope="col">Payer</th>
                <th scope="col">Payee</th>
                <th scope="col">Currency</th>
                <th scope="col">Transfers</th>
                <th scope="col">Value</th>
              </tr>
            </thead>
            <tbody>
              {data.rows.map((r) => (
                <tr key={`${r.day}-${r.payer}-${r.payee}-${r.currency}`}>
                  <th scope="row">{r.day}</th>
                  <td>{r.payer}</td>
                  <td>{r.payee}</td>
                  <td>{r.currency}</td>
                  <td className="num">{r.count}</td>
                  <td className="num">{formatMinor(r.valueMinor)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </QueryView>
    </section>
  );
}
