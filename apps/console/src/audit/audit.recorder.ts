import { Inject, Injectable } from '@nestjs/common';
import type { AuditEntry } from '@concord/contracts';
import type { ConsoleRequest } from '../auth/caller';
import { AuditRepository } from './audit.repository';

/** Results larger than this are recorded as their size and top-level keys only. */
const MAX_RESULT_CHARS = 16_000;
const SECRET_FIELDS = /password|secret|token/i;

/** The body as recorded: passwords and tokens replaced, so the log never holds a secret. */
export function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, SECRET_FIELDS.test(k) ? '[redacted]' : redact(v)]),
    );
  }
  return value;
}

function resultOf(result: unknown): Record<string, unknown> {
  if (result === undefined || result === null) return {};
  const text = JSON.stringify(redact(result));
  if (text.length <= MAX_RESULT_CHARS) {
    const parsed = JSON.parse(text) as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : { value: parsed };
  }
  return { truncated: true, chars: text.length, keys: Object.keys(result as object) };
}

/** Who is recorded for a request: its caller, or whom a login named (set by the login route). */
export interface AuditSubject {
  username: string;
  role: string;
}

/** Records one write made through the console: who, role, what, target, the request and its result. */
@Injectable()
export class AuditRecorder {
  constructor(@Inject(AuditRepository) private readonly repository: AuditRepository) {}

  record(
    request: ConsoleRequest & { auditSubject?: AuditSubject },
    action: string,
    outcome: { outcome: AuditEntry['outcome']; status: number; result: unknown },
  ): Promise<AuditEntry> {
    const subject = request.caller ?? request.auditSubject ?? { username: 'anonymous', role: 'none' };
    const params = request.params ?? {};
    const target = Object.keys(params).length
      ? Object.entries(params)
          .map(([k, v]) => `${k}=${v}`)
          .join(',')
      : null;
    return this.repository.append({
      actor: subject.username,
      role: subject.role,
      action,
      target,
      request: {
        method: request.method,
        path: request.url,
        ip: request.ip,
        body: (redact(request.body) as unknown) ?? null,
      },
      outcome: outcome.outcome,
      status: outcome.status,
      result: resultOf(outcome.result),
    });
  }
}
