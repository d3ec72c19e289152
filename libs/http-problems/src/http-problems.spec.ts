import { BadRequestException, NotFoundException } from '@nestjs/common';
import { frameworkProblem, problemBody, ProblemTable } from './index';

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
