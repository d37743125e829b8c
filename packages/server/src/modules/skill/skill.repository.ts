/**
 * The SQL of forecast skill: a run's mean output joined with the observations of its sensor
 * measure, reduced to sums in the database.
 *
 * An exception to "a module's SQL touches only its own tables", and a read-only one: the join of
 * a run's outputs (models) with readings (the readings engine) is the whole point, and composing
 * it through the two services would carry every point of both series into JavaScript. Only the
 * readings tables' names come from the readings module.
 */
import type { Queryable } from '../../db/database.ts';
import { READING_TABLE } from '../readings/series.repository.ts';
import type { RunOutputRef } from './skill-outputs.ts';

/** A run as skill sees it: whom it forecasts and which outputs it has (values not loaded). */
export interface SkillRunRow {
  runId: number;
  modelName: string;
  scenario: string | null;
  timeCreated: string;
  sensorId: number | null;
  sensorUid: string | null;
  sensorMeasureId: number | null;
  sensorMeasureName: string | null;
  sensorMeasureUnits: string | null;
  /** Datatype of the sensor measure; null when the run names none. */
  observedDatatype: string | null;
  outputs: RunOutputRef[];
  /** How many runs matched the filter before the limit. */
  matched: number;
}

/** One run to score: the series it forecasts and the products holding its mean and band. */
export interface ScoreTarget {
  runId: number;
  sensorId: number;
  measureId: number;
  meanProductId: number;
  lowerProductId: number | null;
  upperProductId: number | null;
}

/** Sums over the paired points of one run; runs with no forecast values have no row. */
export interface RunSums {
  runId: number;
  /** Values of the mean output. */
  forecastPoints: number;
  /** Forecast points with an observation within the tolerance. */
  points: number;
  sumAbs: number | null;
  sumSq: number | null;
  sumError: number | null;
  /** Paired points with both bounds at their timestamp, and of those, the observations inside. */
  bandPoints: number;
  insideBand: number;
  from: string | null;
  to: string | null;
}

export interface RunSelection {
  runId?: number;
  modelId?: number;
  scenario?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  limit: number;
}

/** A product's values as float8, whichever numeric table holds them (product ids are unique across both). */
const numericValues = (product: string) => `
  SELECT ts, value::float8 AS value FROM model_value_float WHERE product_id = ${product}
  UNION ALL
  SELECT ts, value::float8 AS value FROM model_value_integer WHERE product_id = ${product}`;

/** The tolerance parameter ($7 of scoreRuns, in seconds) as an interval. */
const TOLERANCE = `$7::float8 * interval '1 second'`;

const boundAt = (product: string) => `(SELECT b.value FROM (${numericValues(product)}) b WHERE b.ts = f.ts)`;

export function skillRepository(db: Queryable) {
  return {
    /** Runs by id, or a model's runs (optionally of one scenario, created in [from, to]), newest first. */
    async selectRuns(selection: RunSelection): Promise<SkillRunRow[]> {
      return db.query<SkillRunRow>(
        `SELECT r.id AS "runId", m.name AS "modelName", sc.description AS scenario, mb_iso(r.time_created) AS "timeCreated",
                r.sensor_id AS "sensorId", s.unique_identifier AS "sensorUid", r.sensor_measure_id AS "sensorMeasureId",
                sm.name AS "sensorMeasureName", sm.units AS "sensorMeasureUnits", sm.datatype::text AS "observedDatatype",
                COALESCE((SELECT json_agg(json_build_object('productId', p.id, 'name', mm.name, 'datatype', mm.datatype) ORDER BY p.id)
                            FROM model_product p JOIN model_measure mm ON mm.id = p.measure_id
                           WHERE p.run_id = r.id), '[]'::json) AS outputs,
                (count(*) OVER ())::int AS matched
           FROM model_run r
           JOIN model m ON m.id = r.model_id
           JOIN model_scenario sc ON sc.id = r.scenario_id
           LEFT JOIN sensor s ON s.id = r.sensor_id
           LEFT JOIN sensor_measure sm ON sm.id = r.sensor_measure_id
          WHERE ($1::int IS NULL OR r.id = $1)
            AND ($2::int IS NULL OR r.model_id = $2)
            AND ($3::text IS NULL OR sc.description = $3)
            AND r.time_created >= COALESCE($4::text::timestamptz, '-infinity')
            AND r.time_created <= COALESCE($5::text::timestamptz, 'infinity')
          ORDER BY r.time_created DESC, r.id DESC
          LIMIT $6`,
        [
          selection.runId ?? null,
          selection.modelId ?? null,
          selection.scenario ?? null,
          selection.from ?? null,
          selection.to ?? null,
          selection.limit,
        ],
      );
    },

    async scenarioExists(modelId: number, description: string): Promise<boolean> {
      const rows = await db.query(`SELECT 1 FROM model_scenario WHERE model_id = $1 AND description = $2`, [modelId, description]);
      return rows.length > 0;
    },

    /**
     * Pairs each value of each run's mean output with the nearest observation of the run's
     * series within `toleranceSeconds` (0: the same instant; a tie goes to the earlier one) and
     * sums the errors, per run. Two index probes per forecast point (the last reading at or
     * before it, the first after), whatever the density of readings. `observedDatatype` picks
     * the readings table: every target here records that datatype.
     */
    async scoreRuns(observedDatatype: 'float' | 'integer', targets: ScoreTarget[], toleranceSeconds: number): Promise<RunSums[]> {
      if (targets.length === 0) return [];
      const readings = READING_TABLE[observedDatatype];
      const nearest = (side: 'before' | 'after') => `
        SELECT r.ts, r.value::float8 AS value FROM ${readings} r
         WHERE r.sensor_id = f.sensor_id AND r.measure_id = f.measure_id
           AND ${side === 'before' ? `r.ts <= f.ts AND r.ts >= f.ts - ${TOLERANCE}` : `r.ts > f.ts AND r.ts <= f.ts + ${TOLERANCE}`}
         ORDER BY r.ts ${side === 'before' ? 'DESC' : 'ASC'} LIMIT 1`;
      return db.query<RunSums>(
        `WITH t AS (
           SELECT u.*
             FROM unnest($1::int[], $2::int[], $3::int[], $4::int[], $5::int[], $6::int[])
               AS u(run_id, sensor_id, measure_id, mean_product, lower_product, upper_product)
         ),
         f AS (
           SELECT t.run_id, t.sensor_id, t.measure_id, NULLIF(t.lower_product, 0) AS lower_product,
                  NULLIF(t.upper_product, 0) AS upper_product, v.ts, v.value AS forecast
             FROM t CROSS JOIN LATERAL (${numericValues('t.mean_product')}) v
         ),
         paired AS (
           SELECT f.run_id, f.ts, f.forecast, o.value AS observed,
                  CASE WHEN f.lower_product IS NULL THEN NULL ELSE ${boundAt('f.lower_product')} END AS lower,
                  CASE WHEN f.upper_product IS NULL THEN NULL ELSE ${boundAt('f.upper_product')} END AS upper
             FROM f
             LEFT JOIN LATERAL (
               SELECT c.value FROM ((${nearest('before')}) UNION ALL (${nearest('after')})) c
                ORDER BY abs(extract(epoch FROM c.ts - f.ts)), c.ts
                LIMIT 1
             ) o ON true
         )
         SELECT run_id AS "runId",
                count(*)::int AS "forecastPoints",
                count(observed)::int AS points,
                sum(abs(forecast - observed)) AS "sumAbs",
                sum((forecast - observed) * (forecast - observed)) AS "sumSq",
                sum(forecast - observed) AS "sumError",
                (count(*) FILTER (WHERE observed IS NOT NULL AND lower IS NOT NULL AND upper IS NOT NULL))::int AS "bandPoints",
                (count(*) FILTER (WHERE observed BETWEEN lower AND upper))::int AS "insideBand",
                mb_iso(min(ts) FILTER (WHERE observed IS NOT NULL)) AS "from",
                mb_iso(max(ts) FILTER (WHERE observed IS NOT NULL)) AS "to"
           FROM paired
          GROUP BY run_id`,
        [
          targets.map((x) => x.runId),
          targets.map((x) => x.sensorId),
          targets.map((x) => x.measureId),
          targets.map((x) => x.meanProductId),
          // 0 stands for no band (no product has id 0), which keeps the int arrays free of nulls.
          targets.map((x) => x.lowerProductId ?? 0),
          targets.map((x) => x.upperProductId ?? 0),
          toleranceSeconds,
        ],
      );
    },
  };
}

export type SkillRepository = ReturnType<typeof skillRepository>;
