import { DomainFailure, mapProblem, ProblemMap } from '@concord/http-problems';
import { FieldError, invalidInput, Problem } from '../problems/problem';

/** Expected outcomes of the partners' books domain. */
export type BookError =
  | { kind: 'INVALID_BODY'; errors: FieldError[] }
  /** A transfer of the book cannot be read (its amount in its currency, a CSV line, an id twice). */
  | { kind: 'BOOK_REFUSED'; errors: FieldError[] }
  | { kind: 'PERIOD_TOO_LARGE'; max: number }
  | { kind: 'NOT_ACCEPTABLE'; accept: string };

/** The one table of the domain's problems; exhaustive: an error without a row does not compile. */
export const BOOK_PROBLEMS: ProblemMap<BookError> = {
  INVALID_BODY: (e) => invalidInput('body', e.errors),
  BOOK_REFUSED: (e) =>
    new Problem(422, 'BOOK_REFUSED', 'The book was refused whole', {
      detail: `${e.errors[0]?.field ?? 'the book'}: ${e.errors[0]?.message ?? 'unreadable'}`,
      errors: e.errors,
    }),
  PERIOD_TOO_LARGE: (e) =>
    new Problem(422, 'PERIOD_TOO_LARGE', 'The period holds too many transfers', {
      detail: `Concord has more than ${e.max} of your transfers in the period; reconcile shorter periods`,
      errors: [{ field: 'to', message: 'choose an earlier end' }],
    }),
  NOT_ACCEPTABLE: (e) =>
    new Problem(406, 'NOT_ACCEPTABLE', 'Not acceptable', {
      detail: `book reports are served as application/json or text/csv, not ${e.accept}`,
    }),
};

/** A book refused with an expected outcome; answered through BOOK_PROBLEMS. */
export class BookFailure extends DomainFailure<BookError> {
  toProblem(): Problem {
    return mapProblem(BOOK_PROBLEMS, this.error);
  }
}
