import type { Database } from '../../db/database.ts';
import { AppError } from '../../errors.ts';
import type { ReadingsQueryService } from '../readings/query/readings-query.service.ts';
import { resolveSeries } from '../readings/series.ts';
import { PLACEHOLDER_MAX_POINTS, type ResolvedSeries, type SeriesAccess } from './placeholders.ts';

/**
 * The readings module's side of `$readings` placeholders: whether a series exists (its own
 * messages: unknown sensor, measure not of that sensor, ambiguous name), and a series read
 * through the readings query service with max_points, so one placeholder is at most
 * PLACEHOLDER_MAX_POINTS points (beyond, equal-width averages: `resolution` says which).
 */
export function placeholderSeries(db: Database, readings: Pick<ReadingsQueryService, 'read'>): SeriesAccess {
  return {
    async problem(spec) {
      try {
        await resolveSeries(db, {
          sensorUid: spec.sensor,
          measureName: spec.measure,
          ...(spec.units === undefined ? {} : { units: spec.units }),
        });
        return undefined;
      } catch (error) {
        if (error instanceof AppError) return error.detail;
        throw error;
      }
    },
    async read(spec, from, to) {
      const text = await readings.read({
        sensor: spec.sensor,
        measure: spec.measure,
        ...(spec.units === undefined ? {} : { units: spec.units }),
        from: from.toISOString(),
        to: to.toISOString(),
        max_points: PLACEHOLDER_MAX_POINTS,
      });
      const answer = JSON.parse(text) as ResolvedSeries;
      return {
        sensor: answer.sensor,
        measure: answer.measure,
        units: answer.units,
        resolution: answer.resolution,
        timestamps: answer.timestamps,
        values: answer.values,
      };
    },
  };
}
