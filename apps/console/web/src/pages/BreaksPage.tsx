import { FormEvent, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { BreakView } from '@console-api';
import { ProblemView, QueryView } from '../components/QueryView';
import { StatusFilter } from '../components/StatusFilter';
import { api, get, qs } from '../lib/api';
import { formatTime } from '../lib/format';
import { useSession } from '../lib/session';

const STATUSES = ['open', 'linked', 'written-off', ''];

/** One write on a break (assign, note, resolve); the list is read again when it answered. */
function useBreakWrite(id: number, path: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: unknown) => api('POST', `/reconciliation/breaks/${id}/${path}`, body),
    onSuccess: () => client.invalidateQueries({ queryKey: ['breaks'] }),
  });
}

function formText(event: FormEvent<HTMLFormElement>, name: string): string {
  event.preventDefault();
  return String(new FormData(event.currentTarget).get(name) ?? '').trim();
}

function WorkForms({ b }: { b: BreakView }) {
  const assign = useBreakWrite(b.id, 'assign');
  const note = useBreakWrite(b.id, 'notes');
  const resolve = useBreakWrite(b.id, 'resolve');
  const [action, setAction] = useState<'link' | 'write-off'>('link');
  const error = assign.error ?? note.error ?? resolve.error;
  return (
    <div className="break-work">
      <form
        className="inline-form"
        aria-label={`Assign break ${b.id}`}
        onSubmit={(e) => assign.mutate({ assignee: formText(e, 'assignee') })}
      >
        <label>
          Assignee <input name="assignee" required />
        </label>
        <button type="submit">Assign</button>
      </form>
      <form
        className="inline-form"
        aria-label={`Annotate break ${b.id}`}
        onSubmit={(e) => note.mutate({ note: formText(e, 'note') })}
      >
        <label>
          Note <input name="note" required />
        </label>
        <button type="submit">Add note</button>
      </form>
      <form
        className="inline-form"
        aria-label={`Resolve break ${b.id}`}
        onSubmit={(e) => {
          const value = formText(e, 'value');
          resolve.mutate(action === 'link' ? { action, instructionId: value } : { action, reason: value });
        }}
      >
        <label>
          Resolve by{' '}
          <select
            name="action"
            value={action}
            onChange={(e) => setAction(e.target.value as 'link' | 'write-off')}
          >
            <option value="link">link to instruction</option>
            <option value="write-off">write-off with reason</option>
          </select>
        </label>
        <label>
          {action === 'link' ? 'Instruction id' : 'Reason'} <input name="value" required />
        </label>
        <button type="submit">Resolve</button>
      </form>
      {error ? <ProblemView error={error} /> : null}
    </div>
  );
}

function BreakRow({ b }: { b: BreakView }) {
  const { can } = useSession();
  return (
    <tr data-break={b.id} data-break-status={b.status}>
      <th scope="row">
        {b.id}
        <br />
        <span className="muted">
          statement {b.statementId} line {b.lineNo}
        </span>
      </th>
      <td>{b.kind}</td>
      <td>
        {b.detail}
        {b.instructionIds.length ? ` (${b.instructionIds.join(', ')})` : ''}
      </td>
      <td>{b.assignee ?? '—'}</td>
      <td>
        <ul className="notes">
          {b.notes
            .filter((n) => n.kind === 'note')
            .map((n, i) => (
              <li key={i}>
                {n.by}: {n.text}
              </li>
            ))}
        </ul>
      </td>
      <td>
        {b.status === 'open' ? (
          can('reconciliation.write') ? (
            <WorkForms b={b} />
          ) : (
            'open'
          )
        ) : (
          `${b.status} by ${b.resolvedBy ?? '?'} ${formatTime(b.resolvedAt)}: ${b.resolution ?? ''}`
        )}
      </td>
    </tr>
  );
}

/** Reconciliation breaks: bank lines that matched no settlement instruction, worked in a queue. */
export function BreaksPage() {
  const [status, setStatus] = useState('open');
  const query = useQuery({
    queryKey: ['breaks', status],
    queryFn: () => get<{ breaks: BreakView[] }>(`/reconciliation/breaks${qs({ status, limit: 200 })}`),
    refetchInterval: 15_000,
  });
  return (
    <section aria-labelledby="breaks-title">
      <h1 id="breaks-title">Reconciliation breaks</h1>
      <StatusFilter statuses={STATUSES} value={status} onChange={setStatus} />
      <QueryView query={query}>
        {(data) =>
          data.breaks.length === 0 ? (
            <p className="muted">No {status} break.</p>
          ) : (
            <table>
              <caption>Breaks ({status || 'all'}), newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Break</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Detail</th>
                  <th scope="col">Assignee</th>
                  <th scope="col">Notes</th>
                  <th scope="col">Resolution</th>
                </tr>
              </thead>
              <tbody>
                {data.breaks.map((b) => (
                  <BreakRow key={b.id} b={b} />
                ))}
              </tbody>
            </table>
          )
        }
      </QueryView>
    </section>
  );
}
