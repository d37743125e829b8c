import type { Queryable } from '../../db/database.ts';
import type { ValueDatatype } from '../../db/schema/common.ts';

export interface ModelRow {
  id: number;
  name: string;
}

export interface ScenarioRow {
  id: number;
  modelId: number;
  modelName: string;
  description: string | null;
}

export interface MeasureRow {
  id: number;
  name: string;
  units: string;
  datatype: ValueDatatype;
}

/** Cursor paging shared by every list: rows with id > afterId, at most `limit` of them. */
export interface Page {
  afterId?: number;
  limit?: number;
}

const SCENARIO_COLUMNS = `s.id, s.model_id AS "modelId", m.name AS "modelName", s.description`;
const MEASURE_COLUMNS = `id, name, units, datatype`;

/** Models, their scenarios and the measures model outputs are recorded in. */
export function modelsRepository(db: Queryable) {
  return {
    async listModels(page: Page = {}): Promise<ModelRow[]> {
      return db.query<ModelRow>(`SELECT id, name FROM model WHERE id > $1 ORDER BY id LIMIT $2`, [page.afterId ?? 0, page.limit ?? null]);
    },

    async findModel(name: string): Promise<ModelRow | undefined> {
      const rows = await db.query<ModelRow>(`SELECT id, name FROM model WHERE name = $1`, [name]);
      return rows[0];
    },

    /** Inserts unless the name is taken; returns the new row or undefined. */
    async insertModel(name: string): Promise<ModelRow | undefined> {
      const rows = await db.query<ModelRow>(`INSERT INTO model (name) VALUES ($1) ON CONFLICT (name) DO NOTHING RETURNING id, name`, [
        name,
      ]);
      return rows[0];
    },

    /** Deletes the model; its scenarios go with it (ON DELETE CASCADE). Runs must be gone first. */
    async deleteModel(id: number): Promise<void> {
      await db.query(`DELETE FROM model WHERE id = $1`, [id]);
    },

    async listScenarios(filter: { modelName?: string } & Page = {}): Promise<ScenarioRow[]> {
      return db.query<ScenarioRow>(
        `SELECT ${SCENARIO_COLUMNS} FROM model_scenario s JOIN model m ON m.id = s.model_id
         WHERE s.id > $1 AND ($2::text IS NULL OR m.name = $2)
         ORDER BY s.id LIMIT $3`,
        [filter.afterId ?? 0, filter.modelName ?? null, filter.limit ?? null],
      );
    },

    /** A null description is a scenario of its own, matched as such. */
    async findScenario(modelId: number, description: string | null): Promise<ScenarioRow | undefined> {
      const rows = await db.query<ScenarioRow>(
        `SELECT ${SCENARIO_COLUMNS} FROM model_scenario s JOIN model m ON m.id = s.model_id
         WHERE s.model_id = $1 AND s.description IS NOT DISTINCT FROM $2::text`,
        [modelId, description],
      );
      return rows[0];
    },

    /** Inserts unless the (model, description) pair exists; returns the new id or undefined. */
    async insertScenario(modelId: number, description: string | null): Promise<number | undefined> {
      const rows = await db.query<{ id: number }>(
        `INSERT INTO model_scenario (model_id, description) VALUES ($1, $2::text)
         ON CONFLICT ON CONSTRAINT model_scenario_model_description_key DO NOTHING RETURNING id`,
        [modelId, description],
      );
      return rows[0]?.id;
    },

    /** Deletes one scenario. Its runs must be gone first. */
    async deleteScenario(id: number): Promise<void> {
      await db.query(`DELETE FROM model_scenario WHERE id = $1`, [id]);
    },

    async listMeasures(page: Page = {}): Promise<MeasureRow[]> {
      return db.query<MeasureRow>(`SELECT ${MEASURE_COLUMNS} FROM model_measure WHERE id > $1 ORDER BY id LIMIT $2`, [
        page.afterId ?? 0,
        page.limit ?? null,
      ]);
    },

    /**
     * The measure a run output names. Only the name is given (as in DTBase); should several
     * measures share it with different units, the oldest one is taken, the deterministic form
     * of DTBase's "first row".
     */
    async findMeasureByName(name: string): Promise<MeasureRow | undefined> {
      const rows = await db.query<MeasureRow>(`SELECT ${MEASURE_COLUMNS} FROM model_measure WHERE name = $1 ORDER BY id LIMIT 1`, [name]);
      return rows[0];
    },

    /** Inserts unless (name, units) exists; returns the new row or undefined. */
    async insertMeasure(measure: Omit<MeasureRow, 'id'>): Promise<MeasureRow | undefined> {
      const rows = await db.query<MeasureRow>(
        `INSERT INTO model_measure (name, units, datatype) VALUES ($1, $2, $3::value_datatype)
         ON CONFLICT ON CONSTRAINT model_measure_name_units_key DO NOTHING RETURNING ${MEASURE_COLUMNS}`,
        [measure.name, measure.units, measure.datatype],
      );
      return rows[0];
    },

    /** Ids of all measures called `name` (any units), as DTBase deletes by name. */
    async findMeasureIdsByName(name: string): Promise<number[]> {
      const rows = await db.query<{ id: number }>(`SELECT id FROM model_measure WHERE name = $1 ORDER BY id`, [name]);
      return rows.map((r) => r.id);
    },

    async isMeasureInUse(measureIds: number[]): Promise<boolean> {
      const rows = await db.query(`SELECT 1 FROM model_product WHERE measure_id = ANY($1::int4[]) LIMIT 1`, [measureIds]);
      return rows.length > 0;
    },

    async deleteMeasures(measureIds: number[]): Promise<void> {
      await db.query(`DELETE FROM model_measure WHERE id = ANY($1::int4[])`, [measureIds]);
    },
  };
}

export type ModelsRepository = ReturnType<typeof modelsRepository>;
