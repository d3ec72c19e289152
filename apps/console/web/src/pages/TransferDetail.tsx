import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import type { ConsoleTransferView } from '@console-api';
import { ProblemView, QueryView } from '../components/QueryView';
import { get } from '../lib/api';
import { formatMinor, formatTime } from '../lib/format';
import { type ProofVerdict, verifyTransferProof } from '../lib/verify-in-browser';
import { ChecksList } from './BlockDetail';

interface TransferAnswer {
  transfer: ConsoleTransferView;
  history: ConsoleTransferView[];
}

function HistoryTable({
  history,
  selected,
  onSelect,
}: {
  history: ConsoleTransferView[];
  selected: number;
  onSelect: (height: number) => void;
}) {
  return (
    <table>
      <caption>Every status, with the block that recorded it</caption>
      <thead>
        <tr>
          <th scope="col">Status</th>
          <th scope="col">Block</th>
          <th scope="col">Time</th>
          <th scope="col">Balance proof</th>
        </tr>
      </thead>
      <tbody>
        {history.map((h, i) => (
          <tr key={`${h.height}-${i}`} data-status={h.status} data-height={h.height}>
            <th scope="row">
              {h.status}
              {h.reason ? ` (${h.reason})` : ''}
            </th>
            <td>
              <a href={`#/blocks/${h.height}`}>block {h.height}</a>
            </td>
            <td>{formatTime(h.blockTime)}</td>
            <td>
              <label>
                <input
                  type="radio"
                  name="proofHeight"
                  checked={selected === h.height}
                  onChange={() => onSelect(h.height)}
                />{' '}
                at block {h.height}
              </label>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function ProvedAccounts({ verdict }: { verdict: ProofVerdict }) {
  return (
    <table>
      <caption>Accounts proved ({verdict.proof.accountCount} accounts under the state root)</caption>
      <thead>
        <tr>
          <th scope="col">Account</th>
          <th scope="col">Side</th>
          <th scope="col">Balance</th>
          <th scope="col">Reserved</th>
          <th scope="col">Path</th>
        </tr>
      </thead>
      <tbody>
        {verdict.proof.accounts.map((a) => (
          <tr key={a.id} data-proof-account={a.id}>
            <th scope="row">{a.id}</th>
            <td>{a.role}</td>
            <td className="num">{formatMinor(a.balanceMinor)}</td>
            <td className="num">{formatMinor(a.reservedMinor)}</td>
            <td>{a.proof.length} steps</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function ProofPanel({ transferId, height }: { transferId: string; height: number }) {
  const [verdict, setVerdict] = useState<ProofVerdict | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const run = async () => {
    setVerdict(null);
    setError(null);
    setBusy(true);
    try {
      setVerdict(await verifyTransferProof(transferId, height));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="proof-title" className="panel">
      <h2 id="proof-title">Balance proof at block {height}</h2>
      <p className="muted">
        The payer&apos;s and the payee&apos;s accounts as block {height} left them, each with its Merkle path
        to the block&apos;s certified state root. Checked here with @noble/curves and @noble/hashes, trusting
        only the genesis: the signer set changes up to the block, its certificate, and every path.
      </p>
      <button type="button" onClick={() => void run()} disabled={busy}>
        Verify balance proof
      </button>
      <div role="status" aria-live="polite">
        {busy ? 'Verifying…' : null}
        {verdict ? (
          <p
            className={verdict.ok ? 'verdict ok' : 'verdict bad'}
            data-proof-verdict={verdict.ok ? 'valid' : 'invalid'}
          >
            {verdict.ok
              ? `The balances at block ${height} are proved`
              : `The balance proof at block ${height} does NOT verify`}
          </p>
        ) : null}
      </div>
      {error ? <ProblemView error={error} /> : null}
      {verdict ? (
        <>
          <ProvedAccounts verdict={verdict} />
          <ChecksList checks={verdict.checks} />
        </>
      ) : null}
    </section>
  );
}

/** A transfer: its statuses, each with its block, and the balance proof of payer and payee at one of them. */
export function TransferDetail({ id }: { id: string }) {
  const query = useQuery({
    queryKey: ['transfers', 'one', id],
    queryFn: () => get<TransferAnswer>(`/transfers/${encodeURIComponent(id)}`),
  });
  const [chosen, setChosen] = useState<number | null>(null);
  return (
    <section aria-labelledby="transfer-title">
      <p>
        <a href="#/transfers">← All transfers</a>
      </p>
      <h1 id="transfer-title">Transfer {id}</h1>
      <QueryView query={query}>
        {(data) => {
          const t = data.transfer;
          const height = chosen ?? t.height;
          return (
            <>
              <table className="kv">
                <caption>Latest status</caption>
                <tbody>
                  <tr>
                    <th scope="row">Status</th>
                    <td data-transfer-status={t.status}>
                      {t.status}
                      {t.reason ? ` (${t.reason})` : ''}
                    </td>
                  </tr>
                  <tr>
                    <th scope="row">Payer → payee</th>
                    <td>
                      {t.payer} → {t.payee}
                    </td>
                  </tr>
                  <tr>
                    <th scope="row">Amount</th>
                    <td className="num">
                      {formatMinor(t.amountMinor)} {t.currency}
                    </td>
                  </tr>
                  <tr>
                    <th scope="row">Block</th>
                    <td>
                      <a href={`#/blocks/${t.height}`} data-transfer-block={t.height}>
                        block {t.height}
                      </a>{' '}
                      at {formatTime(t.blockTime)}
                    </td>
                  </tr>
                </tbody>
              </table>
              <HistoryTable history={data.history} selected={height} onSelect={setChosen} />
              <ProofPanel key={height} transferId={id} height={height} />
            </>
          );
        }}
      </QueryView>
    </section>
  );
}
