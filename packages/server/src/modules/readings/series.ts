import { missingRecord, unprocessable } from '../../errors.ts';
import type { Queryable } from '../../db/database.ts';
import { clipText } from '../shared/preview.ts';
import { seriesRepository, type SeriesLookup, type SeriesRef } from './series.repository.ts';

/**
 * Resolves a (sensor, measure name[, units]) to one series, or throws the 4xx that says what
 * is wrong: 400 for an unknown sensor or a measure its type does not have (DTBase's "missing
 * record" status), 422 when the name alone is ambiguous.
 */
export async function resolveSeries(q: Queryable, lookup: SeriesLookup): Promise<SeriesRef> {
  const repo = seriesRepository(q);
  // Names are quoted in messages as sent, but never at length.
  const sensor = clipText(lookup.sensorUid);
  const measure = clipText(lookup.measureName);
  const matches = await repo.find(lookup);
  if (matches.length === 1) return matches[0];
  if (matches.length > 1) {
    throw unprocessable(`Sensor "${sensor}" has several measures named "${measure}"; give their units too`);
  }
  if ((await repo.sensorId(lookup.sensorUid)) === undefined) throw missingRecord('Sensor does not exist');
  throw missingRecord(`Measure "${measure}" is not a measure of sensor "${sensor}"`);
}
