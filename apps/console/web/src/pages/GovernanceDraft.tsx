import { FormEvent, useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { ProblemView } from '../components/QueryView';
import { api } from '../lib/api';

type Kind = 'set-participant-status' | 'set-limit' | 'add-signer' | 'json';

/** The action a form describes, in the ledger's governance action shape. */
function actionOf(kind: Kind, f: Record<string, string>): Record<string, unknown> {
  switch (kind) {
    case 'set-participant-status':
      return { kind, participantId: f.participantId, status: f.status || 'suspended' };
    case 'set-limit':
      return {
        kind,
        accountId: f.accountId,
        limit: f.capMinor ? { kind: 'net-debit-cap', capMinor: f.capMinor } : { kind: 'no-overdraft' },
      };
    case 'add-signer':
      return { kind, signer: { id: f.signerId, publicKey: f.publicKey }, quorum: Number(f.quorum) };
    case 'json':
      return JSON.parse(f.json || '{}') as Record<string, unknown>;
  }
}

const FIELDS: Record<Kind, [string, string][]> = {
  'set-participant-status': [
    ['participantId', 'Participant'],
    ['status', 'New status'],
  ],
  'set-limit': [
    ['accountId', 'Account (e.g. us-send/USD)'],
    ['capMinor', 'Net debit cap in minor units (empty: no overdraft)'],
  ],
  'add-signer': [
    ['signerId', 'Signer id'],
    ['publicKey', 'Public key (hex)'],
    ['quorum', 'New quorum'],
  ],
  json: [['json', 'Action as JSON (any governance action)']],
};

export function DraftForm() {
  const client = useQueryClient();
  const [kind, setKind] = useState<Kind>('set-participant-status');
  const [fields, setFields] = useState<Record<string, string>>({});
  const [id, setId] = useState('');
  const draft = useMutation({
    mutationFn: () =>
      api('POST', '/governance/proposals', { ...(id ? { id } : {}), action: actionOf(kind, fields) }),
    onSuccess: () => {
      setFields({});
      setId('');
      return client.invalidateQueries({ queryKey: ['proposals'] });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    draft.mutate();
  };
  return (
    <form className="panel stacked" onSubmit={submit} aria-labelledby="draft-title">
      <h2 id="draft-title">Draft a proposal</h2>
      <label>
        Proposal id (optional) <input name="proposalId" value={id} onChange={(e) => setId(e.target.value)} />
      </label>
      <label>
        Action
        <select name="kind" value={kind} onChange={(e) => (setKind(e.target.value as Kind), setFields({}))}>
          <option value="set-participant-status">Suspend or reinstate a participant</option>
          <option value="set-limit">Change a limit</option>
          <option value="add-signer">Add a signer</option>
          <option value="json">Other (JSON)</option>
        </select>
      </label>
      {FIELDS[kind].map(([name, label]) => (
        <label key={name}>
          {label}
          {name === 'status' ? (
            <select
              name={name}
              value={fields[name] ?? 'suspended'}
              onChange={(e) => setFields({ ...fields, [name]: e.target.value })}
            >
              <option value="suspended">suspended</option>
              <option value="active">active</option>
              <option value="closed">closed</option>
            </select>
          ) : name === 'json' ? (
            <textarea
              name={name}
              rows={5}
              value={fields[name] ?? ''}
              onChange={(e) => setFields({ ...fields, [name]: e.target.value })}
            />
          ) : (
            <input
              name={name}
              value={fields[name] ?? ''}
              onChange={(e) => setFields({ ...fields, [name]: e.target.value })}
            />
          )}
        </label>
      ))}
      <button type="submit" className="primary" disabled={draft.isPending}>
        Draft proposal
      </button>
      {draft.error ? <ProblemView error={draft.error} /> : null}
    </form>
  );
}
