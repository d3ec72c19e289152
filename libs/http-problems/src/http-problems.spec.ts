import { BadRequestException, NotFoundException } from '@nestjs/common';
import { z } from 'zod';
import {
  DomainFailure,
  fieldErrors,
  frameworkProblem,
  mapProblem,
  Problem,
  problemBody,
  ProblemMap,
  ProblemTable,
} from './index';

const TABLE: ProblemTable<'LIMIT_EXCEEDED'> = {
  LIMIT_EXCEEDED: [422, 'The limit is exceeded'],
  NOT_FOUND: [404, 'No such resource'],
  MALFORMED_REQUEST: [400, 'The request could not be read'],
  INTERNAL_ERROR: [500, 'Internal error'],
};

describe('problem+json bodies', () => {
  it('derives the type URI, status and title from the code, and names the fields', () => {
    expect(problemBody(TABLE, 'LIMIT_EXCEEDED', 'too much', [{ field: 'amount', message: 'over' }])).toEqual({
      type: 'https://concord.example/problems/limit-exceeded',
      title: 'The limit is exceeded',
      status: 422,
      code: 'LIMIT_EXCEEDED',
      detail: 'too much',
      errors: [{ field: 'amount', message: 'over' }],
    });
    expect(problemBody(TABLE, 'NOT_FOUND')).toEqual({
      type: 'https://concord.example/problems/not-found',
      title: 'No such resource',
      status: 404,
      code: 'NOT_FOUND',
    });
  });

  it("maps the framework's errors and hides the detail of anything else", () => {
    expect(frameworkProblem(TABLE, new NotFoundException('no route'))).toMatchObject({
      status: 404,
      code: 'NOT_FOUND',
    });
    expect(frameworkProblem(TABLE, new BadRequestException('bad'))).toMatchObject({
      code: 'MALFORMED_REQUEST',
    });
    expect(frameworkProblem(TABLE, { statusCode: 415, message: 'unsupported type' })).toMatchObject({
      status: 400,
      code: 'MALFORMED_REQUEST',
      detail: 'unsupported type',
    });
    const bug = frameworkProblem(TABLE, new Error('secret internals'));
    expect(bug).toMatchObject({ status: 500, code: 'INTERNAL_ERROR', detail: 'the error was logged' });
    expect(JSON.stringify(bug)).not.toContain('secret');
  });
});

type LimitError = { kind: 'OVER_LIMIT'; limit: string } | { kind: 'NO_LIMIT' };

const LIMIT_PROBLEMS: ProblemMap<LimitError> = {
  OVER_LIMIT: (e) =>
    new Problem(422, 'LIMIT_EXCEEDED', 'The limit is exceeded', {
      detail: `at most ${e.limit}`,
      headers: { 'retry-after': '5' },
      extensions: { limit: e.limit },
    }),
  NO_LIMIT: () => new Problem(404, 'NO_LIMIT', 'No limit'),
};

class LimitFailure extends DomainFailure<LimitError> {
  toProblem(): Problem {
    return mapProblem(LIMIT_PROBLEMS, this.error);
  }
}

describe('problems as values', () => {
  it("maps a domain's typed failure through its table, with headers and extension members", () => {
    const problem = new LimitFailure({ kind: 'OVER_LIMIT', limit: '10.00' }).toProblem();
    expect(problem.headers).toEqual({ 'retry-after': '5' });
    expect(JSON.parse(JSON.stringify(problem))).toEqual({
      type: 'https://concord.example/problems/limit-exceeded',
      title: 'The limit is exceeded',
      status: 422,
      code: 'LIMIT_EXCEEDED',
      detail: 'at most 10.00',
      limit: '10.00',
    });
    expect(new LimitFailure({ kind: 'NO_LIMIT' }).toProblem().toJSON()).toEqual({
      type: 'https://concord.example/problems/no-limit',
      title: 'No limit',
      status: 404,
      code: 'NO_LIMIT',
    });
  });

  it('turns zod issues into field errors: paths, unknown keys by name, the whole value, a prefix', () => {
    const schema = z.strictObject({ amount: z.string(), legs: z.array(z.number()) });
    const bad = schema.safeParse({ amount: 1, legs: [1, 'x'], extra: true, more: 1 });
    expect(bad.success).toBe(false);
    expect(fieldErrors(bad.error!.issues, '(body)')).toEqual([
      { field: 'amount', message: expect.any(String) },
      { field: 'legs.1', message: expect.any(String) },
      { field: 'extra, more', message: expect.any(String) },
    ]);
    const whole = schema.safeParse('text');
    expect(fieldErrors(whole.error!.issues, '(body)', 'transfers.2.')).toEqual([
      { field: 'transfers.2.(body)', message: expect.any(String) },
    ]);
  });
});
