import { Controller, Get, Inject, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { CORRIDOR_REPORT_COLUMNS, corridorReportQuerySchema } from '@concord/contracts';
import { Problem } from '@concord/http-problems';
import { Permission } from '../auth/caller';
import { parseRequest } from '../http/problems';
import { ReportsRepository } from './reports.repository';

const DAY_MS = 24 * 3600_000;

/** The report's days: `from` to `to` (exclusive), by default the last 30 days up to tomorrow. */
export function reportRange(
  q: { from?: string; to?: string },
  now = Date.now(),
): { from: string; to: string } {
  const to = q.to ?? new Date(now + DAY_MS).toISOString().slice(0, 10);
  const from = q.from ?? new Date(Date.parse(to) - 31 * DAY_MS).toISOString().slice(0, 10);
  const days = (Date.parse(to) - Date.parse(from)) / DAY_MS;
  if (days <= 0 || days > 366) {
    throw new Problem(400, 'VALIDATION_FAILED', 'The request is not valid', {
      errors: [{ field: 'to', message: 'must be 1 to 366 days after from' }],
    });
  }
  return { from, to };
}

/** RFC 4180 CSV with a header line and CRLF line ends. */
export function csv<R extends object>(columns: readonly (keyof R & string)[], rows: R[]): string {
  const cell = (v: string | number) => {
    const s = String(v);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return (
    [
      columns.join(','),
      ...rows.map((r) => columns.map((c) => cell((r[c] as string | number | undefined) ?? '')).join(',')),
    ].join('\r\n') + '\r\n'
  );
}

/** Regulators' reports: volume and value per corridor (payer, payee, currency) per day. */
@Controller('ops/v1/reports')
export class ReportsController {
  constructor(@Inject(ReportsRepository) private readonly reports: ReportsRepository) {}

  @Get('corridors')
  @Permission('reports.read')
  async corridors(@Query() query: unknown) {
    const range = reportRange(parseRequest(corridorReportQuerySchema, query, '(query)'));
    return { rows: await this.reports.corridors(range.from, range.to) };
  }

  @Get('corridors.csv')
  @Permission('reports.read')
  async corridorsCsv(@Query() query: unknown, @Res() reply: FastifyReply): Promise<void> {
    const range = reportRange(parseRequest(corridorReportQuerySchema, query, '(query)'));
    const rows = await this.reports.corridors(range.from, range.to);
    await reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="corridors-${range.from}-${range.to}.csv"`)
      .send(csv(CORRIDOR_REPORT_COLUMNS, rows));
  }
}
