import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { z } from 'zod';
import {
  annotateBreakRequestSchema,
  assignBreakRequestSchema,
  breaksQuerySchema,
  resolveBreakRequestSchema,
} from '@concord/contracts';
import { Audited, Caller, CallerOf, Permission } from '../auth/caller';
import { CLEARING_CLIENT } from '../clearing/clearing.controller';
import { OperatorApiClient } from '../http/operator-api.client';
import { notFound, parseRequest } from '../http/problems';
import { UsersRepository } from '../users/users.repository';
import { BreaksRepository, withNotes } from './breaks.repository';

const breakId = z.object({
  id: z.coerce
    .number()
    .int()
    .min(1)
    .max(2 ** 31 - 1),
});

type ClearingBreak = Record<string, unknown> & { id: number; status: string };

/**
 * Reconciliation breaks: clearing's bank lines that matched no instruction, worked in a queue. Listing and
 * resolving (link to an instruction, or write off with a reason) go to clearing's operator API with the
 * console user as X-Operator; who works a break and the notes on it are the console's own. Every write
 * is in the audit log.
 */
@Controller('ops/v1/reconciliation/breaks')
export class BreaksController {
  constructor(
    @Inject(CLEARING_CLIENT) private readonly clearing: OperatorApiClient,
    @Inject(BreaksRepository) private readonly notes: BreaksRepository,
    @Inject(UsersRepository) private readonly users: UsersRepository,
  ) {}

  @Get()
  @Permission('read')
  async list(@Query() query: unknown) {
    const q = parseRequest(breaksQuerySchema, query, '(query)');
    const search = new URLSearchParams({ limit: String(q.limit), ...(q.status ? { status: q.status } : {}) });
    const { breaks } = await this.clearing.call<{ breaks: ClearingBreak[] }>('GET', `/breaks?${search}`);
    const notes = await this.notes.notesOf(breaks.map((b) => b.id));
    return { breaks: breaks.map((b) => withNotes(b, notes.get(b.id))) };
  }

  @Post(':id/assign')
  @HttpCode(200)
  @Permission('reconciliation.write')
  @Audited('reconciliation.break.assign')
  async assign(@Param() params: unknown, @Body() body: unknown, @CallerOf() caller: Caller) {
    const { id } = parseRequest(breakId, params, '(path)');
    const { assignee } = parseRequest(assignBreakRequestSchema, body);
    const user = await this.users.find(assignee);
    if (!user || user.status !== 'active') throw notFound(`active console user ${assignee}`);
    await this.existing(id);
    await this.notes.add(id, 'assign', assignee, caller.username);
    return { break: await this.one(id) };
  }

  @Post(':id/notes')
  @HttpCode(200)
  @Permission('reconciliation.write')
  @Audited('reconciliation.break.annotate')
  async annotate(@Param() params: unknown, @Body() body: unknown, @CallerOf() caller: Caller) {
    const { id } = parseRequest(breakId, params, '(path)');
    const { note } = parseRequest(annotateBreakRequestSchema, body);
    await this.existing(id);
    await this.notes.add(id, 'note', note, caller.username);
    return { break: await this.one(id) };
  }

  @Post(':id/resolve')
  @HttpCode(200)
  @Permission('reconciliation.write')
  @Audited('reconciliation.break.resolve')
  async resolve(@Param() params: unknown, @Body() body: unknown, @CallerOf() caller: Caller) {
    const { id } = parseRequest(breakId, params, '(path)');
    const request = parseRequest(resolveBreakRequestSchema, body);
    const resolved = await this.clearing.call<ClearingBreak>('POST', `/breaks/${id}/resolve`, request, {
      'x-operator': caller.username,
    });
    const notes = await this.notes.notesOf([id]);
    return { break: withNotes(resolved, notes.get(id)) };
  }

  /** Clearing's API lists breaks but has no route for one: it is found among the newest of any status. */
  private async find(id: number): Promise<ClearingBreak | undefined> {
    const { breaks } = await this.clearing.call<{ breaks: ClearingBreak[] }>('GET', `/breaks?limit=1000`);
    return breaks.find((b) => b.id === id);
  }

  private async existing(id: number): Promise<ClearingBreak> {
    return (await this.find(id)) ?? Promise.reject(notFound(`break ${id}`));
  }

  private async one(id: number) {
    const found = await this.existing(id);
    return withNotes(found, (await this.notes.notesOf([id])).get(id));
  }
}
