import { accountLeafHex, merklePath, merkleRootHex } from '@concord/chain-verify';
import type { ConsoleTransferView, TransferProofResponse } from '@concord/contracts';
import { Problem } from '@concord/http-problems';
import { notFound } from '../http/problems';
import { ExplorerRepository } from './explorer.repository';
import { ReadModelRepository, SignerSet } from './read-model.repository';

type Certified = TransferProofResponse['block'];
interface StoredBlock extends Certified {
  accounts?: { id: string }[];
  signerSet?: { signers: { id: string; publicKey: string }[]; quorum: number };
}

/** The parts of a stored block message a proof carries (nothing else of the message is passed on). */
function certified(block: StoredBlock): Certified {
  return { header: block.header, headerHash: block.headerHash, certificate: block.certificate };
}

/** An account's position account id in a currency, as the ledger names it (membership.ts). */
const positionAccount = (participantId: string, currency: string) => `${participantId}/${currency}`;

/**
 * The payee's account the transfer moved: in the transfer's currency, or (cross-currency) the payee's
 * position account the block changed in another currency.
 */
export function payeeAccountOf(
  transfer: Pick<ConsoleTransferView, 'payee' | 'currency'>,
  known: Set<string>,
  changedInBlock: string[],
): string | null {
  const same = positionAccount(transfer.payee, transfer.currency);
  if (known.has(same)) return same;
  const prefix = `${transfer.payee}/`;
  return changedInBlock.find((id) => id.startsWith(prefix) && !id.slice(prefix.length).includes('/')) ?? null;
}

/** The blocks (heights above 1, below `height`) whose message announced a new signer set. */
export function signerChangeHeights(sets: SignerSet[], height: number): number[] {
  return sets.map((s) => s.fromHeight - 1).filter((h) => h > 1 && h < height);
}

/**
 * Balance proofs for the console's transfer page, made from its own read model: the accounts of the
 * height (account versions), their tree, and the paths of the payer's and the payee's accounts. The
 * recomputed root must be the certified header's, or the read model does not hold that height whole
 * (it started after it): then 409, never a proof that would not verify.
 */
export class ProofService {
  constructor(
    private readonly explorer: ExplorerRepository,
    private readonly readModel: ReadModelRepository,
  ) {}

  async transferProof(id: string, height?: number): Promise<TransferProofResponse> {
    const found = await this.explorer.transferHistory(id);
    if (!found) throw notFound(`transfer ${id}`);
    const at = height ?? found.transfer.height;
    const status = found.history.filter((h) => h.height === at).at(-1);
    if (!status) throw notFound(`a status of transfer ${id} in block ${at}`);
    const [stored, chain, accounts] = await Promise.all([
      this.blockMessage(at),
      this.readModel.chain(),
      this.readModel.accountsAt(at),
    ]);
    const ids = accounts.map((a) => a.id).sort();
    const byId = new Map(accounts.map((a) => [a.id, a]));
    const leaves = ids.map((a) => {
      const b = byId.get(a)!;
      return accountLeafHex(a, b.balanceMinor, b.reservedMinor);
    });
    if (merkleRootHex(leaves) !== stored.header.stateRoot) {
      throw new Problem(409, 'PROOF_UNAVAILABLE', 'No balance proof at this height', {
        detail: `the console's read model does not hold every account of block ${at} (it began after it)`,
      });
    }
    const known = new Set(ids);
    const wanted: { role: 'payer' | 'payee'; participantId: string; id: string | null }[] = [
      { role: 'payer', participantId: status.payer, id: positionAccount(status.payer, status.currency) },
      {
        role: 'payee',
        participantId: status.payee,
        id: payeeAccountOf(
          status,
          known,
          (stored.accounts ?? []).map((a) => a.id),
        ),
      },
    ];
    const changes = await Promise.all(
      signerChangeHeights(chain?.signerSets ?? [], at).map(async (h) => {
        const block = await this.blockMessage(h);
        if (!block.signerSet) throw new Error(`block ${h} announced no signer set`);
        return { ...certified(block), signerSet: block.signerSet };
      }),
    );
    return {
      transfer: status,
      height: at,
      block: certified(stored),
      signerSetChanges: changes,
      accounts: wanted
        .filter((w): w is typeof w & { id: string } => w.id !== null && known.has(w.id))
        .map((w) => {
          const b = byId.get(w.id)!;
          return { ...w, ...b, proof: merklePath(leaves, ids.indexOf(w.id)) };
        }),
      accountCount: ids.length,
    };
  }

  private async blockMessage(height: number): Promise<StoredBlock> {
    const found = await this.explorer.block(height);
    if (!found) throw notFound(`block ${height}`);
    return JSON.parse(found.body) as StoredBlock;
  }
}
