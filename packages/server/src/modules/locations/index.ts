export type { LocationsService } from './locations.service.ts';
export { checkCoordinates } from './coordinates.ts';
export type { CoordinateValues, IdentifierRow, LocationRow, LocationWithSchemaRow, SchemaWithIdentifiers } from './locations.repository.ts';
