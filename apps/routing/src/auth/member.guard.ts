import { CanActivate, createParamDecorator, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { Member } from '../participants/directory';
import { RequestVerifier, SignedRequest } from './signed-request';

type GuardedRequest = SignedRequest & { member?: Member };

/** Every /v1 route: the caller is a member of the network whose signed request verified. */
@Injectable()
export class MemberGuard implements CanActivate {
  constructor(@Inject(RequestVerifier) private readonly verifier: RequestVerifier) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<GuardedRequest>();
    request.member = await this.verifier.verify(request);
    return true;
  }
}

/** The verified caller of a guarded route. */
export const Caller = createParamDecorator((_: unknown, context: ExecutionContext): Member => {
  const member = context.switchToHttp().getRequest<GuardedRequest>().member;
  if (!member) throw new Error('@Caller() on a route without MemberGuard');
  return member;
});
