import { CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { catchError, from, mergeMap, Observable, throwError } from 'rxjs';
import { problemOf } from '../http/problems';
import { AUDIT_ACTION, ConsoleRequest } from '../auth/caller';
import { AuditRecorder } from './audit.recorder';

/**
 * Every route marked @Audited is recorded once it has answered: success with its status and result, a
 * refusal (4xx) or a failure (5xx) with its problem. The answer waits for the record, so a write the
 * console reports done is in the log.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(AuditRecorder) private readonly recorder: AuditRecorder,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const action = this.reflector.get<string | undefined>(AUDIT_ACTION, context.getHandler());
    if (!action) return next.handle();
    const request = context.switchToHttp().getRequest<ConsoleRequest>();
    // Nest sets the status when it sends the answer: the route's @HttpCode, or 201 for a POST.
    const status =
      this.reflector.get<number | undefined>(HTTP_CODE_METADATA, context.getHandler()) ??
      (request.method === 'POST' ? 201 : 200);
    return next.handle().pipe(
      mergeMap((result: unknown) =>
        from(this.recorder.record(request, action, { outcome: 'ok', status, result }).then(() => result)),
      ),
      catchError((error: unknown) => {
        const problem = problemOf(error);
        const outcome = problem.status >= 500 ? 'failed' : 'refused';
        const body = 'toJSON' in problem ? problem.toJSON() : problem;
        return from(
          this.recorder.record(request, action, { outcome, status: problem.status, result: body }),
        ).pipe(mergeMap(() => throwError(() => error)));
      }),
    );
  }
}
