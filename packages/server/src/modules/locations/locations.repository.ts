import type { Queryable } from '../../db/database.ts';
import type { ValueDatatype } from '../../db/schema/common.ts';
import type { Value } from '../shared/values.ts';

export type CoordinateValues = Record<string, Value>;

export interface IdentifierRow {
  id: number;
  name: string;
  units: string | null;
  datatype: ValueDatatype;
}

export interface SchemaRow {
  id: number;
  name: string;
  description: string | null;
}

export interface SchemaWithIdentifiers extends SchemaRow {
  identifiers: IdentifierRow[];
}

export interface LocationRow {
  id: number;
  schemaId: number;
  coordinates: CoordinateValues;
}

/** A location with the name of its schema, as the resource API shows it. */
export interface LocationWithSchemaRow extends LocationRow {
  schemaName: string;
}

export interface Page {
  afterId?: number;
  limit?: number;
}

const IDENTIFIER_COLUMNS = `id, name, units, datatype::text AS datatype`;
const SCHEMA_COLUMNS = `id, name, description`;
const LOCATION_COLUMNS = `id, schema_id AS "schemaId", coordinates`;
const LOCATION_WITH_SCHEMA_COLUMNS = `l.id, l.schema_id AS "schemaId", s.name AS "schemaName", l.coordinates`;

// A schema's identifiers as a JSON array, sorted by name as DTBase lists them.
const SCHEMA_IDENTIFIERS_JSON = `COALESCE((
    SELECT json_agg(json_build_object('id', i.id, 'name', i.name, 'units', i.units, 'datatype', i.datatype)
                    ORDER BY i.name, i.units NULLS FIRST, i.id)
    FROM location_schema_identifier si JOIN location_identifier i ON i.id = si.identifier_id
    WHERE si.schema_id = s.id), '[]'::json) AS identifiers`;

/**
 * Coordinates go to SQL as JSON text cast to jsonb: both drivers pass a text parameter through
 * untouched, whereas a jsonb-typed parameter would be serialised by each in its own way.
 */
const json = (value: unknown) => JSON.stringify(value);

export function locationsRepository(db: Queryable) {
  return {
    async findIdentifier(name: string, units: string | null): Promise<IdentifierRow | undefined> {
      const rows = await db.query<IdentifierRow>(
        `SELECT ${IDENTIFIER_COLUMNS} FROM location_identifier WHERE name = $1 AND units IS NOT DISTINCT FROM $2`,
        [name, units],
      );
      return rows[0];
    },

    /** Inserts unless (name, units) exists; returns the new row or undefined. */
    async insertIdentifier(name: string, units: string | null, datatype: ValueDatatype): Promise<IdentifierRow | undefined> {
      const rows = await db.query<IdentifierRow>(
        `INSERT INTO location_identifier (name, units, datatype) VALUES ($1, $2, $3::value_datatype)
         ON CONFLICT DO NOTHING RETURNING ${IDENTIFIER_COLUMNS}`,
        [name, units, datatype],
      );
      return rows[0];
    },

    listIdentifiers(): Promise<IdentifierRow[]> {
      return db.query<IdentifierRow>(`SELECT ${IDENTIFIER_COLUMNS} FROM location_identifier ORDER BY id`);
    },

    async findSchema(name: string): Promise<SchemaWithIdentifiers | undefined> {
      const rows = await db.query<SchemaWithIdentifiers>(
        `SELECT ${SCHEMA_COLUMNS}, ${SCHEMA_IDENTIFIERS_JSON} FROM location_schema s WHERE name = $1`,
        [name],
      );
      return rows[0];
    },

    /** Schemas by id, after the cursor `afterId`, at most `limit` (all by default). */
    listSchemas(page: Page = {}): Promise<SchemaWithIdentifiers[]> {
      return db.query<SchemaWithIdentifiers>(
        `SELECT ${SCHEMA_COLUMNS}, ${SCHEMA_IDENTIFIERS_JSON} FROM location_schema s WHERE id > $1 ORDER BY id LIMIT $2`,
        [page.afterId ?? 0, page.limit ?? null],
      );
    },

    /** Inserts unless the name is taken; returns the new row or undefined. */
    async insertSchema(name: string, description: string | null): Promise<SchemaRow | undefined> {
      const rows = await db.query<SchemaRow>(
        `INSERT INTO location_schema (name, description) VALUES ($1, $2)
         ON CONFLICT DO NOTHING RETURNING ${SCHEMA_COLUMNS}`,
        [name, description],
      );
      return rows[0];
    },

    async linkIdentifier(schemaId: number, identifierId: number): Promise<void> {
      await db.query(`INSERT INTO location_schema_identifier (schema_id, identifier_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [
        schemaId,
        identifierId,
      ]);
    },

    async deleteSchema(schemaId: number): Promise<void> {
      await db.query(`DELETE FROM location_schema WHERE id = $1`, [schemaId]);
    },

    async countLocations(schemaId: number): Promise<number> {
      const rows = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM location WHERE schema_id = $1`, [schemaId]);
      return rows[0].n;
    },

    /** Inserts unless the same place exists in the schema; returns the new row or undefined. */
    async insertLocation(schemaId: number, coordinates: CoordinateValues): Promise<LocationRow | undefined> {
      const rows = await db.query<LocationRow>(
        `INSERT INTO location (schema_id, coordinates) VALUES ($1, $2::text::jsonb)
         ON CONFLICT DO NOTHING RETURNING ${LOCATION_COLUMNS}`,
        [schemaId, json(coordinates)],
      );
      return rows[0];
    },

    /** The location at exactly these coordinates (jsonb equality: 1 = 1.0). */
    async findLocation(schemaId: number, coordinates: CoordinateValues): Promise<LocationRow | undefined> {
      const rows = await db.query<LocationRow>(
        `SELECT ${LOCATION_COLUMNS} FROM location WHERE schema_id = $1 AND coordinates = $2::text::jsonb`,
        [schemaId, json(coordinates)],
      );
      return rows[0];
    },

    /** Locations of a schema whose coordinates include `filter` (all when it is empty), by id. */
    listLocations(
      schemaId: number,
      filter: CoordinateValues = {},
      page: { afterId?: number; limit?: number } = {},
    ): Promise<LocationRow[]> {
      return db.query<LocationRow>(
        `SELECT ${LOCATION_COLUMNS} FROM location
         WHERE schema_id = $1 AND coordinates @> $2::text::jsonb AND id > $3
         ORDER BY id LIMIT $4`,
        [schemaId, json(filter), page.afterId ?? 0, page.limit ?? null],
      );
    },

    async findLocationById(id: number): Promise<LocationWithSchemaRow | undefined> {
      const rows = await db.query<LocationWithSchemaRow>(
        `SELECT ${LOCATION_WITH_SCHEMA_COLUMNS} FROM location l JOIN location_schema s ON s.id = l.schema_id WHERE l.id = $1`,
        [id],
      );
      return rows[0];
    },

    /** The locations among these ids that exist, in id order. */
    findLocationsByIds(ids: readonly number[]): Promise<LocationWithSchemaRow[]> {
      return db.query<LocationWithSchemaRow>(
        `SELECT ${LOCATION_WITH_SCHEMA_COLUMNS} FROM location l JOIN location_schema s ON s.id = l.schema_id
         WHERE l.id = ANY($1::int4[]) ORDER BY l.id`,
        [ids],
      );
    },

    /** Locations by id, of one schema when `schemaId` is given, whose coordinates include `coordinates`. */
    listLocationsWithSchema(
      filter: { schemaId?: number; coordinates?: CoordinateValues },
      page: Page = {},
    ): Promise<LocationWithSchemaRow[]> {
      return db.query<LocationWithSchemaRow>(
        `SELECT ${LOCATION_WITH_SCHEMA_COLUMNS} FROM location l JOIN location_schema s ON s.id = l.schema_id
         WHERE ($1::int4 IS NULL OR l.schema_id = $1) AND l.coordinates @> $2::text::jsonb AND l.id > $3
         ORDER BY l.id LIMIT $4`,
        [filter.schemaId ?? null, json(filter.coordinates ?? {}), page.afterId ?? 0, page.limit ?? null],
      );
    },

    async deleteLocation(locationId: number): Promise<void> {
      await db.query(`DELETE FROM location WHERE id = $1`, [locationId]);
    },
  };
}

export type LocationsRepository = ReturnType<typeof locationsRepository>;
