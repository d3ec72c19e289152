import { useQuery } from '@tanstack/react-query';
import type { ConsoleParticipantView, WebhookHealth } from '@console-api';
import { QueryView } from '../components/QueryView';
import { UsageBar } from '../components/UsageBar';
import { get } from '../lib/api';
import { formatMinor, formatTime } from '../lib/format';

function AccountsTable({ participant }: { participant: ConsoleParticipantView }) {
  return (
    <table>
      <caption>Accounts of {participant.id}</caption>
      <thead>
        <tr>
          <th scope="col">Account</th>
          <th scope="col">Balance</th>
          <th scope="col">Reserved</th>
          <th scope="col">Available</th>
          <th scope="col">Limit</th>
          <th scope="col">Cap usage</th>
        </tr>
      </thead>
      <tbody>
        {participant.accounts.map((a) => (
          <tr key={a.id} data-account={a.id}>
            <th scope="row">{a.id}</th>
            <td className="num">{formatMinor(a.balanceMinor)}</td>
            <td className="num">{formatMinor(a.reservedMinor)}</td>
            <td className="num">{formatMinor(a.availableMinor)}</td>
            <td>
              {a.limit === null
                ? '—'
                : a.limit.kind === 'net-debit-cap'
                  ? `cap ${formatMinor(a.limit.capMinor)}`
                  : 'no overdraft'}
            </td>
            <td>
              {a.capUsageBps === null ? (
                '—'
              ) : (
                <UsageBar bps={a.capUsageBps} label={`Net debit cap used by ${a.id}`} />
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function ParticipantCard({ participant }: { participant: ConsoleParticipantView }) {
  return (
    <article className="panel" aria-labelledby={`participant-${participant.id}`}>
      <h2 id={`participant-${participant.id}`}>
        {participant.name} <span className="muted">({participant.id})</span>{' '}
        <span className={participant.status === 'active' ? 'badge ok' : 'badge bad'}>
          {participant.status}
        </span>{' '}
        <span className="badge">{participant.settlement} settlement</span>
      </h2>
      <p className="muted">
        Keys: {participant.keys.map((k) => `${k.keyId} (${k.publicKey.slice(0, 12)}…)`).join(', ') || '—'}
      </p>
      <AccountsTable participant={participant} />
    </article>
  );
}

function WebhookHealthTable() {
  const query = useQuery({
    queryKey: ['webhooks', 'health'],
    queryFn: () => get<{ participants: WebhookHealth[] }>('/webhooks/health'),
    refetchInterval: 10_000,
  });
  return (
    <QueryView query={query}>
      {(data) =>
        data.participants.length === 0 ? (
          <p className="muted">No webhook delivery yet.</p>
        ) : (
          <table>
            <caption>Webhook delivery health (attempts of the last 24 hours; dead letters in all)</caption>
            <thead>
              <tr>
                <th scope="col">Participant</th>
                <th scope="col">Delivered</th>
                <th scope="col">Failed attempts</th>
                <th scope="col">Dead letters</th>
                <th scope="col">Last success</th>
                <th scope="col">Last failure</th>
              </tr>
            </thead>
            <tbody>
              {data.participants.map((h) => (
                <tr key={h.participantId} data-webhook-health={h.participantId}>
                  <th scope="row">{h.participantId}</th>
                  <td className="num">{h.delivered24h}</td>
                  <td className="num">{h.failedAttempts24h}</td>
                  <td className="num">
                    {h.deadLetters > 0 ? <span className="badge bad">{h.deadLetters}</span> : 0}
                  </td>
                  <td>{formatTime(h.lastSuccessAt)}</td>
                  <td>{h.lastFailureAt ? `${formatTime(h.lastFailureAt)}: ${h.lastFailure ?? ''}` : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      }
    </QueryView>
  );
}

export function ParticipantsPage() {
  const query = useQuery({
    queryKey: ['participants'],
    queryFn: () => get<{ participants: ConsoleParticipantView[] }>('/participants'),
    refetchInterval: 15_000,
  });
  return (
    <section aria-labelledby="participants-title">
      <h1 id="participants-title">Participants</h1>
      <WebhookHealthTable />
      <QueryView query={query}>
        {(data) => data.participants.map((p) => <ParticipantCard key={p.id} participant={p} />)}
      </QueryView>
    </section>
  );
}
