import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import type { Check } from '@concord/chain-verify';
import { QueryView, ProblemView } from '../components/QueryView';
import { get } from '../lib/api';
import { formatMinor, formatTime } from '../lib/format';
import { type BrowserVerdict, type FinalizedMessage, verifyInBrowser } from '../lib/verify-in-browser';

interface BlockDetailAnswer {
  summary: { height: number; blockTime: string; transferCount: number };
  block: FinalizedMessage & {
    outcomes?: {
      transferId: string;
      status: string;
      payer: string;
      payee: string;
      amountMinor: string;
      currency: string;
      reason?: string;
    }[];
  };
  signerSet: { signers: { id: string; publicKey: string }[]; quorum: number };
}

function VerifyPanel({ height }: { height: number }) {
  const [verdict, setVerdict] = useState<BrowserVerdict | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const run = async () => {
    setVerdict(null);
    setError(null);
    setProgress(0);
    try {
      setVerdict(await verifyInBrowser(height, setProgress));
    } catch (e) {
      setError(e);
    } finally {
      setProgress(null);
    }
  };
  return (
    <section aria-labelledby="verify-title" className="panel">
      <h2 id="verify-title">Verify in this browser</h2>
      <p className="muted">
        Checks the certificate and the state root with @noble/curves and @noble/hashes, trusting nothing the
        server says but the genesis.
      </p>
      <button type="button" onClick={() => void run()} disabled={progress !== null}>
        Verify
      </button>
      <div role="status" aria-live="polite">
        {progress !== null ? `Checking block ${progress} of ${height}…` : null}
        {verdict ? (
          <p
            className={verdict.ok ? 'verdict ok' : 'verdict bad'}
            data-verdict={verdict.ok ? 'valid' : 'invalid'}
          >
            {verdict.ok ? `Block ${height} is valid` : `Block ${height} does NOT verify`}
          </p>
        ) : null}
      </div>
      {error ? <ProblemView error={error} /> : null}
      {verdict ? <ChecksList checks={verdict.checks} /> : null}
    </section>
  );
}

export function ChecksList({ checks }: { checks: Check[] }) {
  return (
    <ul className="checks">
      {checks.map((c, i) => (
        <li key={i} className={c.ok ? 'ok' : 'bad'}>
          <span aria-hidden="true">{c.ok ? '✔' : '✘'}</span> <strong>{c.name}</strong>: {c.detail}
          <span className="sr-only">{c.ok ? ' (passed)' : ' (failed)'}</span>
        </li>
      ))}
    </ul>
  );
}

function HeaderTable({ block }: { block: FinalizedMessage }) {
  const rows: [string, string | number][] = [
    ...Object.entries(block.header).map(([k, v]) => [k, v] as [string, string | number]),
    ['headerHash', block.headerHash],
  ];
  return (
    <table className="kv">
      <caption>Header</caption>
      <tbody>
        {rows.map(([k, v]) => (
          <tr key={k}>
            <th scope="row">{k}</th>
            <td className="mono">{String(v)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function CertificateTable({ data }: { data: BlockDetailAnswer }) {
  const signed = new Set(data.block.certificate.map((c) => c.signerId));
  return (
    <table>
      <caption>Certificate (quorum {data.signerSet.quorum})</caption>
      <thead>
        <tr>
          <th scope="col">Signer</th>
          <th scope="col">Signed</th>
        </tr>
      </thead>
      <tbody>
        {data.signerSet.signers.map((s) => (
          <tr key={s.id}>
            <th scope="row">{s.id}</th>
            <td>{signed.has(s.id) ? 'yes' : 'no'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function OutcomesTable({ data }: { data: BlockDetailAnswer }) {
  const outcomes = data.block.outcomes ?? [];
  return (
    <table>
      <caption>
        Entries: {data.block.header.entryCount}, transfer outcomes: {outcomes.length}
      </caption>
      <thead>
        <tr>
          <th scope="col">Transfer</th>
          <th scope="col">Status</th>
          <th scope="col">Payer</th>
          <th scope="col">Payee</th>
          <th scope="col">Amount</th>
        </tr>
      </thead>
      <tbody>
        {outcomes.map((o, i) => (
          <tr key={`${o.transferId}-${i}`}>
            <th scope="row">
              <a href={`#/transfers/${encodeURIComponent(o.transferId)}`}>{o.transferId}</a>
            </th>
            <td>
              {o.status}
              {o.reason ? ` (${o.reason})` : ''}
            </td>
            <td>{o.payer}</td>
            <td>{o.payee}</td>
            <td className="num">
              {formatMinor(o.amountMinor)} {o.currency}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function BlockDetail({ height }: { height: number }) {
  const query = useQuery({
    queryKey: ['block', height],
    queryFn: () => get<BlockDetailAnswer>(`/blocks/${height}`),
  });
  return (
    <section aria-labelledby="block-title">
      <p>
        <a href="#/blocks">← All blocks</a>
      </p>
      <h1 id="block-title">Block {height}</h1>
      <QueryView query={query}>
        {(data) => (
          <>
            <p className="muted">Finalized at {formatTime(data.summary.blockTime)}</p>
            <VerifyPanel height={height} />
            <div className="two-columns">
              <HeaderTable block={data.block} />
              <CertificateTable data={data} />
            </div>
            <OutcomesTable data={data} />
          </>
        )}
      </QueryView>
    </section>
  );
}
