import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, UseGuards } from '@nestjs/common';
import { ID_PATTERN, offerSchema } from '@concord/contracts';
import { Caller, MemberGuard } from '../auth/member.guard';
import type { Member } from '../participants/directory';
import { parseBody } from '../http/parse';
import { refuse } from '../http/routing.errors';
import { OffersService } from './offers.service';

function offerId(id: string): string {
  if (!ID_PATTERN.test(id))
    refuse({ kind: 'INVALID_BODY', errors: [{ field: 'offerId', message: 'not an id' }] });
  return id;
}

/** Payout partners publish, version and withdraw their offers; apps read the corridors they make. */
@Controller('v1')
@UseGuards(MemberGuard)
export class OffersController {
  constructor(@Inject(OffersService) private readonly offers: OffersService) {}

  /** Publishes the next version of the offer (200: a version is made each time, none is created twice). */
  @Post('offers/:offerId')
  @HttpCode(200)
  publish(@Caller() caller: Member, @Param('offerId') id: string, @Body() body: unknown) {
    return this.offers.publish(caller, offerId(id), parseBody(offerSchema, body));
  }

  @Delete('offers/:offerId')
  withdraw(@Caller() caller: Member, @Param('offerId') id: string) {
    return this.offers.withdraw(caller, offerId(id));
  }

  @Get('offers')
  async mine(@Caller() caller: Member) {
    return { offers: await this.offers.mine(caller) };
  }

  @Get('corridors')
  corridors() {
    return { corridors: this.offers.corridors() };
  }
}
