import { Controller, Get, Inject, Param, UseGuards } from '@nestjs/common';
import { AuthenticatedRequest } from '../auth/auth.service';
import { Partner, PartnerGuard } from '../auth/partner.guard';
import type { KnownParticipant } from '../auth/participants.repository';
import { AccountsService } from './accounts.service';

/** `GET /v1/participants/me`, `GET /v1/accounts`, `GET /v1/accounts/{id}/proof` for each account id. */
@Controller('v1')
@UseGuards(PartnerGuard)
export class AccountsController {
  constructor(@Inject(AccountsService) private readonly accounts: AccountsService) {}

  @Get('participants/me')
  me(@Partner() { participant, keyId }: AuthenticatedRequest) {
    const { id, name, status, currencies } = participant;
    return { id, name, status, currencies, keyId };
  }

  @Get('accounts')
  async list(@Partner('participant') participant: KnownParticipant) {
    return { accounts: await this.accounts.list(participant) };
  }

  @Get('accounts/:participant/:currency/proof')
  proof(
    @Partner('participant') participant: KnownParticipant,
    @Param('participant') p: string,
    @Param('currency') c: string,
  ) {
    return this.accounts.proof(participant, `${p}/${c}`);
  }

  /** The proof of a settlement or fee account (`p/USD/settlement`, `p/USD/fees`). */
  @Get('accounts/:participant/:currency/:kind/proof')
  kindProof(
    @Partner('participant') participant: KnownParticipant,
    @Param('participant') p: string,
    @Param('currency') c: string,
    @Param('kind') k: string,
  ) {
    return this.accounts.proof(participant, `${p}/${c}/${k}`);
  }
}
