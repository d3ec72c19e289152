import { createHash, timingSafeEqual } from 'node:crypto';
import {
  applyDecorators,
  ArgumentsHost,
  CanActivate,
  Catch,
  ExceptionFilter,
  ExecutionContext,
  Inject,
  Injectable,
  Provider,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';

/**
 * Operator authentication of the operator HTTP APIs (the clearing operator API, the FX admin API): one
 * shared bearer token, OPERATOR_TOKEN, in `Authorization: Bearer <token>`. A controller opts in with the
 * one decorator `@OperatorAuth()`; its module provides the token with `operatorAuthProvider(CONFIG)`.
 */

/** The injection token of the configured operator token (`{ token }`, undefined when not configured). */
export const OPERATOR_AUTH = 'OPERATOR_AUTH';

export interface OperatorAuthOptions {
  token: string | undefined;
}

/** Provides OPERATOR_AUTH from the service's configuration (any config object with OPERATOR_TOKEN). */
export function operatorAuthProvider(configToken: string): Provider {
  return {
    provide: OPERATOR_AUTH,
    inject: [configToken],
    useFactory: (config: { OPERATOR_TOKEN?: string }): OperatorAuthOptions => ({
      token: config.OPERATOR_TOKEN,
    }),
  };
}

export type OperatorAuthFailure = 'missing' | 'malformed' | 'invalid' | 'not-configured';

/** A request without a valid operator token: answered 401 with the stable code UNAUTHORIZED. */
export class OperatorAuthError extends Error {
  readonly code = 'UNAUTHORIZED';

  constructor(readonly reason: OperatorAuthFailure) {
    super(
      reason === 'missing'
        ? 'send the operator token as Authorization: Bearer <token>'
        : reason === 'malformed'
          ? 'the Authorization header is not "Bearer <token>"'
          : reason === 'invalid'
            ? 'the operator token is not valid'
            : 'this service has no operator token configured (OPERATOR_TOKEN)',
    );
    this.name = 'OperatorAuthError';
  }
}

/**
 * Whether `presented` is `expected`, in time independent of where they differ and of their lengths: both
 * are hashed first, so timingSafeEqual always compares two 32-byte digests and the expected token's length
 * does not leak either.
 */
export function tokenMatches(expected: string, presented: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(expected), digest(presented));
}

/** The token of an `Authorization: Bearer <token>` header (scheme case-insensitive, RFC 6750). */
export function bearerToken(header: string | string[] | undefined): string | OperatorAuthFailure {
  if (header === undefined || header === '') return 'missing';
  if (Array.isArray(header)) return 'malformed';
  const match = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i.exec(header);
  return match ? match[1] : 'malformed';
}

/** Checks one request's Authorization header against the configured token; throws OperatorAuthError. */
export function authenticateOperator(
  expected: string | undefined,
  header: string | string[] | undefined,
): void {
  // Fail closed: a service serving an operator API without a token refuses every request.
  if (!expected) throw new OperatorAuthError('not-configured');
  const presented = bearerToken(header);
  if (presented === 'missing' || presented === 'malformed') throw new OperatorAuthError(presented);
  if (!tokenMatches(expected, presented)) throw new OperatorAuthError('invalid');
}

@Injectable()
export class OperatorAuthGuard implements CanActivate {
  constructor(@Inject(OPERATOR_AUTH) private readonly options: OperatorAuthOptions) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context
      .switchToHttp()
      .getRequest<{ headers: Record<string, string | string[] | undefined> }>();
    authenticateOperator(this.options.token, request.headers.authorization);
    return true;
  }
}

export interface OperatorAuthProblem {
  type: string;
  title: string;
  status: 401;
  code: 'UNAUTHORIZED';
  detail: string;
}

export function operatorAuthProblem(error: OperatorAuthError): OperatorAuthProblem {
  return {
    type: 'https://concord.example/problems/unauthorized',
    title: 'Operator authentication required',
    status: 401,
    code: error.code,
    detail: error.message,
  };
}

/**
 * Renders OperatorAuthError as 401 application/problem+json with a WWW-Authenticate challenge (RFC 6750).
 * Bound to the controller by `@OperatorAuth()`, so it answers before the app's own catch-all filter.
 */
@Catch(OperatorAuthError)
export class OperatorAuthProblemFilter implements ExceptionFilter {
  catch(error: OperatorAuthError, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const challenge =
      error.reason === 'invalid' || error.reason === 'malformed'
        ? 'Bearer realm="concord-operator", error="invalid_token"'
        : 'Bearer realm="concord-operator"';
    void reply
      .status(401)
      .header('content-type', 'application/problem+json')
      .header('www-authenticate', challenge)
      .send(JSON.stringify(operatorAuthProblem(error)));
  }
}

/** Every route of the controller needs the operator's bearer token (OPERATOR_TOKEN). */
export function OperatorAuth(): ClassDecorator & MethodDecorator {
  return applyDecorators(UseGuards(OperatorAuthGuard), UseFilters(OperatorAuthProblemFilter));
}
