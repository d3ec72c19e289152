import { accountLeafHash, merkleProof } from '@concord/crypto';
import type { AccountView, BalanceProofView } from '@concord/contracts';
import { formatAmount } from '@concord/money';
import { KnownParticipant } from '../auth/participants.repository';
import { LedgerViewRepository } from '../finality/ledger-view.repository';
import { AccountFailure } from './accounts.errors';

/** A partner's own accounts and balances, and balance proofs against a certified state root. */
export class AccountsService {
  constructor(private readonly view: LedgerViewRepository) {}

  async list(participant: KnownParticipant): Promise<AccountView[]> {
    const rows = await this.view.accountsOf(participant.id);
    return rows.map((a) => ({
      id: a.id,
      currency: a.currency,
      kind: a.kind,
      balance: formatAmount(a.balanceMinor, a.currency),
      reserved: formatAmount(a.reservedMinor, a.currency),
      available: formatAmount(a.balanceMinor - a.reservedMinor, a.currency),
      asOfHeight: a.height,
    }));
  }

  /**
   * The balance of one of the caller's accounts with its Merkle path to the state root of the latest
   * applied block, that block's header and its certificate. `verifyBalanceProof` in libs/crypto checks
   * it all against the signer set, so the partner need not trust this gateway.
   */
  async proof(participant: KnownParticipant, accountId: string): Promise<BalanceProofView> {
    const snapshot = await this.view.snapshot();
    const sorted = (snapshot?.accounts ?? [])
      .slice()
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const index = sorted.findIndex((a) => a.id === accountId);
    const account = sorted[index];
    if (!snapshot || index < 0 || !accountId.startsWith(`${participant.id}/`)) {
      throw new AccountFailure({ kind: 'NOT_FOUND', account: accountId });
    }
    const leaves = sorted.map((a) =>
      accountLeafHash(a.id, a.balanceMinor.toString(), a.reservedMinor.toString()),
    );
    const currency = accountId.split('/')[1];
    return {
      account: {
        id: account.id,
        balanceMinor: account.balanceMinor.toString(),
        reservedMinor: account.reservedMinor.toString(),
        balance: formatAmount(account.balanceMinor, currency),
        currency,
      },
      proof: merkleProof(leaves, index),
      header: snapshot.block.header,
      headerHash: snapshot.block.headerHash,
      certificate: snapshot.block.certificate,
      signers: snapshot.signerSet.signers,
      quorum: snapshot.signerSet.quorum,
    };
  }
}
