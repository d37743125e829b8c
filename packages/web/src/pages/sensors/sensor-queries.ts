import type { components } from '@mirrorbase/sdk';
import { useQuery } from '@tanstack/react-query';
import { client } from '../../api/client.ts';
import { MAX_PAGE, readAllPages } from '../../api/read-all-pages.ts';
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

export function useSensorTypes() {
  return useQuery({
    queryKey: SENSOR_TYPES_KEY,
    queryFn: () =>
      readAllPages((cursor) => unwrap(client.api.GET('/api/v1/sensor-types', { params: { query: { limit: MAX_PAGE, cursor } } }))),
  });
}

export function useSensorMeasures() {
  return useQuery({
    queryKey: SENSOR_MEASURES_KEY,
    queryFn: () =>
      readAllPages((cursor) => unwrap(client.api.GET('/api/v1/sensor-measures', { params: { query: { limit: MAX_PAGE, cursor } } }))),
  });
}

export function useSensors() {
  return useQuery({
    queryKey: SENSORS_KEY,
    queryFn: () => readAllPages((cursor) => unwrap(client.api.GET('/api/v1/sensors', { params: { query: { limit: MAX_PAGE, cursor } } }))),
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
