import { Body, Controller, HttpCode, Inject, Post, UseGuards } from '@nestjs/common';
import { routeRequestSchema } from '@concord/contracts';
import { Caller, MemberGuard } from '../auth/member.guard';
import type { Member } from '../participants/directory';
import { parseBody } from '../http/parse';
import { RoutesService } from './routes.service';

@Controller('v1')
@UseGuards(MemberGuard)
export class RoutesController {
  constructor(@Inject(RoutesService) private readonly routes: RoutesService) {}

  /** Ranked payout options for a send (or receive) amount, each with its signed FX quote. */
  @Post('routes')
  @HttpCode(200)
  routesFor(@Caller() caller: Member, @Body() body: unknown) {
    return this.routes.routes(caller.id, parseBody(routeRequestSchema, body));
  }
}
