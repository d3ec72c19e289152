import { DomainFailure, Problem } from '@concord/http-problems';

/**
 * What every refusal of the clearing service shares, whichever domain refused: the stable `code` and the
 * `detail` of its problem, for logs and for the `confirmation.refused` event a participant reads, so that
 * a refusal reads the same over HTTP and on Kafka. Each domain's failure extends it with its own table.
 */
export abstract class ClearingError<E extends { kind: string } = { kind: string }> extends DomainFailure<E> {
  readonly code: string;
  readonly detail: string;

  constructor(error: E) {
    super(error);
    // toProblem reads only `error` and its domain's table, so it can answer before subclasses initialise.
    const problem: Problem = this.toProblem();
    this.code = problem.code;
    this.detail = problem.detail ?? problem.title;
    this.message = this.detail;
    this.name = new.target.name;
  }
}
