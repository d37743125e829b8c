import type { Database, Queryable } from '../../db/database.ts';
import type { EntityChanged, EntityKind, Events } from '../../events/events.ts';
import type { ValueDatatype } from '../../db/schema/common.ts';
import { conflict, missingRecord, unprocessable } from '../../errors.ts';
import type { CoordinateValues, LocationsService } from '../locations/index.ts';
import { translateViolations } from '../shared/constraint-errors.ts';
import {
  sensorsRepository,
  type InstallationAtRow,
  type MeasureRow,
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

/** An installation of a sensor, with the location (from the locations module) it is at. */
export interface SensorLocationRow {
  locationId: number;
  schemaName: string;
  coordinates: CoordinateValues;
  /** ISO-8601 UTC, microseconds kept. */
  installationDatetime: string;
}

/** A sensor with everything the resource API shows about it. */
export interface SensorDetails extends SensorRow {
  type: SensorTypeWithMeasures;
  location: SensorLocationRow | null;
}

/** What the sensors module asks the locations module. */
export type LocationLookup = Pick<LocationsService, 'resolveLocation' | 'findLocationsByIds'>;

const SENSOR_MISSING = 'Sensor does not exist';
const TYPE_MISSING = 'Sensor type does not exist';

/**
 * model_run's foreign key to sensor (the models module's table, migration 0000). It refuses to
 * delete a sensor that runs refer to, and does so before the readings trigger deletes anything
 * (row triggers fire in name order, and "RI_ConstraintTrigger..." sorts first); this module
 * never reads that table.
 */
const RUN_SENSOR_FK = 'model_run_sensor_id_sensor_id_fk';

const changed = (entity: EntityKind, action: EntityChanged['action'], key: string | number): EntityChanged => ({
  type: 'entity.changed',
  entity,
  action,
  key: String(key),
});

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
async function resolveMeasure(repo: SensorsRepository, input: MeasureInput): Promise<{ row: MeasureRow; created: boolean }> {
  const units = input.units ?? null;
  // Look first, so that reusing a measure does not use up a sequence value; the insert
  // (ON CONFLICT DO NOTHING) then only has to cover a concurrent request creating the same one.
  const found = await repo.findMeasure(input.name, units);
  const inserted = found ? undefined : await repo.insertMeasure(input.name, units, input.datatype);
  const row = found ?? inserted ?? (await repo.findMeasure(input.name, units));
  if (!row) throw conflict(`Sensor measure ${JSON.stringify(input.name)} could not be created`);
  if (row.datatype !== input.datatype) {
    throw conflict(
      `Sensor measure ${JSON.stringify(input.name)} with ${describeUnits(units)} exists already ` +
        `with datatype ${row.datatype}, not ${input.datatype}`,
    );
  }
  return { row, created: inserted !== undefined };
}

export function createSensorsService(deps: { db: Database; events: Events; locations: LocationLookup }) {
  const { db, events, locations } = deps;
  const reader = sensorsRepository(db);
  const publish = (q: Queryable, ...changes: EntityChanged[]) => events.publish(q, changes);

  /** Installations with the locations they are at, in the order given. */
  async function withLocations(installations: { locationId: number; installationDatetime: string }[]): Promise<SensorLocationRow[]> {
    const found = await locations.findLocationsByIds([...new Set(installations.map((i) => i.locationId))]);
    const byId = new Map(found.map((l) => [l.id, l]));
    // A location cannot go while an installation refers to it (its foreign key refuses); one is
    // missing only if sensor, installation and location were all deleted between the two reads.
    return installations.flatMap(({ locationId, installationDatetime }) => {
      const location = byId.get(locationId);
      return location ? [{ locationId, schemaName: location.schemaName, coordinates: location.coordinates, installationDatetime }] : [];
    });
  }

  return {
    insertSensorType: (input: SensorTypeInput) =>
      db.transaction(async (tx) => {
        const repo = sensorsRepository(tx);
        assertDistinctMeasureNames(input.measures);
        const duplicate = 'Sensor type exists already';
        if (await repo.findType(input.name)) throw conflict(duplicate);
        const type = await repo.insertType(input.name, input.description ?? null);
        if (!type) throw conflict(duplicate);
        const changes = [changed('sensor_type', 'created', type.name)];
        for (const [position, measure] of input.measures.entries()) {
          const { row, created } = await resolveMeasure(repo, measure);
          if (created) changes.push(changed('sensor_measure', 'created', row.id));
          // Two distinct measures cannot share a name here (checked above), so no (type, measure) repeats.
          await repo.linkMeasure(type.id, row.id, position);
        }
        await publish(tx, ...changes);
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
        await publish(tx, changed('sensor', 'created', input.uniqueIdentifier));
      }),

    /**
     * Records an installation. The sensor and the location are looked up first (the location
     * through the locations service); should either be deleted before the insert, its foreign
     * key refuses it.
     */
    async insertSensorLocation(input: SensorInstallationInput): Promise<void> {
      const sensor = await reader.findSensor(input.uniqueIdentifier);
      if (!sensor) throw missingRecord(SENSOR_MISSING);
      const location = await locations.resolveLocation(input.schemaName, input.coordinates);
      await db.transaction(async (tx) => {
        const repo = sensorsRepository(tx);
        const duplicate = 'Sensor location exists already: this sensor has an installation at that datetime';
        if (await repo.hasInstallationAt(sensor.id, input.installationDatetime ?? null)) throw conflict(duplicate);
        const id = await translateViolations(() => repo.insertSensorLocation(sensor.id, location.id, input.installationDatetime ?? null), {
          foreignKey: 'Sensor or location was deleted by another request meanwhile',
        });
        if (id === undefined) throw conflict(duplicate);
        await publish(tx, changed('sensor_location', 'created', id));
      });
    },

    /** Installations of a sensor with their locations, newest first; none for an unknown sensor (as DTBase). */
    listSensorLocations: async (uniqueIdentifier: string): Promise<SensorLocationRow[]> =>
      withLocations(await reader.listInstallations(uniqueIdentifier)),

    /**
     * The sensors installed at a location, past and present (newest installation first); undefined
     * for an unknown location, so that a route can tell "nobody" from "no such place".
     */
    async listInstallationsAt(locationId: number): Promise<InstallationAtRow[] | undefined> {
      const [location] = await locations.findLocationsByIds([locationId]);
      if (!location) return undefined;
      return reader.listInstallationsAt(locationId);
    },

    /** Sensors by id, optionally of one type, with a cursor (id > afterId) and a limit. */
    listSensors: (options: { typeName?: string | null; afterId?: number; limit?: number } = {}) => reader.listSensors(options),

    /** Sensor types by id with a cursor (id > afterId) and a limit; all of them by default. */
    listSensorTypes: (page: { afterId?: number; limit?: number } = {}) => reader.listTypes(page),

    /** The sensor type with its measures in declared order, or undefined. */
    findSensorType: (name: string) => reader.findType(name),

    /** Sensor measures by id with a cursor (id > afterId) and a limit; all of them by default. */
    listMeasures: (page: { afterId?: number; limit?: number } = {}) => reader.listMeasures(page),

    /** The measure with this name and units (null units match null units), or undefined. */
    findMeasure: (name: string, units: string | null) => reader.findMeasure(name, units),

    /** The measures among these ids that exist, in id order. */
    findMeasuresByIds: async (ids: readonly number[]): Promise<MeasureRow[]> => (ids.length === 0 ? [] : reader.findMeasuresByIds(ids)),

    findSensor: (uniqueIdentifier: string) => reader.findSensor(uniqueIdentifier),

    /** The sensors among these ids that exist, in id order. */
    findSensorsByIds: async (ids: readonly number[]): Promise<SensorRow[]> => (ids.length === 0 ? [] : reader.findSensorsByIds(ids)),

    /** A sensor with its type, the type's measures and its current (latest) location, or undefined. */
    async getSensorDetails(uniqueIdentifier: string): Promise<SensorDetails | undefined> {
      const sensor = await reader.findSensor(uniqueIdentifier);
      if (!sensor) return undefined;
      const [type, installation] = await Promise.all([reader.findType(sensor.typeName), reader.latestInstallation(sensor.id)]);
      const [location] = installation ? await withLocations([installation]) : [];
      return { ...sensor, type: type!, location: location ?? null };
    },

    editSensor: (uniqueIdentifier: string, changes: { name: string | null; notes: string | null }) =>
      db.transaction(async (tx) => {
        const repo = sensorsRepository(tx);
        const sensor = await repo.findSensor(uniqueIdentifier);
        if (!sensor) throw missingRecord(SENSOR_MISSING);
        await repo.updateSensor(sensor.id, changes.name, changes.notes);
        await publish(tx, changed('sensor', 'updated', uniqueIdentifier));
      }),

    /** Deletes a sensor with its installations and readings, unless model runs refer to it (409). */
    deleteSensor: (uniqueIdentifier: string) =>
      db.transaction(async (tx) => {
        const repo = sensorsRepository(tx);
        const sensor = await repo.findSensor(uniqueIdentifier);
        if (!sensor) throw missingRecord(SENSOR_MISSING);
        const referenced = `Sensor ${JSON.stringify(uniqueIdentifier)} is referenced by model runs; delete those runs first`;
        await translateViolations(() => repo.deleteSensor(sensor.id), { constraints: { [RUN_SENSOR_FK]: referenced } });
        await publish(tx, changed('sensor', 'deleted', uniqueIdentifier));
      }),

    deleteSensorType: (typeName: string) =>
      db.transaction(async (tx) => {
        const repo = sensorsRepository(tx);
        const type = await repo.findType(typeName);
        if (!type) throw missingRecord(TYPE_MISSING);
        const sensors = await repo.countSensorsOfType(type.id);
        const inUse = (n: string) => `Sensor type ${JSON.stringify(typeName)} still has ${n} sensor(s); delete them first`;
        if (sensors > 0) throw conflict(inUse(String(sensors)));
        await translateViolations(() => repo.deleteType(type.id), { foreignKey: inUse('new') });
        await publish(tx, changed('sensor_type', 'deleted', typeName));
      }),
  };
}

export type SensorsService = ReturnType<typeof createSensorsService>;
export type { InstallationAtRow, MeasureRow, SensorRow, SensorTypeWithMeasures };
