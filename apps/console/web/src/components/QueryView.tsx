import type { ReactNode } from 'react';
import type { UseQueryResult } from '@tanstack/react-query';
import { ApiError } from '../lib/api';

/** What went wrong, as the API said it (a down dependency is named in the problem's detail). */
export function ProblemView({ error }: { error: unknown }) {
  const problem =
    error instanceof ApiError ? error.problem : { status: 0, title: String(error), detail: undefined };
  return (
    <div className="problem" role="alert">
      <strong>{problem.title}</strong>
      {problem.detail ? <span> — {problem.detail}</span> : null}
      {problem.status >= 500 || problem.status === 0 ? (
        <span className="muted"> (retrying by itself)</span>
      ) : null}
    </div>
  );
}

/** Renders a query's data, or its loading state or problem; a failed query keeps retrying. */
export function QueryView<T>({
  query,
  children,
}: {
  query: UseQueryResult<T>;
  children: (data: T) => ReactNode;
}) {
  if (query.data !== undefined) {
    return (
      <>
        {query.error ? <ProblemView error={query.error} /> : null}
        {children(query.data)}
      </>
    );
  }
  if (query.error) return <ProblemView error={query.error} />;
  return (
    <p className="muted" role="status">
      Loading…
    </p>
  );
}
