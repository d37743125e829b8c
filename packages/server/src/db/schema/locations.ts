import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, primaryKey, serial, text, unique, varchar } from 'drizzle-orm/pg-core';
import { createdAt, updatedAt, valueDatatype } from './common.ts';

export const locationIdentifiers = pgTable(
  'location_identifier',
  {
    id: serial('id').primaryKey(),
    name: varchar('name', { length: 100 }).notNull(),
    units: varchar('units', { length: 100 }),
    datatype: valueDatatype('datatype').notNull(),
    createdAt: createdAt(),
  },
  // NULLS NOT DISTINCT: DTBase let two (name, NULL) rows exist and then crashed on lookup.
  (t) => [unique('location_identifier_name_units_key').on(t.name, t.units).nullsNotDistinct()],
);

export const locationSchemas = pgTable('location_schema', {
  id: serial('id').primaryKey(),
  name: varchar('name', { length: 100 }).notNull().unique(),
  description: text('description'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const locationSchemaIdentifiers = pgTable(
  'location_schema_identifier',
  {
    schemaId: integer('schema_id')
      .notNull()
      .references(() => locationSchemas.id, { onDelete: 'cascade' }),
    identifierId: integer('identifier_id')
      .notNull()
      .references(() => locationIdentifiers.id),
  },
  (t) => [primaryKey({ columns: [t.schemaId, t.identifierId] })],
);

/**
 * A location is a point in its schema's coordinate system. Coordinates are one JSONB object
 * keyed by identifier name ({"x": 1.5, "y": 2}); values keep their JSON type, and jsonb
 * equality is numeric (1 = 1.0), so the unique key below is exactly "same schema, same place".
 */
export const locations = pgTable(
  'location',
  {
    id: serial('id').primaryKey(),
    schemaId: integer('schema_id')
      .notNull()
      .references(() => locationSchemas.id),
    coordinates: jsonb('coordinates').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    unique('location_schema_coordinates_key').on(t.schemaId, t.coordinates),
    index('location_coordinates_gin').using('gin', sql`${t.coordinates} jsonb_path_ops`),
  ],
);
