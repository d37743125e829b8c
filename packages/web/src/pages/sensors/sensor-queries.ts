import type { components } from '@mirrorbase/sdk';
import { useQuery } from '@tanstack/react-query';
import { client } from '../../api/client.ts';
import { unwrap } from '../../api/unwrap.ts';

export type SensorType = components['schemas']['SensorType'];
export type SensorMeasure = components['schemas']['SensorMeasure'];
export type Sensor = components['schemas']['Sensor'];
export type SensorDetails = components['schemas']['SensorDetails'];
export type Datatype = SensorMeasure['datatype'];

export const DATATYPES: readonly Datatype[] = ['float', 'integer', 'boolean', 'string'];

export const SENSOR_TYPES_KEY = ['sensor-types'] as const;
export const SENSOR_MEASURES_KEY = ['sensor-measures'] as const;
export const SENSORS_KEY = ['sensors'] as const;
export const sensorKey = (uid: string) => ['sensors', uid] as const;
export const sensorLocationsKey = (uid: string) => ['sensors', uid, 'locations'] as const;

/** The largest page the list routes serve: most deployments fit in one request. */
const PAGE_LIMIT = 1000;

/** Every item of a cursor-paged list: the pages and tables here show whole lists. */
async function allPages<T>(fetchPage: (cursor: string | undefined) => Promise<{ items: T[]; next_cursor: string | null }>): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await fetchPage(cursor);
    items.push(...page.items);
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  return items;
}

export function useSensorTypes() {
  return useQuery({
    queryKey: SENSOR_TYPES_KEY,
    queryFn: () =>
      allPages((cursor) => unwrap(client.api.GET('/api/v1/sensor-types', { params: { query: { limit: PAGE_LIMIT, cursor } } }))),
  });
}

export function useSensorMeasures() {
  return useQuery({
    queryKey: SENSOR_MEASURES_KEY,
    queryFn: () =>
      allPages((cursor) => unwrap(client.api.GET('/api/v1/sensor-measures', { params: { query: { limit: PAGE_LIMIT, cursor } } }))),
  });
}

export function useSensors() {
  return useQuery({
    queryKey: SENSORS_KEY,
    queryFn: () => allPages((cursor) => unwrap(client.api.GET('/api/v1/sensors', { params: { query: { limit: PAGE_LIMIT, cursor } } }))),
  });
}

export function useSensor(uid: string) {
  return useQuery({
    queryKey: sensorKey(uid),
    queryFn: () => unwrap(client.api.GET('/api/v1/sensors/{uid}', { params: { path: { uid } } })),
  });
}

/** A measure as a person reads it: its name, and its units when it has them. */
export function measureLabel(measure: { name: string; units: string | null }): string {
  return measure.units ? `${measure.name} (${measure.units})` : measure.name;
}

/** The path of a sensor's page (the router's types do not know the pages' paths: they are lazy). */
export const sensorPath = (uid: string): string => `/sensors/${encodeURIComponent(uid)}`;
