import { FormEvent, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ProblemView, QueryView } from '../components/QueryView';
import { StatusFilter } from '../components/StatusFilter';
import { api, get, qs } from '../lib/api';
import { formatMinor, formatTime } from '../lib/format';
import { useSession } from '../lib/session';

interface CaseRow {
  id: string;
  transferId: string;
  status: string;
  sanctions: boolean;
  deadline: string;
  createdAt: string;
}
type Json = Record<string, unknown>;
interface CaseDetail {
  case: CaseRow;
  transfer: Json & { payer?: string; payee?: string; amountMinor?: string; currency?: string };
  findings: (Json & {
    kind?: string;
    subject?: string;
    score?: number | null;
    outcome?: string;
    explanation?: unknown;
  })[];
  decisions: (Json & { officerId?: string; action?: string; reason?: string; createdAt?: string })[];
  history: { originator?: Json[]; beneficiary?: Json[] };
}

const STATUSES = ['open', 'escalated', 'released', 'rejected', ''];

function partyName(party: unknown): string {
  const p = party as { name?: string; country?: string } | null | undefined;
  return p?.name ? `${p.name}${p.country ? ` (${p.country})` : ''}` : '—';
}

interface HitExplanation {
  entryId?: string;
  source?: string;
  programs?: string[];
  explanation?: {
    listedName?: string;
    pairs?: { how: string; query: string; listed: string }[];
    country?: string;
    birthDate?: string;
  };
}

/** Why a finding fired, in words: the listed name, each token pair and the supporting evidence. */
function explain(explanation: unknown): string {
  if (typeof explanation === 'string') return explanation;
  const hit = explanation as HitExplanation | null;
  const why = hit?.explanation;
  if (!why?.listedName) return JSON.stringify(explanation);
  const pairs = (why.pairs ?? []).map((p) => `${p.query} ~ ${p.listed} (${p.how})`).join(', ');
  const listed = [hit?.entryId, ...(hit?.programs ?? [])].filter(Boolean).join(', ');
  return [`matched “${why.listedName}” (${listed})`, pairs, why.country, why.birthDate]
    .filter(Boolean)
    .join('; ');
}

function Decide({ id }: { id: string }) {
  const client = useQueryClient();
  const [reason, setReason] = useState('');
  const decide = useMutation({
    mutationFn: (action: 'release' | 'reject') =>
      api<{ status: string }>('POST', `/compliance/cases/${encodeURIComponent(id)}/${action}`, { reason }),
    onSuccess: () => {
      setReason('');
      void client.invalidateQueries({ queryKey: ['compliance'] });
    },
  });
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const action = (event.nativeEvent as SubmitEvent).submitter?.getAttribute('value');
    decide.mutate(action === 'reject' ? 'reject' : 'release');
  };
  return (
    <form className="inline-form" onSubmit={submit} aria-label={`Decide case ${id}`}>
      <label>
        Reason <input name="reason" value={reason} required onChange={(e) => setReason(e.target.value)} />
      </label>
      <button type="submit" value="release" disabled={decide.isPending}>
        Release
      </button>
      <button type="submit" value="reject" disabled={decide.isPending}>
        Reject
      </button>
      {decide.data ? <span role="status">Case now {decide.data.status}</span> : null}
      {decide.error ? <ProblemView error={decide.error} /> : null}
    </form>
  );
}

function Findings({ findings }: { findings: CaseDetail['findings'] }) {
  return (
    <table>
      <caption>Hits and rules that fired</caption>
      <thead>
        <tr>
          <th scope="col">Kind</th>
          <th scope="col">Subject</th>
          <th scope="col">Score</th>
          <th scope="col">Outcome</th>
          <th scope="col">Why</th>
        </tr>
      </thead>
      <tbody>
        {findings.map((f, i) => (
          <tr key={i} data-finding={f.kind}>
            <th scope="row">{f.kind}</th>
            <td>{f.subject}</td>
            <td className="num">{typeof f.score === 'number' ? f.score.toFixed(2) : '—'}</td>
            <td>{f.outcome}</td>
            <td>{explain(f.explanation)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Decisions({ decisions }: { decisions: CaseDetail['decisions'] }) {
  if (decisions.length === 0) return <p className="muted">No decision yet.</p>;
  return (
    <ol className="decisions">
      {decisions.map((d, i) => (
        <li key={i} data-decision={d.action}>
          {formatTime(d.createdAt)}: <strong>{d.action}</strong> by {d.officerId}: {d.reason}
        </li>
      ))}
    </ol>
  );
}

function CaseView({ id }: { id: string }) {
  const { can } = useSession();
  const query = useQuery({
    queryKey: ['compliance', 'case', id],
    queryFn: () => get<CaseDetail>(`/compliance/cases/${encodeURIComponent(id)}`),
  });
  return (
    <section aria-labelledby="case-title" className="panel">
      <h2 id="case-title">Case {id}</h2>
      <QueryView query={query}>
        {(data) => (
          <>
            <p data-case-status={data.case.status}>
              Transfer {data.case.transferId}: {data.transfer.payer} → {data.transfer.payee},{' '}
              {data.transfer.amountMinor ? formatMinor(data.transfer.amountMinor) : '?'}{' '}
              {data.transfer.currency}. Originator {partyName(data.transfer.originator)}, beneficiary{' '}
              {partyName(data.transfer.beneficiary)}. Status <strong>{data.case.status}</strong>
              {data.case.sanctions ? ' (sanctions hit: two officers release)' : ''}, deadline{' '}
              {formatTime(data.case.deadline)}.
            </p>
            <Findings findings={data.findings} />
            <h3>Decisions</h3>
            <Decisions decisions={data.decisions} />
            <p className="muted">
              History: originator {data.history.originator?.length ?? 0} earlier transfers, beneficiary{' '}
              {data.history.beneficiary?.length ?? 0}.
            </p>
            {can('compliance.decide') && ['open', 'escalated'].includes(data.case.status) ? (
              <Decide id={id} />
            ) : null}
          </>
        )}
      </QueryView>
    </section>
  );
}

/** The compliance officers' case queue (the compliance service's cases, through the console). */
export function CompliancePage() {
  const [status, setStatus] = useState('open');
  const [open, setOpen] = useState<string | null>(null);
  const query = useQuery({
    queryKey: ['compliance', 'cases', status],
    queryFn: () => get<{ cases: CaseRow[] }>(`/compliance/cases${qs({ status })}`),
    refetchInterval: 10_000,
  });
  return (
    <section aria-labelledby="compliance-title">
      <h1 id="compliance-title">Compliance cases</h1>
      <StatusFilter statuses={STATUSES} value={status} onChange={setStatus} />
      <QueryView query={query}>
        {(data) =>
          data.cases.length === 0 ? (
            <p className="muted">No {status} case.</p>
          ) : (
            <table>
              <caption>Cases ({status || 'all'})</caption>
              <thead>
                <tr>
                  <th scope="col">Case</th>
                  <th scope="col">Transfer</th>
                  <th scope="col">Status</th>
                  <th scope="col">Sanctions</th>
                  <th scope="col">Deadline</th>
                  <th scope="col">Opened</th>
                </tr>
              </thead>
              <tbody>
                {data.cases.map((c) => (
                  <tr key={c.id} data-case={c.transferId}>
                    <th scope="row">
                      <button type="button" aria-label={`Open case ${c.id}`} onClick={() => setOpen(c.id)}>
                        Open
                      </button>
                    </th>
                    <td>{c.transferId}</td>
                    <td>{c.status}</td>
                    <td>{c.sanctions ? 'yes' : 'no'}</td>
                    <td>{formatTime(c.deadline)}</td>
                    <td>{formatTime(c.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </QueryView>
      {open ? <CaseView key={open} id={open} /> : null}
    </section>
  );
}
