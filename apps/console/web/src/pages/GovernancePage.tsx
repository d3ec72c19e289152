import { ChangeEvent, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { governanceSigningString, type ProposalView } from '@console-api';
import { parseKeyFile, publicKeyOfSeed, signWithSeed } from '@concord/chain-verify';
import { ProblemView, QueryView } from '../components/QueryView';
import { api, get } from '../lib/api';
import { formatTime } from '../lib/format';
import { setImportedKey, useImportedKey } from '../lib/operator-key';
import { useSession } from '../lib/session';
import { DraftForm } from './GovernanceDraft';

interface OperatorsAnswer {
  chainId: string | null;
  threshold: number;
  operators: { keyId: string; publicKey: string }[];
}

function useOperators() {
  return useQuery({
    queryKey: ['governance-operators'],
    queryFn: () => get<OperatorsAnswer>('/governance/operators'),
  });
}

function KeyImport() {
  const { me } = useSession();
  const key = useImportedKey();
  const operators = useOperators();
  const [problem, setProblem] = useState<string | null>(null);
  const load = async (event: ChangeEvent<HTMLInputElement>) => {
    setProblem(null);
    const file = event.target.files?.[0];
    if (!file) return;
    try {
      const parsed = parseKeyFile(await file.text());
      const keyId = parsed.keyId ?? me?.user.operatorKeyId ?? '';
      const publicKey = publicKeyOfSeed(parsed.seedHex);
      const known = operators.data?.operators.find((o) => o.keyId === keyId);
      if (!known) throw new Error(`${keyId || 'the key'} is not a genesis operator key`);
      if (known.publicKey !== publicKey) throw new Error(`the file's key is not the genesis key of ${keyId}`);
      setImportedKey({ keyId, seedHex: parsed.seedHex, publicKey });
    } catch (e) {
      setProblem(e instanceof Error ? e.message : String(e));
    } finally {
      event.target.value = '';
    }
  };
  return (
    <div className="panel">
      <h2>Your operator key</h2>
      {key ? (
        <p data-imported-key={key.keyId}>
          Key <strong>{key.keyId}</strong> is loaded in this page. It signs here and is never sent to the
          server.{' '}
          <button type="button" onClick={() => setImportedKey(null)}>
            Forget it
          </button>
        </p>
      ) : (
        <label>
          Import your key file (JSON with keyId and seedHex):{' '}
          <input type="file" name="keyfile" accept=".json,.key,.txt" onChange={(e) => void load(e)} />
        </label>
      )}
      {problem ? (
        <p className="problem" role="alert">
          {problem}
        </p>
      ) : null}
    </div>
  );
}

function ApproveButton({ proposal }: { proposal: ProposalView }) {
  const key = useImportedKey();
  const client = useQueryClient();
  const approve = useMutation({
    mutationFn: async () => {
      if (!key) throw new Error('import your key file first');
      // Recomputed here from the chain, id and action: the server's signingPayload copy is not trusted.
      const message = governanceSigningString(proposal.chainId, proposal.id, proposal.action as never);
      const signature = signWithSeed(key.seedHex, message);
      return api('POST', `/governance/proposals/${encodeURIComponent(proposal.id)}/approvals`, {
        keyId: key.keyId,
        signature,
      });
    },
    onSuccess: () => client.invalidateQueries({ queryKey: ['proposals'] }),
  });
  if (proposal.approvals.some((a) => a.keyId === key?.keyId)) return <span>approved by your key</span>;
  return (
    <>
      <button
        type="button"
        className="primary"
        disabled={!key || approve.isPending}
        onClick={() => approve.mutate()}
      >
        Approve {proposal.id}
      </button>
      {approve.error ? <ProblemView error={approve.error} /> : null}
    </>
  );
}

function ProposalRow({ proposal }: { proposal: ProposalView }) {
  const { can } = useSession();
  return (
    <tr data-proposal={proposal.id}>
      <th scope="row">{proposal.id}</th>
      <td>
        <code className="mono">{JSON.stringify(proposal.action)}</code>
      </td>
      <td data-proposal-status>{proposal.status}</td>
      <td>
        {proposal.approvals.length} of {proposal.threshold}
        {proposal.approvals.length
          ? `: ${proposal.approvals.map((a) => `${a.approvedBy} (${a.keyId})`).join(', ')}`
          : ''}
      </td>
      <td>
        {proposal.enactedHeight !== null ? (
          <a href={`#/blocks/${proposal.enactedHeight}`}>enacted in block {proposal.enactedHeight}</a>
        ) : (
          `expires ${formatTime(proposal.expiresAt)}`
        )}
      </td>
      {can('governance.approve') ? (
        <td>{proposal.status === 'open' ? <ApproveButton proposal={proposal} /> : null}</td>
      ) : null}
    </tr>
  );
}

export function GovernancePage() {
  const { can } = useSession();
  const [status, setStatus] = useState('');
  const query = useQuery({
    queryKey: ['proposals', status],
    queryFn: () =>
      get<{ proposals: ProposalView[] }>(`/governance/proposals${status ? `?status=${status}` : ''}`),
    refetchInterval: 5000,
  });
  const operators = useOperators();
  return (
    <section aria-labelledby="governance-title">
      <h1 id="governance-title">Governance</h1>
      <p className="muted">
        A proposal takes effect when {operators.data?.threshold ?? '…'} operator keys have approved it; each
        operator signs in their own browser.
      </p>
      {can('governance.approve') ? <KeyImport /> : null}
      {can('governance.propose') ? <DraftForm /> : null}
      <label>
        Show{' '}
        <select value={status} onChange={(e: ChangeEvent<HTMLSelectElement>) => setStatus(e.target.value)}>
          <option value="">all</option>
          <option value="open">open</option>
          <option value="submitted">submitted</option>
          <option value="enacted">enacted</option>
          <option value="expired">expired</option>
        </select>
      </label>
      <QueryView query={query}>
        {(data) => (
          <table>
            <caption>Proposals, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Proposal</th>
                <th scope="col">Action</th>
                <th scope="col">Status</th>
                <th scope="col">Approvals</th>
                <th scope="col">Outcome</th>
                {can('governance.approve') ? <th scope="col">Approve</th> : null}
              </tr>
            </thead>
            <tbody>
              {data.proposals.map((p) => (
                <ProposalRow key={p.id} proposal={p} />
              ))}
            </tbody>
          </table>
        )}
      </QueryView>
    </section>
  );
}
