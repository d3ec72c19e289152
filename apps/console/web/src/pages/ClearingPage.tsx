import { FormEvent, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { z } from 'zod';
import type { instructionViewSchema, windowDetailResponseSchema, windowViewSchema } from '@console-api';
import { OwesGraph } from '../components/OwesGraph';
import { ProblemView, QueryView } from '../components/QueryView';
import { api, get, qs } from '../lib/api';
import { formatTime } from '../lib/format';
import { navigate } from '../lib/router';
import { useSession } from '../lib/session';

type WindowView = z.infer<typeof windowViewSchema>;
type WindowDetail = z.infer<typeof windowDetailResponseSchema>;
type Instruction = z.infer<typeof instructionViewSchema>;

function useWrite<T>(fn: () => Promise<T>, after?: (answer: T) => void) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: (answer) => {
      void client.invalidateQueries({ queryKey: ['windows'] });
      void client.invalidateQueries({ queryKey: ['window'] });
      after?.(answer);
    },
  });
}

function CloseButton({ currency }: { currency: string }) {
  const close = useWrite(
    () => api<WindowDetail>('POST', `/clearing/windows/${currency}/close`),
    (answer) => navigate(`clearing/${answer.window.id}`),
  );
  return (
    <>
      <button type="button" className="primary" onClick={() => close.mutate()} disabled={close.isPending}>
        Close the {currency} window
      </button>
      {close.error ? <ProblemView error={close.error} /> : null}
    </>
  );
}

function WindowsTable({ windows }: { windows: WindowView[] }) {
  const { can } = useSession();
  return (
    <table>
      <caption>Settlement windows, newest first</caption>
      <thead>
        <tr>
          <th scope="col">Window</th>
          <th scope="col">Currency</th>
          <th scope="col">Status</th>
          <th scope="col">Opened</th>
          <th scope="col">Closed</th>
          <th scope="col">Blocks</th>
          {can('clearing.write') ? <th scope="col">Action</th> : null}
        </tr>
      </thead>
      <tbody>
        {windows.map((w) => (
          <tr key={w.id} data-window={w.id}>
            <th scope="row">
              <a href={`#/clearing/${w.id}`}>{w.id}</a>
            </th>
            <td>{w.currency}</td>
            <td>{w.status}</td>
            <td>{formatTime(w.openedAt)}</td>
            <td>{formatTime(w.closedAt)}</td>
            <td>{w.fromHeight !== null ? `${w.fromHeight}–${w.toHeight ?? '…'}` : '—'}</td>
            {can('clearing.write') ? (
              <td>{w.status === 'open' ? <CloseButton currency={w.currency} /> : null}</td>
            ) : null}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function ConfirmForm({ instruction }: { instruction: Instruction }) {
  const [form, setForm] = useState({ bankReference: '', amount: instruction.outstanding });
  const confirm = useWrite(() =>
    api('POST', `/clearing/instructions/${encodeURIComponent(instruction.id)}/confirm`, form),
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    confirm.mutate();
  };
  return (
    <form className="inline-form" onSubmit={submit} aria-label={`Confirm ${instruction.id}`}>
      <label>
        Bank reference
        <input
          name="bankReference"
          value={form.bankReference}
          onChange={(e) => setForm({ ...form, bankReference: e.target.value })}
          required
        />
      </label>
      <label>
        Amount
        <input
          name="amount"
          value={form.amount}
          onChange={(e) => setForm({ ...form, amount: e.target.value })}
          required
        />
      </label>
      <button type="submit" disabled={confirm.isPending}>
        Confirm
      </button>
      {confirm.error ? <ProblemView error={confirm.error} /> : null}
    </form>
  );
}

function InstructionsTable({ instructions }: { instructions: Instruction[] }) {
  const { can } = useSession();
  return (
    <table>
      <caption>Settlement instructions</caption>
      <thead>
        <tr>
          <th scope="col">Instruction</th>
          <th scope="col">Participant</th>
          <th scope="col">Direction</th>
          <th scope="col">Amount</th>
          <th scope="col">Confirmed</th>
          <th scope="col">Status</th>
          {can('clearing.write') ? <th scope="col">Confirmation</th> : null}
        </tr>
      </thead>
      <tbody>
        {instructions.map((i) => (
          <tr key={i.id} data-instruction={i.id}>
            <th scope="row">{i.id}</th>
            <td>{i.participantId}</td>
            <td>{i.direction}</td>
            <td className="num">
              {i.amount} {i.currency}
            </td>
            <td className="num">{i.confirmed}</td>
            <td>{i.status}</td>
            {can('clearing.write') ? (
              <td>
                {i.status === 'pending' || i.status === 'partially-confirmed' ? (
                  <ConfirmForm instruction={i} />
                ) : null}
              </td>
            ) : null}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function PositionsTable({ data }: { data: WindowDetail }) {
  return (
    <table>
      <caption>
        Net positions (gross {data.window.gross}, net moved {data.window.netMoved}, netting saves{' '}
        {(data.window.efficiencyBps / 100).toFixed(1)} %)
      </caption>
      <thead>
        <tr>
          <th scope="col">Participant</th>
          <th scope="col">Sent</th>
          <th scope="col">Received</th>
          <th scope="col">Net</th>
        </tr>
      </thead>
      <tbody>
        {data.window.positions.map((p) => (
          <tr key={p.participantId}>
            <th scope="row">{p.participantId}</th>
            <td className="num">{p.sent}</td>
            <td className="num">{p.received}</td>
            <td className="num">{p.net}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function WindowDetailView({ id }: { id: string }) {
  const { can } = useSession();
  const query = useQuery({
    queryKey: ['window', id],
    queryFn: () => get<WindowDetail>(`/clearing/windows/${id}`),
    refetchInterval: 10_000,
  });
  const abort = useWrite(() => api('POST', `/clearing/windows/${id}/abort`));
  return (
    <section aria-labelledby="window-title">
      <p>
        <a href="#/clearing">← All windows</a>
      </p>
      <h1 id="window-title">Window {id}</h1>
      <QueryView query={query}>
        {(data) => (
          <>
            <p>
              {data.window.currency}, <strong data-window-status>{data.window.status}</strong>, opened{' '}
              {formatTime(data.window.openedAt)}
              {data.window.closedAt ? `, closed ${formatTime(data.window.closedAt)}` : ''}
            </p>
            {can('clearing.write') &&
            (data.window.status === 'closed' || data.window.status === 'settling') ? (
              <button
                type="button"
                className="danger"
                onClick={() => abort.mutate()}
                disabled={abort.isPending}
              >
                Abort this window
              </button>
            ) : null}
            {abort.error ? <ProblemView error={abort.error} /> : null}
            <div className="two-columns">
              <PositionsTable data={data} />
              <figure>
                <figcaption>Who owes whom before netting</figcaption>
                <OwesGraph bilateral={data.window.bilateral} />
              </figure>
            </div>
            <InstructionsTable instructions={data.instructions} />
          </>
        )}
      </QueryView>
    </section>
  );
}

export function ClearingPage({ id }: { id?: string }) {
  const [currency, setCurrency] = useState('');
  const query = useQuery({
    queryKey: ['windows', currency],
    queryFn: () => get<{ windows: WindowView[] }>(`/clearing/windows${qs({ currency, limit: 100 })}`),
    refetchInterval: 10_000,
    enabled: !id,
  });
  if (id) return <WindowDetailView id={id} />;
  return (
    <section aria-labelledby="clearing-title">
      <h1 id="clearing-title">Clearing</h1>
      <label>
        Currency{' '}
        <input
          value={currency}
          onChange={(e) => setCurrency(e.target.value.toUpperCase())}
          maxLength={3}
          size={4}
        />
      </label>
      <QueryView query={query}>{(data) => <WindowsTable windows={data.windows} />}</QueryView>
    </section>
  );
}
