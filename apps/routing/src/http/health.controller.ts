import { Controller, Get, Inject } from '@nestjs/common';
import { Problem } from '@concord/http-problems';
import { LedgerService } from '../ledger/ledger.service';
import { ROUTING_IDENTITY, RoutingIdentity } from '../routing.tokens';

/** Unsigned: liveness, readiness (the ledger's members are known), and the key apps delegate. */
@Controller()
export class HealthController {
  constructor(
    @Inject(LedgerService) private readonly ledger: LedgerService,
    @Inject(ROUTING_IDENTITY) private readonly identity: RoutingIdentity,
  ) {}

  @Get('health')
  health() {
    return { status: 'ok' };
  }

  @Get('ready')
  ready() {
    if (!this.ledger.ready)
      throw new Problem(503, 'NOT_READY', 'Not ready', { detail: 'the ledger members are not known yet' });
    return { status: 'ready' };
  }

  /** The public key an app adds to its own keys (governance add-participant-key) to let routing send its orders. */
  @Get('v1/routing-key')
  routingKey() {
    return { publicKey: this.identity.publicKeyHex };
  }
}
