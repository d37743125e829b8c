import type { Queryable } from '../db/database.ts';
import type { Events } from '../events/events.ts';
import { seriesRepository, type SeriesRef } from '../modules/readings/series.repository.ts';
import { clipText } from '../modules/shared/preview.ts';
import type { BadReason } from './mqtt-stats.ts';

export type Resolved = SeriesRef | { reason: BadReason; problem: string };

/** Entities whose change can change what (sensor, measure name) means. */
const SERIES_ENTITIES = new Set(['sensor', 'sensor_type', 'sensor_measure']);
const MAX_ENTRIES = 100_000;

const pairKey = (sensor: string, measure: string) => `${sensor}\u0000${measure}`;

/**
 * (sensor, measure name) -> series, for MQTT messages: looked up in one query per batch for the
 * pairs not known yet, then cached across batches. Unknown pairs are cached too (a device
 * sending to a sensor that does not exist costs no query per message). The cache is dropped
 * whenever any replica changes a sensor, type or measure (the events port), or when the port
 * may have missed events, so it is never staler than the event delivery.
 */
export function createSeriesResolver(deps: { events: Pick<Events, 'subscribe'> }) {
  let cache = new Map<string, Resolved>();
  let generation = 0;
  const clear = () => {
    generation++;
    cache = new Map();
  };
  const unsubscribe = deps.events.subscribe((event) => {
    if (event.type === 'resync' || (event.type === 'entity.changed' && SERIES_ENTITIES.has(event.entity))) clear();
  });

  return {
    /** What each pair is, from the cache or the database; `lookup(sensor, measure)` answers for every pair asked. */
    async resolve(q: Queryable, pairs: Iterable<[string, string]>): Promise<(sensor: string, measure: string) => Resolved> {
      const known = cache;
      const found = new Map<string, Resolved>();
      const missingSensors: string[] = [];
      const missingMeasures: string[] = [];
      for (const [sensor, measure] of pairs) {
        const key = pairKey(sensor, measure);
        if (found.has(key)) continue;
        const hit = known.get(key);
        if (hit) {
          found.set(key, hit);
        } else {
          found.set(key, { reason: 'unknown_measure', problem: 'unresolved' });
          missingSensors.push(sensor);
          missingMeasures.push(measure);
        }
      }
      if (missingSensors.length > 0) {
        const started = generation;
        const { series, sensors } = await seriesRepository(q).findMany(missingSensors, missingMeasures);
        const bySeriesKey = new Map<string, SeriesRef[]>();
        for (const ref of series) {
          const key = pairKey(ref.sensorUid, ref.measureName);
          const list = bySeriesKey.get(key);
          if (list) list.push(ref);
          else bySeriesKey.set(key, [ref]);
        }
        const existing = new Set(sensors);
        for (let i = 0; i < missingSensors.length; i++) {
          const sensor = missingSensors[i];
          const measure = missingMeasures[i];
          const key = pairKey(sensor, measure);
          const matches = bySeriesKey.get(key) ?? [];
          const resolved: Resolved =
            matches.length === 1
              ? matches[0]
              : matches.length > 1
                ? { reason: 'ambiguous_measure', problem: `sensor "${clipText(sensor)}" has several measures named "${clipText(measure)}"` }
                : existing.has(sensor)
                  ? { reason: 'unknown_measure', problem: `"${clipText(measure)}" is not a measure of sensor "${clipText(sensor)}"` }
                  : { reason: 'unknown_sensor', problem: `sensor "${clipText(sensor)}" does not exist` };
          found.set(key, resolved);
          // Not cached when the cache was dropped meanwhile: the answer may predate the change.
          if (started === generation) {
            if (cache.size >= MAX_ENTRIES) cache = new Map();
            cache.set(key, resolved);
          }
        }
      }
      return (sensor, measure) => found.get(pairKey(sensor, measure)) ?? { reason: 'unknown_measure', problem: 'not resolved' };
    },
    /** Forget everything (after a failed write: a sensor may have gone). */
    clear,
    close: unsubscribe,
  };
}

export type SeriesResolver = ReturnType<typeof createSeriesResolver>;
