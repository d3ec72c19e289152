import { FormEvent, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ProblemView, QueryView } from '../components/QueryView';
import { api, get, qs } from '../lib/api';
import { formatTime } from '../lib/format';
import { useSession } from '../lib/session';

type Rate = Record<string, unknown> & { pair?: string; source?: string };
interface RatesAnswer {
  maxAgeMs: number;
  rates: Rate[];
}
interface PricingAnswer {
  spread: { spreadBps: number } | null;
  fee: { fixed: string; percentBps: number; min: string } | null;
  markup: { markupBps: number } | null;
}

const text = (v: unknown) => (v === undefined || v === null ? '—' : String(v));

/** The FX service gives rates as exact ratios with their decimal form. */
function rateText(rate: unknown): string {
  if (rate && typeof rate === 'object' && 'decimal' in rate)
    return String((rate as { decimal: unknown }).decimal);
  return text(rate);
}

function asOfIso(rate: Rate): string | null {
  if (typeof rate.asOfMs === 'number') return new Date(rate.asOfMs).toISOString();
  return typeof rate.asOf === 'string' ? rate.asOf : null;
}

/** Age of a rate from whichever field the FX service gives (ageMs, or its as-of time). */
function ageMs(rate: Rate): number | null {
  if (typeof rate.ageMs === 'number') return rate.ageMs;
  const asOf = asOfIso(rate);
  return asOf === null ? null : Date.now() - Date.parse(asOf);
}

function AgeFlag({ rate, maxAgeMs }: { rate: Rate; maxAgeMs: number }) {
  const age = ageMs(rate);
  const stale = rate.stale === true || (age !== null && age > maxAgeMs);
  const ageing = !stale && age !== null && age > maxAgeMs / 2;
  const seconds = age === null ? '—' : `${Math.round(age / 1000)} s`;
  return (
    <>
      {seconds}{' '}
      {stale ? (
        <span className="badge bad">stale</span>
      ) : ageing ? (
        <span className="badge warn">ageing</span>
      ) : (
        <span className="badge ok">fresh</span>
      )}
    </>
  );
}

function RatesTable({ data }: { data: RatesAnswer }) {
  return (
    <table>
      <caption>Reference rates (stale after {Math.round(data.maxAgeMs / 1000)} s)</caption>
      <thead>
        <tr>
          <th scope="col">Pair</th>
          <th scope="col">Rate</th>
          <th scope="col">Source</th>
          <th scope="col">As of</th>
          <th scope="col">Age</th>
        </tr>
      </thead>
      <tbody>
        {data.rates.map((r, i) => (
          <tr key={`${text(r.pair)}-${i}`}>
            <th scope="row">{text(r.pair ?? `${text(r.sourceCurrency)}/${text(r.targetCurrency)}`)}</th>
            <td className="num">{rateText(r.rate)}</td>
            <td>{text(r.source)}</td>
            <td>{formatTime(asOfIso(r))}</td>
            <td>
              <AgeFlag rate={r} maxAgeMs={data.maxAgeMs} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** After a pricing change: what is in force is read again. */
function usePricingWrite(fn: () => Promise<unknown>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: () => client.invalidateQueries({ queryKey: ['fx-pricing'] }),
  });
}

function SpreadForm({ pairPath }: { pairPath: string }) {
  const [spreadBps, setSpreadBps] = useState('');
  const spread = usePricingWrite(() =>
    api('PUT', `/fx/spreads/${pairPath}`, { spreadBps: Number(spreadBps) }),
  );
  return (
    <form
      className="stacked"
      onSubmit={(e: FormEvent) => (e.preventDefault(), spread.mutate())}
      aria-label="Set spread"
    >
      <label>
        Spread (basis points)
        <input
          name="spreadBps"
          type="number"
          min={0}
          max={10000}
          value={spreadBps}
          onChange={(e) => setSpreadBps(e.target.value)}
          required
        />
      </label>
      <button type="submit">Set spread</button>
      {spread.error ? <ProblemView error={spread.error} /> : null}
    </form>
  );
}

function FeeForm({ pairPath, source }: { pairPath: string; source: string }) {
  const [fee, setFee] = useState({ fixed: '', percentBps: '', min: '' });
  const fees = usePricingWrite(() =>
    api('PUT', `/fx/fees/${pairPath}`, {
      fixed: fee.fixed,
      percentBps: Number(fee.percentBps),
      min: fee.min,
    }),
  );
  return (
    <form
      className="stacked"
      onSubmit={(e: FormEvent) => (e.preventDefault(), fees.mutate())}
      aria-label="Set fee"
    >
      <label>
        Fixed fee ({source}){' '}
        <input
          name="fixed"
          value={fee.fixed}
          onChange={(e) => setFee({ ...fee, fixed: e.target.value })}
          required
        />
      </label>
      <label>
        Percent (basis points)
        <input
          name="percentBps"
          type="number"
          min={0}
          max={10000}
          value={fee.percentBps}
          onChange={(e) => setFee({ ...fee, percentBps: e.target.value })}
          required
        />
      </label>
      <label>
        Minimum fee ({source}){' '}
        <input
          name="min"
          value={fee.min}
          onChange={(e) => setFee({ ...fee, min: e.target.value })}
          required
        />
      </label>
      <button type="submit">Set fee</button>
      {fees.error ? <ProblemView error={fees.error} /> : null}
    </form>
  );
}

function PricingEditor({ source, target }: { source: string; target: string }) {
  return (
    <div className="two-columns">
      <SpreadForm pairPath={`${source}/${target}`} />
      <FeeForm pairPath={`${source}/${target}`} source={source} />
    </div>
  );
}

function Pricing() {
  const { can } = useSession();
  const [pair, setPair] = useState({ source: 'USD', target: 'PHP', participantId: '' });
  const query = useQuery({
    queryKey: ['fx-pricing', pair],
    queryFn: () =>
      get<PricingAnswer>(
        `/fx/pricing/${pair.source}/${pair.target}${qs({ participantId: pair.participantId })}`,
      ),
  });
  return (
    <section aria-labelledby="pricing-title" className="panel">
      <h2 id="pricing-title">Pricing</h2>
      <div className="inline-form">
        <label>
          From{' '}
          <input
            value={pair.source}
            maxLength={3}
            size={4}
            onChange={(e) => setPair({ ...pair, source: e.target.value.toUpperCase() })}
          />
        </label>
        <label>
          To{' '}
          <input
            value={pair.target}
            maxLength={3}
            size={4}
            onChange={(e) => setPair({ ...pair, target: e.target.value.toUpperCase() })}
          />
        </label>
        <label>
          Participant (markup){' '}
          <input
            value={pair.participantId}
            onChange={(e) => setPair({ ...pair, participantId: e.target.value })}
          />
        </label>
      </div>
      <QueryView query={query}>
        {(p) => (
          <ul>
            <li>Spread: {p.spread ? `${p.spread.spreadBps} bp` : 'none'}</li>
            <li>Fee: {p.fee ? `${p.fee.fixed} + ${p.fee.percentBps} bp, at least ${p.fee.min}` : 'none'}</li>
            <li>Markup: {p.markup ? `${p.markup.markupBps} bp` : 'none'}</li>
          </ul>
        )}
      </QueryView>
      {can('fx.write') && /^[A-Z]{3}$/.test(pair.source) && /^[A-Z]{3}$/.test(pair.target) ? (
        <PricingEditor source={pair.source} target={pair.target} />
      ) : null}
    </section>
  );
}

export function FxPage() {
  const query = useQuery({
    queryKey: ['fx-rates'],
    queryFn: () => get<RatesAnswer>('/fx/rates'),
    refetchInterval: 5000,
  });
  return (
    <section aria-labelledby="fx-title">
      <h1 id="fx-title">FX rates and pricing</h1>
      <QueryView query={query}>{(data) => <RatesTable data={data} />}</QueryView>
      <Pricing />
    </section>
  );
}
