import type { Queryable } from '../../db/database.ts';
import type { ValueDatatype } from '../../db/schema/common.ts';
import type { Value } from '../shared/values.ts';
import type { Page } from './models.repository.ts';

/** A run as this module stores it: the sensor and sensor measure it is compared with by id only. */
export interface StoredRunRow {
  id: number;
  modelId: number;
  modelName: string;
  scenarioId: number;
  scenarioDescription: string | null;
  /** Rendered by the database in DTBase's form ("2023-01-01T00:00:00Z"), microseconds kept. */
  timeCreated: string;
  sensorId: number | null;
  sensorMeasureId: number | null;
}

/** One output series of a run, column-wise, ordered by timestamp. */
export interface RunOutputRow {
  measureId: number;
  name: string;
  units: string;
  datatype: ValueDatatype;
  timestamps: string[];
  values: Value[];
}

export interface RunFilter extends Page {
  modelName?: string;
  /** Scenario description to match; undefined or null means every scenario. */
  scenario?: string | null;
  /** Inclusive bounds on time_created, as timestamps the database can parse. */
  from?: string;
  to?: string;
  /**
   * DTBase's defaults for missing bounds: from now − 7 days, to now. Taken from the database's
   * clock, the same clock that stamps a run created without time_created, so a run inserted
   * a moment ago is always inside the window.
   */
  defaultToLastWeek?: boolean;
}

export interface NewRun {
  modelId: number;
  scenarioId: number;
  sensorId: number | null;
  sensorMeasureId: number | null;
  /** Undefined: the database's now(). */
  timeCreated?: string;
}

/**
 * The typed table that holds the outputs of each datatype, and how a JavaScript array of them
 * is passed as one array parameter. Booleans travel as text: postgres.js sends a JS boolean
 * array typed as a single boolean, which no cast turns into bool[].
 */
const VALUE_TABLES: Record<ValueDatatype, { table: string; arrayParam: string; encode?: (values: Value[]) => unknown[] }> = {
  float: { table: 'model_value_float', arrayParam: '$3::float8[]' },
  integer: { table: 'model_value_integer', arrayParam: '$3::int8[]' },
  string: { table: 'model_value_string', arrayParam: '$3::text[]' },
  boolean: { table: 'model_value_boolean', arrayParam: '$3::text[]::bool[]', encode: (values) => values.map(String) },
};

const RUN_COLUMNS = `
  r.id, r.model_id AS "modelId", m.name AS "modelName", r.scenario_id AS "scenarioId",
  sc.description AS "scenarioDescription", mb_iso(r.time_created) AS "timeCreated",
  r.sensor_id AS "sensorId", r.sensor_measure_id AS "sensorMeasureId"`;

const RUN_FROM = `
  model_run r
  JOIN model m ON m.id = r.model_id
  JOIN model_scenario sc ON sc.id = r.scenario_id`;

// Each product reads only the table of its measure's datatype: the other branches carry a
// constant-false condition the planner skips.
const OUTPUT_VALUES = (Object.entries(VALUE_TABLES) as [ValueDatatype, { table: string }][])
  .map(
    ([datatype, { table }]) => `SELECT ts, to_json(value) AS value FROM ${table} WHERE product_id = p.id AND mm.datatype = '${datatype}'`,
  )
  .join('\n        UNION ALL ');

/** Model runs and their outputs. */
export function modelRunsRepository(db: Queryable) {
  return {
    async listRuns(filter: RunFilter = {}): Promise<StoredRunRow[]> {
      return db.query<StoredRunRow>(
        `SELECT ${RUN_COLUMNS} FROM ${RUN_FROM}
         WHERE r.id > $1
           AND ($2::text IS NULL OR m.name = $2)
           AND ($3::text IS NULL OR sc.description = $3)
           AND r.time_created >= COALESCE($4::text::timestamptz, CASE WHEN $7::bool THEN now() - interval '7 days' END, '-infinity')
           AND r.time_created <= COALESCE($5::text::timestamptz, CASE WHEN $7::bool THEN now() END, 'infinity')
         ORDER BY r.id LIMIT $6`,
        [
          filter.afterId ?? 0,
          filter.modelName ?? null,
          filter.scenario ?? null,
          filter.from ?? null,
          filter.to ?? null,
          filter.limit ?? null,
          filter.defaultToLastWeek ?? false,
        ],
      );
    },

    async findRun(id: number): Promise<StoredRunRow | undefined> {
      const rows = await db.query<StoredRunRow>(`SELECT ${RUN_COLUMNS} FROM ${RUN_FROM} WHERE r.id = $1`, [id]);
      return rows[0];
    },

    /** Every output series of a run, in the order they were stored, each ordered by timestamp. */
    async listRunOutputs(runId: number): Promise<RunOutputRow[]> {
      return db.query<RunOutputRow>(
        `SELECT mm.id AS "measureId", mm.name, mm.units, mm.datatype,
                COALESCE(o.timestamps, '[]'::json) AS timestamps, COALESCE(o.vals, '[]'::json) AS "values"
         FROM model_product p
         JOIN model_measure mm ON mm.id = p.measure_id
         LEFT JOIN LATERAL (
           SELECT json_agg(mb_iso(v.ts) ORDER BY v.ts) AS timestamps, json_agg(v.value ORDER BY v.ts) AS vals
           FROM (${OUTPUT_VALUES}) v
         ) o ON true
         WHERE p.run_id = $1
         ORDER BY p.id`,
        [runId],
      );
    },

    /** Inserts the run unless (model, scenario, time_created) exists; returns its id or undefined. */
    async insertRun(run: NewRun): Promise<number | undefined> {
      const rows = await db.query<{ id: number }>(
        `INSERT INTO model_run (model_id, scenario_id, sensor_id, sensor_measure_id, time_created)
         VALUES ($1, $2, $3, $4, COALESCE($5::text::timestamptz, now()))
         ON CONFLICT ON CONSTRAINT model_run_model_scenario_time_key DO NOTHING
         RETURNING id`,
        [run.modelId, run.scenarioId, run.sensorId, run.sensorMeasureId, run.timeCreated ?? null],
      );
      return rows[0]?.id;
    },

    async insertProduct(runId: number, measureId: number): Promise<number> {
      const rows = await db.query<{ id: number }>(`INSERT INTO model_product (run_id, measure_id) VALUES ($1, $2) RETURNING id`, [
        runId,
        measureId,
      ]);
      return rows[0].id;
    },

    /**
     * One set-based statement per series. Rows go in in request order, so of two values with
     * the same timestamp the first is kept and the second skipped, as DTBase does.
     */
    async insertValues(productId: number, datatype: ValueDatatype, timestamps: string[], values: Value[]): Promise<void> {
      if (timestamps.length === 0) return;
      const { table, arrayParam, encode } = VALUE_TABLES[datatype];
      await db.query(
        `INSERT INTO ${table} (product_id, ts, value)
         SELECT $1, u.ts, u.value
         FROM unnest($2::text[]::timestamptz[], ${arrayParam}) WITH ORDINALITY AS u(ts, value, n)
         ORDER BY u.n
         ON CONFLICT DO NOTHING`,
        [productId, timestamps, encode ? encode(values) : values],
      );
    },

    /** Deletes runs with their products and values (ON DELETE CASCADE below model_run). */
    async deleteRunsOfModel(modelId: number): Promise<void> {
      await db.query(`DELETE FROM model_run WHERE model_id = $1`, [modelId]);
    },

    async deleteRunsOfScenario(scenarioId: number): Promise<void> {
      await db.query(`DELETE FROM model_run WHERE scenario_id = $1`, [scenarioId]);
    },
  };
}

export type ModelRunsRepository = ReturnType<typeof modelRunsRepository>;
