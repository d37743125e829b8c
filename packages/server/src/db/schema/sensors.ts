import { index, integer, pgTable, primaryKey, serial, text, timestamp, unique, varchar } from 'drizzle-orm/pg-core';
import { createdAt, updatedAt, valueDatatype } from './common.ts';
import { locations } from './locations.ts';

export const sensorMeasures = pgTable(
  'sensor_measure',
  {
    id: serial('id').primaryKey(),
    name: varchar('name', { length: 100 }).notNull(),
    units: varchar('units', { length: 100 }),
    datatype: valueDatatype('datatype').notNull(),
    createdAt: createdAt(),
  },
  // NULLS NOT DISTINCT: a measure with null units is one measure, not one per sensor type.
  (t) => [unique('sensor_measure_name_units_key').on(t.name, t.units).nullsNotDistinct()],
);

export const sensorTypes = pgTable('sensor_type', {
  id: serial('id').primaryKey(),
  name: varchar('name', { length: 100 }).notNull().unique(),
  description: text('description'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const sensorTypeMeasures = pgTable(
  'sensor_type_measure',
  {
    typeId: integer('type_id')
      .notNull()
      .references(() => sensorTypes.id, { onDelete: 'cascade' }),
    measureId: integer('measure_id')
      .notNull()
      .references(() => sensorMeasures.id),
    /** Keeps the measures of a type in the order they were declared. */
    position: integer('position').notNull(),
  },
  (t) => [primaryKey({ columns: [t.typeId, t.measureId] }), index('sensor_type_measure_measure_idx').on(t.measureId)],
);

export const sensors = pgTable(
  'sensor',
  {
    id: serial('id').primaryKey(),
    typeId: integer('type_id')
      .notNull()
      .references(() => sensorTypes.id),
    uniqueIdentifier: varchar('unique_identifier', { length: 100 }).notNull().unique(),
    name: varchar('name', { length: 100 }),
    notes: text('notes'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('sensor_type_idx').on(t.typeId)],
);

export const sensorLocations = pgTable(
  'sensor_location',
  {
    id: serial('id').primaryKey(),
    sensorId: integer('sensor_id')
      .notNull()
      .references(() => sensors.id, { onDelete: 'cascade' }),
    locationId: integer('location_id')
      .notNull()
      .references(() => locations.id),
    installationDatetime: timestamp('installation_datetime', { withTimezone: true }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    unique('sensor_location_sensor_installed_key').on(t.sensorId, t.installationDatetime),
    index('sensor_location_location_idx').on(t.locationId),
  ],
);
