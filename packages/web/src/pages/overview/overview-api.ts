import type { components } from '@mirrorbase/sdk';
import { client } from '../../api/client.ts';
import { type ListPage, MAX_PAGE, readAllPages } from '../../api/read-all-pages.ts';
import { unwrap } from '../../api/unwrap.ts';
import { formatNumber } from '../../format.ts';

export type ServiceRun = components['schemas']['ServiceRun'];
type Sensor = components['schemas']['Sensor'];

/** Every query of this page starts with this key. */
export const OVERVIEW_KEY = ['overview'] as const;

/** The latest reading of one measure of one sensor (null value and time before its first). */
export interface LatestValue {
  sensor: string;
  sensorName: string | null;
  measure: string;
  units: string | null;
  timestamp: string | null;
  value: number | string | boolean | null;
}

export const latestKey = [...OVERVIEW_KEY, 'latest'] as const;
export const recentRunsKey = [...OVERVIEW_KEY, 'recent-runs'] as const;

/** How many recent service runs the overview shows. */
export const RECENT_RUNS = 10;

type Counted = { key: string; label: string; to: string; read: (cursor: string | undefined) => Promise<ListPage<unknown>> };

const page = { limit: MAX_PAGE };

/**
 * What the overview counts, each linking to its page. The resource API does not count (a count
 * would scan), so each list is read through to its end: cheap at a twin's scale of hundreds.
 */
export const COUNTED: Counted[] = [
  {
    key: 'sensors',
    label: 'Sensors',
    to: '/sensors',
    read: (cursor) => unwrap(client.api.GET('/api/v1/sensors', { params: { query: { ...page, cursor } } })),
  },
  {
    key: 'sensor-types',
    label: 'Sensor types',
    to: '/sensor-types',
    read: (cursor) => unwrap(client.api.GET('/api/v1/sensor-types', { params: { query: { ...page, cursor } } })),
  },
  {
    key: 'locations',
    label: 'Locations',
    to: '/locations',
    read: (cursor) => unwrap(client.api.GET('/api/v1/locations', { params: { query: { ...page, cursor } } })),
  },
  {
    key: 'location-schemas',
    label: 'Location schemas',
    to: '/locations',
    read: (cursor) => unwrap(client.api.GET('/api/v1/location-schemas', { params: { query: { ...page, cursor } } })),
  },
  {
    key: 'models',
    label: 'Models',
    to: '/models',
    read: (cursor) => unwrap(client.api.GET('/api/v1/models', { params: { query: { ...page, cursor } } })),
  },
  {
    key: 'scenarios',
    label: 'Scenarios',
    to: '/models',
    read: (cursor) => unwrap(client.api.GET('/api/v1/scenarios', { params: { query: { ...page, cursor } } })),
  },
  {
    key: 'services',
    label: 'Services',
    to: '/services',
    read: (cursor) => unwrap(client.api.GET('/api/v1/services', { params: { query: { ...page, cursor } } })),
  },
  {
    key: 'schedules',
    label: 'Schedules',
    to: '/services',
    read: (cursor) => unwrap(client.api.GET('/api/v1/schedules', { params: { query: { ...page, cursor } } })),
  },
];

export const countQuery = (counted: Counted) => ({
  queryKey: [...OVERVIEW_KEY, 'count', counted.key],
  queryFn: async () => (await readAllPages(counted.read)).length,
});

/**
 * The latest value of every measure of every sensor: the server answers per sensor type, so one
 * request per type (a handful), with the sensors' names from the sensor list.
 */
export async function readLatestValues(): Promise<LatestValue[]> {
  const [types, sensors] = await Promise.all([
    readAllPages((cursor) => unwrap(client.api.GET('/api/v1/sensor-types', { params: { query: { ...page, cursor } } }))),
    readAllPages((cursor) => unwrap(client.api.GET('/api/v1/sensors', { params: { query: { ...page, cursor } } }))),
  ]);
  const names = new Map(sensors.map((s: Sensor) => [s.unique_identifier, s.name]));
  const answers = await Promise.all(
    types.map((type) => unwrap(client.api.GET('/api/v1/readings/latest', { params: { query: { sensor_type: type.name } } }))),
  );
  return answers.flatMap((answer) =>
    ('sensors' in answer ? answer.sensors : [answer]).flatMap((entry) =>
      entry.measures.map((m) => ({
        sensor: entry.sensor,
        sensorName: names.get(entry.sensor) ?? null,
        measure: m.measure,
        units: m.units,
        timestamp: m.timestamp,
        value: m.value,
      })),
    ),
  );
}

export const recentRunsQuery = {
  queryKey: recentRunsKey,
  queryFn: () => unwrap(client.api.GET('/api/v1/service-runs', { params: { query: { limit: RECENT_RUNS } } })),
};

/** A value as a person reads it, with its units. */
export function formatValue(value: LatestValue['value'], units: string | null): string {
  if (value === null) return '—';
  const text = typeof value === 'number' ? formatNumber(value) : String(value);
  return units ? `${text} ${units}` : text;
}
