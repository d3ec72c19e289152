import { CanActivate, createParamDecorator, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { RawBodyRequest } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AuthenticatedRequest, AuthService } from './auth.service';

/** A request the guard has let through, with its signed caller. */
type SignedPartnerRequest = RawBodyRequest<FastifyRequest> & { partner?: AuthenticatedRequest };

/**
 * The signed-partner guard of every /v1 controller: authenticates the request once (signature, key,
 * freshness, replay, rate limit, participant status) and keeps the caller on the request for `@Partner()`.
 * A refusal is a Problem, answered by the exception filter. (The idempotency hook authenticates POSTs
 * before the guard runs; AuthService answers the same request object with the same result.)
 */
@Injectable()
export class PartnerGuard implements CanActivate {
  constructor(@Inject(AuthService) private readonly auth: AuthService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<SignedPartnerRequest>();
    request.partner = await this.auth.authenticateRequest(request);
    return true;
  }
}

/** The signed caller of a request, as PartnerGuard authenticated it. */
export function partnerOf(context: ExecutionContext): AuthenticatedRequest {
  const caller = context.switchToHttp().getRequest<SignedPartnerRequest>().partner;
  // A route that reads the caller without the guard is a bug, not an unauthenticated request.
  if (!caller) throw new Error('@Partner() on a route without PartnerGuard');
  return caller;
}

/**
 * The authenticated partner as a handler's argument: `@Partner() caller` is the whole signed request
 * (participant, key id and the signed parts, body included); `@Partner('participant')` the participant.
 */
export const Partner = createParamDecorator((field: 'participant' | undefined, context: ExecutionContext) => {
  const caller = partnerOf(context);
  return field ? caller[field] : caller;
});
