import type { Database } from '../../db/database.ts';
import { createLocationsService } from './locations.service.ts';

/** The locations service, for the DTBase routes and the resource API alike. */
export function locationsModule(db: Database) {
  return createLocationsService({ db });
}

export { resolveLocation, type LocationsService } from './locations.service.ts';
export { checkCoordinates } from './coordinates.ts';
export type { CoordinateValues, IdentifierRow, LocationRow, LocationWithSchemaRow, SchemaWithIdentifiers } from './locations.repository.ts';
