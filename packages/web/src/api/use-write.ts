import { type QueryKey, useMutation, useQueryClient } from '@tanstack/react-query';

/**
 * A write that refetches what it changed: on success every query whose key starts with
 * `invalidates` is marked stale and refetched, and the mutation stays pending until they are
 * back, so a table never shows the row just deleted.
 */
export function useWrite<TVariables = void, TData = unknown>(write: (variables: TVariables) => Promise<TData>, invalidates: QueryKey) {
  const queryClient = useQueryClient();
  return useMutation({ mutationFn: write, onSuccess: () => queryClient.invalidateQueries({ queryKey: invalidates }) });
}
