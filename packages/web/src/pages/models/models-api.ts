import type { components } from '@mirrorbase/sdk';
import { client } from '../../api/client.ts';
import { MAX_PAGE, readAllPages } from '../../api/read-all-pages.ts';
import { unwrap } from '../../api/unwrap.ts';

export { formatTime } from '../../format.ts';

export type Model = components['schemas']['Model'];
export type Scenario = components['schemas']['Scenario'];
export type ModelMeasure = components['schemas']['ModelMeasure'];
export type ModelRun = components['schemas']['ModelRun'];

/** Every query of this page starts with this key, so one invalidation refreshes them all. */
export const MODELS_KEY = ['models'] as const;

export const modelsQuery = {
  queryKey: [...MODELS_KEY, 'list'],
  queryFn: () => readAllPages((cursor) => unwrap(client.api.GET('/api/v1/models', { params: { query: { limit: MAX_PAGE, cursor } } }))),
};

export const scenariosQuery = {
  queryKey: [...MODELS_KEY, 'scenarios'],
  queryFn: () => readAllPages((cursor) => unwrap(client.api.GET('/api/v1/scenarios', { params: { query: { limit: MAX_PAGE, cursor } } }))),
};

export const measuresQuery = {
  queryKey: [...MODELS_KEY, 'measures'],
  queryFn: () =>
    readAllPages((cursor) => unwrap(client.api.GET('/api/v1/model-measures', { params: { query: { limit: MAX_PAGE, cursor } } }))),
};

/** How far back the run list reaches: runs pile up (a forecast a day), so the page shows a window. */
export const RUN_WINDOWS = [
  { label: 'Last 7 days', days: 7 },
  { label: 'Last 30 days', days: 30 },
  { label: 'Last year', days: 365 },
  { label: 'All time', days: undefined },
] as const;

export const runsQuery = (model: string | undefined, days: number | undefined) => ({
  queryKey: [...MODELS_KEY, 'runs', model ?? '', days ?? 'all'],
  queryFn: () => {
    const from = days === undefined ? undefined : new Date(Date.now() - days * 86_400_000).toISOString();
    return readAllPages((cursor) =>
      unwrap(client.api.GET('/api/v1/runs', { params: { query: { model: model || undefined, from, limit: MAX_PAGE, cursor } } })),
    );
  },
});

// Paths as text for RunsTable's links (typed `<Link to="/models/runs/$id" params>` would do: left while its page is being built).
export const runPath = (id: number) => `/models/runs/${id}`;
export const sensorPath = (uid: string) => `/sensors/${encodeURIComponent(uid)}`;
