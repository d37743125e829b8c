/**
 * The composed read of one sensor: its type, the type's measures each with its latest value,
 * and its current location. Composes the sensors module and the readings engine, so it lives
 * with the resource API; it holds no SQL.
 */
import type { ReadingsQueryService } from '../readings/query/readings-query.service.ts';
import type { MeasureRow, SensorDetails, SensorsService } from '../sensors/index.ts';
import type { Value } from '../shared/values.ts';

export interface MeasureWithLatest extends MeasureRow {
  latest: LatestValue | null;
}

export interface LatestValue {
  timestamp: string;
  value: Value;
}

/** Measures are told apart by (name, units): a type may hold one name in two units. */
const measureKey = (name: string, units: string | null) => JSON.stringify([name, units]);

export function createSensorDetailsService(deps: { sensors: SensorsService; readings: ReadingsQueryService }) {
  const { sensors, readings } = deps;

  return {
    /**
     * The sensor with its type, current location and the type's measures each with its latest
     * value (null before the first reading); undefined for an unknown sensor.
     */
    async getSensorDetails(uniqueIdentifier: string): Promise<{ sensor: SensorDetails; measures: MeasureWithLatest[] } | undefined> {
      const sensor = await sensors.getSensorDetails(uniqueIdentifier);
      if (!sensor) return undefined;
      // Answered from reading_latest by primary key, one probe per measure, never a scan.
      const answer = await readings.latest({ sensor: uniqueIdentifier });
      const latest = new Map<string, LatestValue>();
      if ('measures' in answer) {
        for (const m of answer.measures) {
          if (m.timestamp !== null && m.value !== null)
            latest.set(measureKey(m.measure, m.units), { timestamp: m.timestamp, value: m.value });
        }
      }
      const measures = sensor.type.measures.map((m) => ({ ...m, latest: latest.get(measureKey(m.name, m.units)) ?? null }));
      return { sensor, measures };
    },
  };
}

export type SensorDetailsService = ReturnType<typeof createSensorDetailsService>;
