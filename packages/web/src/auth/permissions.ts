import { useQuery } from '@tanstack/react-query';
import { client } from '../api/client.ts';
import { unwrap } from '../api/unwrap.ts';

/** What the server lets the logged-in person do (GET /api/v1/me); the pages show controls by it. */
export type Permission =
  | 'data:read'
  | 'data:write'
  | 'readings:read'
  | 'readings:write'
  | 'services:write'
  | 'account'
  | 'users:admin'
  | 'audit:read';

export const ME_QUERY_KEY = ['me'] as const;

export function useMe() {
  return useQuery({
    queryKey: ME_QUERY_KEY,
    queryFn: () => unwrap(client.api.GET('/api/v1/me')),
    staleTime: 5 * 60_000,
  });
}

/**
 * Whether the person may do this. While /me loads the answer is false: a write control appears
 * a moment late rather than flashing for someone who may not use it. The server checks every
 * request anyway; hiding a control is for clarity, not security.
 */
export function useCan(permission: Permission): boolean {
  const me = useMe();
  return (me.data?.permissions as readonly string[] | undefined)?.includes(permission) ?? false;
}
