/**
 * The composed read of one model run: the run, its outputs column-wise and the observations of
 * the sensor measure it names over the outputs' time range. Composes two modules' services, so
 * it lives with the resource API; it holds no SQL.
 */
import type { ValueDatatype } from '../../db/schema/common.ts';
import { AppError } from '../../errors.ts';
import type { Value } from '../shared/values.ts';
import type { ModelsService, RunOutputRow, RunRow } from '../models/index.ts';
import type { ReadingsQueryService } from '../readings/query/readings-query.service.ts';

/** The readings engine's column-wise answer, as far as a run's observations show it. */
export interface ObservationColumns {
  sensor: string;
  measure: string;
  units: string | null;
  datatype: ValueDatatype;
  resolution: string;
  timestamps: (string | number)[];
  /** Null where an aggregated bucket holds no reading. */
  values: (Value | null)[];
}

/**
 * Output timestamps come as mb_iso text, with a fraction only when there is one. Padding every
 * one to six fraction digits makes text order the order in time, microseconds included.
 */
const sortable = (ts: string) => (ts.includes('.') ? ts : ts.replace(/Z$/, '.000000Z'));

/** First and last instant over all outputs, as the texts the database wrote; undefined when there are no values. */
export function outputsTimeRange(outputs: RunOutputRow[]): { from: string; to: string } | undefined {
  let from: string | undefined;
  let to: string | undefined;
  for (const { timestamps } of outputs) {
    if (timestamps.length === 0) continue;
    // Each output is ordered by timestamp: its first and last are its bounds.
    const first = timestamps[0];
    const last = timestamps[timestamps.length - 1];
    if (from === undefined || sortable(first) < sortable(from)) from = first;
    if (to === undefined || sortable(last) > sortable(to)) to = last;
  }
  return from === undefined || to === undefined ? undefined : { from, to };
}

export function createRunDetailsService(deps: { models: ModelsService; readings: ReadingsQueryService }) {
  const { models, readings } = deps;

  async function observationsOf(run: RunRow, outputs: RunOutputRow[], maxPoints: number): Promise<ObservationColumns | null> {
    if (run.sensorUniqueId === null || run.sensorMeasureName === null) return null;
    const range = outputsTimeRange(outputs);
    if (!range) return null;
    // The readings engine answers with JSON text it had PostgreSQL write; a run's share is
    // bounded by maxPoints, so parsing it to nest it in this answer is cheap.
    let text: string;
    try {
      text = await readings.read({
        sensor: run.sensorUniqueId,
        measure: run.sensorMeasureName,
        ...(run.sensorMeasureUnits === null ? {} : { units: run.sensorMeasureUnits }),
        from: range.from,
        to: range.to,
        max_points: maxPoints,
      });
    } catch (error) {
      // The sensor's type no longer records that measure: there is nothing to compare with.
      if (error instanceof AppError && error.code === 'NOT_FOUND') return null;
      throw error;
    }
    const series = JSON.parse(text) as ObservationColumns;
    return {
      sensor: series.sensor,
      measure: series.measure,
      units: series.units,
      datatype: series.datatype,
      resolution: series.resolution,
      timestamps: series.timestamps,
      values: series.values,
    };
  }

  return {
    /** The run with outputs and observations, or undefined for an unknown id. */
    async getRunDetails(runId: number, options: { maxPoints: number }) {
      const found = await models.getRun(runId);
      if (!found) return undefined;
      return { ...found, observations: await observationsOf(found.run, found.outputs, options.maxPoints) };
    },
  };
}

export type RunDetailsService = ReturnType<typeof createRunDetailsService>;
