import {
  boolean,
  bigint,
  doublePrecision,
  index,
  integer,
  pgTable,
  primaryKey,
  serial,
  text,
  timestamp,
  unique,
  varchar,
} from 'drizzle-orm/pg-core';
import { createdAt, valueDatatype } from './common.ts';
import { sensorMeasures, sensors } from './sensors.ts';

export const models = pgTable('model', {
  id: serial('id').primaryKey(),
  name: varchar('name', { length: 100 }).notNull().unique(),
  createdAt: createdAt(),
});

export const modelScenarios = pgTable(
  'model_scenario',
  {
    id: serial('id').primaryKey(),
    modelId: integer('model_id')
      .notNull()
      .references(() => models.id, { onDelete: 'cascade' }),
    description: text('description'),
    createdAt: createdAt(),
  },
  // NULLS NOT DISTINCT: DTBase let a model have any number of null-description scenarios.
  (t) => [unique('model_scenario_model_description_key').on(t.modelId, t.description).nullsNotDistinct()],
);

export const modelMeasures = pgTable(
  'model_measure',
  {
    id: serial('id').primaryKey(),
    name: varchar('name', { length: 100 }).notNull(),
    units: varchar('units', { length: 100 }).notNull(),
    datatype: valueDatatype('datatype').notNull(),
    createdAt: createdAt(),
  },
  (t) => [unique('model_measure_name_units_key').on(t.name, t.units)],
);

export const modelRuns = pgTable(
  'model_run',
  {
    id: serial('id').primaryKey(),
    modelId: integer('model_id')
      .notNull()
      .references(() => models.id),
    scenarioId: integer('scenario_id')
      .notNull()
      .references(() => modelScenarios.id),
    /** The sensor and measure whose observations this run's outputs are compared with, if any. */
    sensorId: integer('sensor_id').references(() => sensors.id),
    sensorMeasureId: integer('sensor_measure_id').references(() => sensorMeasures.id),
    timeCreated: timestamp('time_created', { withTimezone: true }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    unique('model_run_model_scenario_time_key').on(t.modelId, t.scenarioId, t.timeCreated),
    index('model_run_time_created_idx').on(t.modelId, t.timeCreated),
    index('model_run_sensor_idx').on(t.sensorId),
  ],
);

export const modelProducts = pgTable(
  'model_product',
  {
    id: serial('id').primaryKey(),
    runId: integer('run_id')
      .notNull()
      .references(() => modelRuns.id, { onDelete: 'cascade' }),
    measureId: integer('measure_id')
      .notNull()
      .references(() => modelMeasures.id),
  },
  (t) => [unique('model_product_run_measure_key').on(t.runId, t.measureId), index('model_product_measure_idx').on(t.measureId)],
);

/** One table per datatype, as for readings: values stay typed and compact. */
function modelValueTable<T extends 'float' | 'integer' | 'string' | 'boolean'>(kind: T) {
  const value =
    kind === 'float'
      ? doublePrecision('value').notNull()
      : kind === 'integer'
        ? bigint('value', { mode: 'number' }).notNull()
        : kind === 'boolean'
          ? boolean('value').notNull()
          : text('value').notNull();
  return pgTable(
    `model_value_${kind}`,
    {
      productId: integer('product_id')
        .notNull()
        .references(() => modelProducts.id, { onDelete: 'cascade' }),
      ts: timestamp('ts', { withTimezone: true }).notNull(),
      value,
    },
    (t) => [primaryKey({ columns: [t.productId, t.ts] })],
  );
}

export const modelValueFloat = modelValueTable('float');
export const modelValueInteger = modelValueTable('integer');
export const modelValueString = modelValueTable('string');
export const modelValueBoolean = modelValueTable('boolean');
