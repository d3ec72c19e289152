import { Controller, Get, Inject, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { AUDIT_EXPORT_CONTENT_TYPE, auditQuerySchema } from '@concord/contracts';
import { Permission } from '../auth/caller';
import { parseRequest } from '../http/problems';
import { cursorNumber } from '../http/paging';
import { AuditRepository } from './audit.repository';

/** The audit log for operators, regulators and admins: pages, the JSON-lines export, and verification. */
@Controller('ops/v1/audit')
export class AuditController {
  constructor(@Inject(AuditRepository) private readonly audit: AuditRepository) {}

  @Get()
  @Permission('audit.read')
  async list(@Query() query: unknown) {
    const q = parseRequest(auditQuerySchema, query, '(query)');
    const entries = await this.audit.page({ ...q, beforeSeq: cursorNumber(q.cursor) });
    const last = entries[entries.length - 1];
    return { entries, nextCursor: entries.length === q.limit && last ? String(last.seq) : null };
  }

  @Get('verify')
  @Permission('audit.read')
  verify() {
    return this.audit.verify();
  }

  @Get('export')
  @Permission('audit.read')
  async export(@Res() reply: FastifyReply): Promise<void> {
    const lines: string[] = [];
    for await (const entry of this.audit.all()) lines.push(JSON.stringify(entry));
    await reply
      .header('content-type', `${AUDIT_EXPORT_CONTENT_TYPE}; charset=utf-8`)
      .header(
        'content-disposition',
        `attachment; filename="console-audit-${new Date().toISOString().slice(0, 10)}.jsonl"`,
      )
      .send(lines.join('\n') + (lines.length ? '\n' : ''));
  }
}
