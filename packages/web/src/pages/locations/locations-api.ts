import type { components } from '@mirrorbase/sdk';
import { client } from '../../api/client.ts';
import { MAX_PAGE, readAllPages } from '../../api/read-all-pages.ts';
import { unwrap } from '../../api/unwrap.ts';

export type LocationSchema = components['schemas']['DtbaseLocationSchema'];
export type LocationIdentifier = components['schemas']['DtbaseLocationIdentifier'];
export type Location = components['schemas']['Location'];
export type LocationSensor = components['schemas']['LocationSensor'];
export type Datatype = LocationIdentifier['datatype'];
export type CoordinateValue = Location['coordinates'][string];

export const DATATYPES: Datatype[] = ['float', 'integer', 'string', 'boolean'];

/** Every query of this page starts with this key, so one invalidation refreshes them all. */
export const LOCATIONS_KEY = ['locations'] as const;

export const schemasQuery = {
  queryKey: [...LOCATIONS_KEY, 'schemas'],
  queryFn: () => unwrap(client.api.GET('/location/list-location-schemas')),
};

export const identifiersQuery = {
  queryKey: [...LOCATIONS_KEY, 'identifiers'],
  queryFn: () => unwrap(client.api.GET('/location/list-location-identifiers')),
};

/** A schema's locations by id (the resource API gives each its id, needed for its sensors). */
export const locationsQuery = (schema: string) => ({
  queryKey: [...LOCATIONS_KEY, 'of-schema', schema],
  queryFn: () =>
    readAllPages((cursor) => unwrap(client.api.GET('/api/v1/locations', { params: { query: { schema, limit: MAX_PAGE, cursor } } }))),
});

export const locationSensorsQuery = (id: number) => ({
  queryKey: [...LOCATIONS_KEY, 'sensors-at', id],
  queryFn: () => unwrap(client.api.GET('/api/v1/locations/{id}/sensors', { params: { path: { id } } })),
});

/** "x (m)": an identifier as a column heading or a field label. */
export const identifierLabel = (identifier: Pick<LocationIdentifier, 'name' | 'units'>) =>
  identifier.units ? `${identifier.name} (${identifier.units})` : identifier.name;

/** A coordinate as a person reads it. */
export const formatCoordinate = (value: CoordinateValue | undefined) => (value === undefined ? '' : String(value));

/** "x = 1.5, y = 2": a location named by its coordinates, in its schema's identifier order. */
export function describeLocation(location: Location, identifiers: readonly LocationIdentifier[]) {
  return identifiers.map((i) => `${i.name} = ${formatCoordinate(location.coordinates[i.name])}`).join(', ');
}
