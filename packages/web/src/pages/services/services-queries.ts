import { useQuery } from '@tanstack/react-query';
import { client } from '../../api/client.ts';
import { unwrap } from '../../api/unwrap.ts';
import { MAX_PAGE, readAllPages } from '../../api/read-all-pages.ts';

/** Query keys of the services area: writes invalidate these, live events too. */
export const servicesKeys = {
  all: ['services'] as const,
  list: () => ['services', 'list'] as const,
  one: (name: string) => ['services', 'one', name] as const,
  parameterSets: (name: string) => ['services', 'parameter-sets', name] as const,
  runs: (name: string) => ['services', 'runs', name] as const,
  schedules: (name: string) => ['services', 'schedules', name] as const,
};

export const listServices = () =>
  readAllPages((cursor) => unwrap(client.api.GET('/api/v1/services', { params: { query: { limit: MAX_PAGE, cursor } } })));

export const getService = (name: string) => unwrap(client.api.GET('/api/v1/services/{name}', { params: { path: { name } } }));

export const listParameterSets = (name: string) =>
  readAllPages((cursor) =>
    unwrap(client.api.GET('/api/v1/services/{name}/parameter-sets', { params: { path: { name }, query: { limit: MAX_PAGE, cursor } } })),
  );

/** A service's parameter sets: listed on its page, offered by "run now" and by a new schedule. */
export const useParameterSets = (service: string) =>
  useQuery({ queryKey: servicesKeys.parameterSets(service), queryFn: () => listParameterSets(service) });

export const listSchedules = (service: string) =>
  readAllPages((cursor) => unwrap(client.api.GET('/api/v1/schedules', { params: { query: { service, limit: MAX_PAGE, cursor } } })));

/** The latest runs, newest first: the history shows the last RUN_HISTORY_SIZE. */
export const RUN_HISTORY_SIZE = 50;
export const listRecentRuns = (name: string) =>
  unwrap(
    client.api.GET('/api/v1/services/{name}/runs', { params: { path: { name }, query: { order: 'newest', limit: RUN_HISTORY_SIZE } } }),
  );
