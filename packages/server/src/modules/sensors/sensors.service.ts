import type { Database } from '../../db/database.ts';
import type { Events } from '../../events/events.ts';
import type { ValueDatatype } from '../../db/schema/common.ts';
import { conflict, missingRecord, unprocessable } from '../../errors.ts';
import { resolveLocation } from '../locations/index.ts';
import { translateViolations } from '../shared/constraint-errors.ts';
import {
  sensorsRepository,
  type MeasureRow,
  type SensorLocationRow,
  type SensorRow,
  type SensorsRepository,
  type SensorTypeWithMeasures,
} from './sensors.repository.ts';

export interface MeasureInput {
  name: string;
  units?: string | null;
  datatype: ValueDatatype;
}

export interface SensorTypeInput {
  name: string;
  description?: string | null;
  measures: MeasureInput[];
}

export interface SensorInput {
  typeName: string;
  uniqueIdentifier: string;
  name?: string | null;
  notes?: string | null;
}

export interface SensorInstallationInput {
  uniqueIdentifier: string;
  schemaName: string;
  coordinates: Record<string, unknown>;
  /** The client's datetime text; omitted or null means the server's now. */
  installationDatetime?: string | null;
}

/** A sensor with everything the resource API shows about it. */
export interface SensorDetails extends SensorRow {
  type: SensorTypeWithMeasures;
  location: SensorLocationRow | null;
}

const SENSOR_MISSING = 'Sensor does not exist';
const TYPE_MISSING = 'Sensor type does not exist';

/** Readings name their measure by name within the sensor's type, so names must not repeat in a type. */
function assertDistinctMeasureNames(measures: readonly MeasureInput[]) {
  const seen = new Set<string>();
  for (const { name } of measures) {
    if (seen.has(name)) throw unprocessable(`Measure name ${JSON.stringify(name)} appears more than once in the sensor type`);
    seen.add(name);
  }
}

const describeUnits = (units: string | null) => (units === null ? 'no units' : `units ${JSON.stringify(units)}`);

/**
 * The measure with this (name, units), created if new. Null units are one measure too (the
 * unique key is NULLS NOT DISTINCT), which fixes DTBase's 500 when a second type reused one.
 */
async function resolveMeasure(repo: SensorsRepository, input: MeasureInput): Promise<MeasureRow> {
  const units = input.units ?? null;
  // Look first, so that reusing a measure does not use up a sequence value; the insert
  // (ON CONFLICT DO NOTHING) then only has to cover a concurrent request creating the same one.
  const row =
    (await repo.findMeasure(input.name, units)) ??
    (await repo.insertMeasure(input.name, units, input.datatype)) ??
    (await repo.findMeasure(input.name, units));
  if (!row) throw conflict(`Sensor measure ${JSON.stringify(input.name)} could not be created`);
  if (row.datatype !== input.datatype) {
    throw conflict(
      `Sensor measure ${JSON.stringify(input.name)} with ${describeUnits(units)} exists already ` +
        `with datatype ${row.datatype}, not ${input.datatype}`,
    );
  }
  return row;
}

export function createSensorsService(deps: { db: Database; events: Events }) {
  const { db } = deps;
  const reader = sensorsRepository(db);

  return {
    insertSensorType: (input: SensorTypeInput) =>
      db.transaction(async (tx) => {
        const repo = sensorsRepository(tx);
        assertDistinctMeasureNames(input.measures);
        const duplicate = 'Sensor type exists already';
        if (await repo.findType(input.name)) throw conflict(duplicate);
        const type = await repo.insertType(input.name, input.description ?? null);
        if (!type) throw conflict(duplicate);
        for (const [position, measure] of input.measures.entries()) {
          const row = await resolveMeasure(repo, measure);
          // Two distinct measures cannot share a name here (checked above), so no (type, measure) repeats.
          await repo.linkMeasure(type.id, row.id, position);
        }
      }),

    insertSensor: (input: SensorInput) =>
      db.transaction(async (tx) => {
        const repo = sensorsRepository(tx);
        const type = await repo.findType(input.typeName);
        if (!type) throw missingRecord(TYPE_MISSING);
        const duplicate = 'Sensor exists already';
        if (await repo.findSensor(input.uniqueIdentifier)) throw conflict(duplicate);
        // A type deleted between the check and the insert surfaces as a foreign-key violation.
        const id = await translateViolations(
          () => repo.insertSensor(type.id, input.uniqueIdentifier, input.name ?? null, input.notes ?? null),
          { foreignKey: () => missingRecord(TYPE_MISSING) },
        );
        if (id === undefined) throw conflict(duplicate);
      }),

    insertSensorLocation: (input: SensorInstallationInput) =>
      db.transaction(async (tx) => {
        const repo = sensorsRepository(tx);
        const sensor = await repo.findSensor(input.uniqueIdentifier);
        if (!sensor) throw missingRecord(SENSOR_MISSING);
        const location = await resolveLocation(tx, input.schemaName, input.coordinates);
        const duplicate = 'Sensor location exists already: this sensor has an installation at that datetime';
        if (await repo.hasInstallationAt(sensor.id, input.installationDatetime ?? null)) throw conflict(duplicate);
        const inserted = await translateViolations(
          () => repo.insertSensorLocation(sensor.id, location.id, input.installationDatetime ?? null),
          { foreignKey: 'Sensor or location was deleted by another request meanwhile' },
        );
        if (!inserted) throw conflict(duplicate);
      }),

    /** Installations of a sensor, newest first; none for an unknown sensor (as DTBase). */
    listSensorLocations: (uniqueIdentifier: string) => reader.listSensorLocations(uniqueIdentifier),

    /** Sensors by id, optionally of one type, with a cursor (id > afterId) and a limit. */
    listSensors: (options: { typeName?: string | null; afterId?: number; limit?: number } = {}) => reader.listSensors(options),

    /** Sensor types by id with a cursor (id > afterId) and a limit; all of them by default. */
    listSensorTypes: (page: { afterId?: number; limit?: number } = {}) => reader.listTypes(page),

    /** The sensor type with its measures in declared order, or undefined. */
    findSensorType: (name: string) => reader.findType(name),

    /** Sensor measures by id with a cursor (id > afterId) and a limit; all of them by default. */
    listMeasures: (page: { afterId?: number; limit?: number } = {}) => reader.listMeasures(page),

    findSensor: (uniqueIdentifier: string) => reader.findSensor(uniqueIdentifier),

    /** A sensor with its type, the type's measures and its current (latest) location, or undefined. */
    async getSensorDetails(uniqueIdentifier: string): Promise<SensorDetails | undefined> {
      const sensor = await reader.findSensor(uniqueIdentifier);
      if (!sensor) return undefined;
      const [type, location] = await Promise.all([reader.findType(sensor.typeName), reader.currentLocation(sensor.id)]);
      return { ...sensor, type: type!, location: location ?? null };
    },

    editSensor: (uniqueIdentifier: string, changes: { name: string | null; notes: string | null }) =>
      db.transaction(async (tx) => {
        const repo = sensorsRepository(tx);
        const sensor = await repo.findSensor(uniqueIdentifier);
        if (!sensor) throw missingRecord(SENSOR_MISSING);
        await repo.updateSensor(sensor.id, changes.name, changes.notes);
      }),

    deleteSensor: (uniqueIdentifier: string) =>
      db.transaction(async (tx) => {
        const repo = sensorsRepository(tx);
        const sensor = await repo.findSensor(uniqueIdentifier);
        if (!sensor) throw missingRecord(SENSOR_MISSING);
        const runs = await repo.countModelRuns(sensor.id);
        const referenced = (n: string) =>
          `Sensor ${JSON.stringify(uniqueIdentifier)} is referenced by ${n} model run(s); delete those runs first`;
        if (runs > 0) throw conflict(referenced(String(runs)));
        await translateViolations(() => repo.deleteSensor(sensor.id), { foreignKey: referenced('new') });
      }),

    deleteSensorType: (typeName: string) =>
      db.transaction(async (tx) => {
        const repo = sensorsRepository(tx);
        const type = await repo.findType(typeName);
        if (!type) throw missingRecord(TYPE_MISSING);
        const sensors = await repo.countSensorsOfType(type.id);
        const inUse = (n: string) =>
          `Sensor type ${JSON.stringify(typeName)} still has ${n} sensor(s); delete them first`;
        if (sensors > 0) throw conflict(inUse(String(sensors)));
        await translateViolations(() => repo.deleteType(type.id), { foreignKey: inUse('new') });
      }),
  };
}

export type SensorsService = ReturnType<typeof createSensorsService>;
export type { MeasureRow, SensorLocationRow, SensorRow, SensorTypeWithMeasures };
