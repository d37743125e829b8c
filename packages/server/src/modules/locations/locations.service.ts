import type { Database, Queryable } from '../../db/database.ts';
import type { EntityChanged, Events } from '../../events/events.ts';
import type { ValueDatatype } from '../../db/schema/common.ts';
import { conflict, missingRecord, unprocessable } from '../../errors.ts';
import { translateViolations } from '../shared/constraint-errors.ts';
import { assertDatatype, type Value } from '../shared/values.ts';
import { autoSchemaName, checkCoordinates, coordinatesFromText } from './coordinates.ts';
import {
  locationsRepository,
  type CoordinateValues,
  type IdentifierRow,
  type LocationRow,
  type LocationsRepository,
  type LocationWithSchemaRow,
  type Page,
  type SchemaWithIdentifiers,
} from './locations.repository.ts';

export interface IdentifierInput {
  name: string;
  units?: string | null;
  datatype: ValueDatatype;
}

export interface SchemaInput {
  name: string;
  description?: string | null;
  identifiers: IdentifierInput[];
}

const SCHEMA_MISSING = 'Location schema does not exist';

/**
 * sensor_location's foreign key to location (the sensors module's table, migration 0000). It
 * refuses to delete a location a sensor is installed at; this module never reads that table.
 */
const INSTALLATION_LOCATION_FK = 'sensor_location_location_id_location_id_fk';

const changed = (entity: 'location' | 'location_schema', action: EntityChanged['action'], key: string | number): EntityChanged => ({
  type: 'entity.changed',
  entity,
  action,
  key: String(key),
});

/** Coordinates are keyed by identifier name, so a schema cannot hold two identifiers of one name. */
function assertDistinctNames(identifiers: readonly IdentifierInput[]) {
  const seen = new Set<string>();
  for (const { name } of identifiers) {
    if (seen.has(name)) throw unprocessable(`Identifier name ${JSON.stringify(name)} appears more than once`);
    seen.add(name);
  }
}

const describeUnits = (units: string | null) => (units === null ? 'no units' : `units ${JSON.stringify(units)}`);

/** The identifier with this (name, units), created if new; a 409 if it exists with another datatype. */
async function resolveIdentifier(repo: LocationsRepository, input: IdentifierInput): Promise<IdentifierRow> {
  const units = input.units ?? null;
  // Look first, so that reusing an identifier does not use up a sequence value; the insert
  // (ON CONFLICT DO NOTHING) then only has to cover a concurrent request creating the same one.
  const row =
    (await repo.findIdentifier(input.name, units)) ??
    (await repo.insertIdentifier(input.name, units, input.datatype)) ??
    (await repo.findIdentifier(input.name, units));
  if (!row) throw conflict(`Location identifier ${JSON.stringify(input.name)} could not be created`);
  if (row.datatype !== input.datatype) {
    throw conflict(
      `Location identifier ${JSON.stringify(input.name)} with ${describeUnits(units)} exists already ` +
        `with datatype ${row.datatype}, not ${input.datatype}`,
    );
  }
  return row;
}

/**
 * Inserts a location unless the same place exists in the schema (then a 409). Looking first
 * keeps the ids of a fresh database free of gaps that refused duplicates would leave.
 */
async function insertNewLocation(
  repo: LocationsRepository,
  schemaId: number,
  coordinates: CoordinateValues,
  duplicate: string,
): Promise<LocationRow> {
  if (await repo.findLocation(schemaId, coordinates)) throw conflict(duplicate);
  const location = await repo.insertLocation(schemaId, coordinates);
  if (!location) throw conflict(duplicate);
  return location;
}

export function createLocationsService(deps: { db: Database; events: Events }) {
  const { db, events } = deps;
  const reader = locationsRepository(db);
  const publish = (q: Queryable, ...changes: EntityChanged[]) => events.publish(q, changes);

  async function requireSchema(repo: LocationsRepository, name: string): Promise<SchemaWithIdentifiers> {
    const schema = await repo.findSchema(name);
    if (!schema) throw missingRecord(SCHEMA_MISSING);
    return schema;
  }

  return {
    insertSchema: (input: SchemaInput) =>
      db.transaction(async (tx) => {
        const repo = locationsRepository(tx);
        assertDistinctNames(input.identifiers);
        const duplicate = 'LocationSchema exists already';
        if (await repo.findSchema(input.name)) throw conflict(duplicate);
        const schema = await repo.insertSchema(input.name, input.description ?? null);
        if (!schema) throw conflict(duplicate);
        for (const identifier of input.identifiers) {
          await repo.linkIdentifier(schema.id, (await resolveIdentifier(repo, identifier)).id);
        }
        await publish(tx, changed('location_schema', 'created', schema.name));
      }),

    /**
     * DTBase's insert-location: the schema is named after the sorted identifier names and
     * created on first use. Unlike DTBase, which answered 409 whenever that schema already
     * existed (so only one location per identifier set could ever be inserted this way), a
     * further location in the same schema is created; only an identical location is a 409.
     */
    insertLocation: (input: { identifiers: IdentifierInput[]; values: unknown[] }) =>
      db.transaction(async (tx): Promise<string> => {
        const repo = locationsRepository(tx);
        if (input.identifiers.length !== input.values.length) {
          throw unprocessable(
            `identifiers and values must have the same length (got ${input.identifiers.length} and ${input.values.length})`,
          );
        }
        assertDistinctNames(input.identifiers);
        for (const [i, identifier] of input.identifiers.entries()) {
          assertDatatype(input.values[i], identifier.datatype, `identifier ${JSON.stringify(identifier.name)}`);
        }
        const identifiers = [];
        for (const identifier of input.identifiers) identifiers.push(await resolveIdentifier(repo, identifier));

        const schemaName = autoSchemaName(identifiers.map((i) => i.name));
        const duplicate = 'Location or schema exists already';
        let schema = await repo.findSchema(schemaName);
        const changes: EntityChanged[] = [];
        if (schema) {
          const wanted = identifiers
            .map((i) => i.id)
            .sort((a, b) => a - b)
            .join();
          const existing = schema.identifiers
            .map((i) => i.id)
            .sort((a, b) => a - b)
            .join();
          if (wanted !== existing) {
            throw conflict(`Location schema ${JSON.stringify(schemaName)} exists already with other identifiers`);
          }
        } else {
          const created = await repo.insertSchema(schemaName, schemaName);
          if (!created) throw conflict(duplicate);
          for (const identifier of identifiers) await repo.linkIdentifier(created.id, identifier.id);
          schema = { ...created, identifiers };
          changes.push(changed('location_schema', 'created', schemaName));
        }
        const coordinates = Object.fromEntries(identifiers.map((i, n) => [i.name, input.values[n] as Value]));
        const location = await insertNewLocation(repo, schema.id, coordinates, duplicate);
        await publish(tx, ...changes, changed('location', 'created', location.id));
        return schemaName;
      }),

    insertLocationForSchema: (schemaName: string, coordinates: Record<string, unknown>) =>
      db.transaction(async (tx) => {
        const repo = locationsRepository(tx);
        const schema = await requireSchema(repo, schemaName);
        const checked = checkCoordinates(schemaName, schema.identifiers, coordinates);
        const location = await insertNewLocation(repo, schema.id, checked, 'Location exists already');
        await publish(tx, changed('location', 'created', location.id));
      }),

    /**
     * Locations of a schema, optionally only those matching some coordinates. An unknown schema
     * has no locations: none, not an error (DTBase answered 200 there, though with every location).
     */
    async listLocations(
      schemaName: string,
      filter: Record<string, unknown> = {},
      page: { afterId?: number; limit?: number } = {},
    ): Promise<LocationRow[]> {
      const schema = await reader.findSchema(schemaName);
      if (!schema) return [];
      return reader.listLocations(schema.id, checkCoordinates(schemaName, schema.identifiers, filter, { partial: true }), page);
    },

    /** Schemas by id with a cursor (id > afterId) and a limit; all of them by default. */
    listSchemas: (page: Page = {}) => reader.listSchemas(page),

    /** A location with its schema's name, or undefined. */
    findLocationById: (id: number) => reader.findLocationById(id),

    /** The locations among these ids that exist, with their schemas' names, in id order. */
    findLocationsByIds: async (ids: readonly number[]): Promise<LocationWithSchemaRow[]> =>
      ids.length === 0 ? [] : reader.findLocationsByIds(ids),

    /**
     * The location at these coordinates of the schema (where a sensor is installed): 400 for an
     * unknown schema or place, 422 for coordinates that do not fit the schema.
     */
    async resolveLocation(schemaName: string, coordinates: Record<string, unknown>): Promise<LocationRow> {
      const schema = await reader.findSchema(schemaName);
      if (!schema) throw missingRecord(SCHEMA_MISSING);
      const location = await reader.findLocation(schema.id, checkCoordinates(schemaName, schema.identifiers, coordinates));
      if (!location) throw missingRecord('Location does not exist');
      return location;
    },

    /**
     * Locations by id for the resource API: of one schema when named (none for an unknown
     * schema, as for any filter), matching coordinate values given as query-string text,
     * which need the schema to be read (422 without it).
     */
    async listLocationsByText(
      filter: { schemaName?: string; coordinates?: Record<string, string> },
      page: Page = {},
    ): Promise<LocationWithSchemaRow[]> {
      const texts = filter.coordinates ?? {};
      if (filter.schemaName === undefined) {
        if (Object.keys(texts).length > 0) throw unprocessable('Coordinate filters need a schema: add schema=<name>');
        return reader.listLocationsWithSchema({}, page);
      }
      const schema = await reader.findSchema(filter.schemaName);
      if (!schema) return [];
      const coordinates = coordinatesFromText(schema.name, schema.identifiers, texts);
      return reader.listLocationsWithSchema({ schemaId: schema.id, coordinates }, page);
    },

    /** The schema with its identifiers, or undefined. */
    findSchema: (name: string) => reader.findSchema(name),

    async getSchemaDetails(name: string): Promise<SchemaWithIdentifiers> {
      const schema = await reader.findSchema(name);
      if (!schema) throw missingRecord('No such schema');
      return schema;
    },

    listIdentifiers: () => reader.listIdentifiers(),

    deleteSchema: (name: string) =>
      db.transaction(async (tx) => {
        const repo = locationsRepository(tx);
        const schema = await repo.findSchema(name);
        if (!schema) throw missingRecord(`Location schema '${name}' not found.`);
        const inUse = `Location schema '${name}' still has locations; delete them first.`;
        const count = await repo.countLocations(schema.id);
        if (count > 0) throw conflict(`Location schema '${name}' still has ${count} location(s); delete them first.`);
        await translateViolations(() => repo.deleteSchema(schema.id), { foreignKey: inUse });
        await publish(tx, changed('location_schema', 'deleted', name));
      }),

    deleteLocation: (schemaName: string, coordinates: Record<string, unknown>) =>
      db.transaction(async (tx) => {
        const repo = locationsRepository(tx);
        const notFound = 'Location not found';
        const schema = await repo.findSchema(schemaName);
        if (!schema) throw missingRecord(notFound);
        const location = await repo.findLocation(schema.id, checkCoordinates(schemaName, schema.identifiers, coordinates));
        if (!location) throw missingRecord(notFound);
        // Installations disappear only with their sensor (DTBase has no route to remove one).
        // Their foreign key refuses the delete while any refers to the location, race-free.
        const inUse = 'Location cannot be deleted: sensor installations refer to it (delete those sensors first).';
        await translateViolations(() => repo.deleteLocation(location.id), {
          constraints: { [INSTALLATION_LOCATION_FK]: inUse },
        });
        await publish(tx, changed('location', 'deleted', location.id));
      }),
  };
}

export type LocationsService = ReturnType<typeof createLocationsService>;
export type { CoordinateValues, IdentifierRow, LocationRow, LocationWithSchemaRow, SchemaWithIdentifiers };
