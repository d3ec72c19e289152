import { Controller, Get, Inject, UseGuards } from '@nestjs/common';
import type { GenesisView, SignerSetList } from '@concord/contracts';
import { PartnerGuard } from '../auth/partner.guard';
import { LedgerViewRepository } from '../finality/ledger-view.repository';
import { AccountFailure } from './accounts.errors';

/**
 * Where a partner anchors its trust in balance proofs: the genesis block (whose header hash the consortium
 * agreement states) and the signer sets of the chain. Nothing here needs trusting either: the genesis
 * header hashes to the agreed value or not, and each later set is announced by a certified block.
 */
@Controller('v1/ledger')
@UseGuards(PartnerGuard)
export class LedgerInfoController {
  constructor(@Inject(LedgerViewRepository) private readonly view: LedgerViewRepository) {}

  @Get('genesis')
  async genesis(): Promise<GenesisView> {
    const [block, sets] = await Promise.all([this.view.genesisBlock(), this.view.signerSets()]);
    if (!block || sets.length === 0) throw new AccountFailure({ kind: 'NO_GENESIS' });
    return {
      chainId: block.header.chainId,
      header: block.header,
      headerHash: block.headerHash,
      certificate: block.certificate,
      signerSet: sets[0],
    };
  }

  @Get('signer-sets')
  async signerSets(): Promise<SignerSetList> {
    return { signerSets: await this.view.signerSets() };
  }
}
