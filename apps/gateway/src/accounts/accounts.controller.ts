import { Controller, Get, Inject, Param, Req } from '@nestjs/common';
import type { RawBodyRequest } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AuthService } from '../auth/auth.service';
import { AccountsService } from './accounts.service';

/** `GET /v1/participants/me`, `GET /v1/accounts`, `GET /v1/accounts/{id}/proof` for each account id. */
@Controller('v1')
export class AccountsController {
  constructor(
    @Inject(AuthService) private readonly auth: AuthService,
    @Inject(AccountsService) private readonly accounts: AccountsService,
  ) {}

  private caller(req: RawBodyRequest<FastifyRequest>) {
    return this.auth.authenticateRequest(req);
  }

  @Get('participants/me')
  async me(@Req() req: RawBodyRequest<FastifyRequest>) {
    const { participant, keyId } = await this.caller(req);
    return {
      id: participant.id,
      name: participant.name,
      status: participant.status,
      currencies: participant.currencies,
      keyId,
    };
  }

  @Get('accounts')
  async list(@Req() req: RawBodyRequest<FastifyRequest>) {
    const { participant } = await this.caller(req);
    return { accounts: await this.accounts.list(participant) };
  }

  @Get('accounts/:participant/:currency/proof')
  async proof(
    @Req() req: RawBodyRequest<FastifyRequest>,
    @Param('participant') p: string,
    @Param('currency') c: string,
  ) {
    const { participant } = await this.caller(req);
    return this.accounts.proof(participant, `${p}/${c}`);
  }

  /** The proof of a settlement or fee account (`p/USD/settlement`, `p/USD/fees`). */
  @Get('accounts/:participant/:currency/:kind/proof')
  async kindProof(
    @Req() req: RawBodyRequest<FastifyRequest>,
    @Param('participant') p: string,
    @Param('currency') c: string,
    @Param('kind') k: string,
  ) {
    const { participant } = await this.caller(req);
    return this.accounts.proof(participant, `${p}/${c}/${k}`);
  }
}
