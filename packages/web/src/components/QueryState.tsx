import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { ErrorMessage } from './ErrorMessage.tsx';
import { Loading } from './Loading.tsx';

/** Renders a query's data, or its loading state, or its error in words. */
export function QueryState<T>({ query, label, children }: { query: UseQueryResult<T>; label?: string; children: (data: T) => ReactNode }) {
  if (query.isPending) return <Loading label={label ? `Loading ${label}` : 'Loading'} />;
  if (query.isError) return <ErrorMessage error={query.error} title={label ? `Could not load ${label}` : 'Could not load'} />;
  return <>{children(query.data)}</>;
}
