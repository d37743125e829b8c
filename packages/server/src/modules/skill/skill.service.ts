/**
 * How good was a forecast: a run's mean output against the observations of the sensor measure
 * it forecasts (MAE, RMSE, bias = mean of forecast − observed, the share of observations inside
 * the run's band), for one run or pooled over a model's runs per scenario.
 *
 * Points are reduced to sums in SQL (skill.repository.ts); this file only picks the outputs of
 * each run (skill-outputs.ts), adds sums up and divides.
 */
import type { Database } from '../../db/database.ts';
import { notFound, unprocessable } from '../../errors.ts';
import type { ModelsService } from '../models/index.ts';
import { pickSkillOutputs, type OutputNames, type SkillOutputs } from './skill-outputs.ts';
import { skillRepository, type RunSums, type ScoreTarget, type SkillRunRow } from './skill.repository.ts';

/** The most runs one model skill request scores (the newest of the range); `max_runs` may lower it. */
export const MAX_RUNS_PER_REQUEST = 1000;
export const DEFAULT_RUNS_PER_REQUEST = 200;

export interface SkillOptions {
  /** Seconds between a forecast point and the observation it is compared with; 0: the same instant. */
  toleranceSeconds: number;
  names: OutputNames;
}

export interface Skill {
  /** Values of the mean output(s). */
  forecastPoints: number;
  /** Of those, the points with an observation (within the tolerance). */
  points: number;
  mae: number | null;
  rmse: number | null;
  bias: number | null;
  /** Compared points with both bounds at their timestamp; null without a band. */
  bandPoints: number | null;
  /** Share of bandPoints whose observation lies inside [lower, upper]; null without a band or band points. */
  bandCoverage: number | null;
  /** First and last forecast timestamp compared. */
  from: string | null;
  to: string | null;
}

export interface RunSkill extends Skill {
  run: SkillRunRow;
  outputs: SkillOutputs;
}

export interface SkillGroup extends Skill {
  runs: number;
  runsScored: number;
  runsSkipped: number;
}

export interface ModelSkill {
  model: string;
  /** Runs created in the range, and how many of the newest were considered (at most maxRuns). */
  runsMatched: number;
  runsConsidered: number;
  truncated: boolean;
  scenarios: (SkillGroup & { scenario: string | null })[];
  overall: SkillGroup;
  skipped: { runId: number; scenario: string | null; reason: string }[];
}

/** Milliseconds since the epoch of a zoned datetime text; Date.parse does not read a bare "+01" offset. */
const instant = (text: string) => Date.parse(text.replace(/([+-]\d{2})$/, '$1:00'));

interface Totals {
  forecastPoints: number;
  points: number;
  sumAbs: number;
  sumSq: number;
  sumError: number;
  banded: boolean;
  bandPoints: number;
  insideBand: number;
  from: string | null;
  to: string | null;
}

const emptyTotals = (): Totals => ({
  forecastPoints: 0,
  points: 0,
  sumAbs: 0,
  sumSq: 0,
  sumError: 0,
  banded: false,
  bandPoints: 0,
  insideBand: 0,
  from: null,
  to: null,
});

/** mb_iso texts compare in time order once the fraction is padded to six digits. */
const sortable = (ts: string) => (ts.includes('.') ? ts : ts.replace(/Z$/, '.000000Z'));
const earlier = (a: string | null, b: string | null) => (a === null ? b : b === null || sortable(a) <= sortable(b) ? a : b);
const later = (a: string | null, b: string | null) => (a === null ? b : b === null || sortable(a) >= sortable(b) ? a : b);

function add(totals: Totals, sums: RunSums | undefined, banded: boolean): void {
  totals.banded ||= banded;
  if (!sums) return;
  totals.forecastPoints += sums.forecastPoints;
  totals.points += sums.points;
  totals.sumAbs += sums.sumAbs ?? 0;
  totals.sumSq += sums.sumSq ?? 0;
  totals.sumError += sums.sumError ?? 0;
  if (banded) {
    totals.bandPoints += sums.bandPoints;
    totals.insideBand += sums.insideBand;
  }
  totals.from = earlier(totals.from, sums.from);
  totals.to = later(totals.to, sums.to);
}

function skillOf(t: Totals): Skill {
  const n = t.points;
  return {
    forecastPoints: t.forecastPoints,
    points: n,
    mae: n === 0 ? null : t.sumAbs / n,
    rmse: n === 0 ? null : Math.sqrt(t.sumSq / n),
    bias: n === 0 ? null : t.sumError / n,
    bandPoints: t.banded ? t.bandPoints : null,
    bandCoverage: t.banded && t.bandPoints > 0 ? t.insideBand / t.bandPoints : null,
    from: t.from,
    to: t.to,
  };
}

type Scorable = { ok: true; target: ScoreTarget; outputs: SkillOutputs; datatype: 'float' | 'integer' } | { ok: false; reason: string };

/** Whether a run can be scored, and against what. */
function scorable(run: SkillRunRow, names: OutputNames): Scorable {
  if (run.sensorId === null || run.sensorMeasureId === null) {
    return { ok: false, reason: `model run ${run.runId} names no sensor and sensor measure to compare its outputs with` };
  }
  if (run.observedDatatype !== 'float' && run.observedDatatype !== 'integer') {
    return {
      ok: false,
      reason: `sensor measure ${JSON.stringify(run.sensorMeasureName)} of model run ${run.runId} records ${run.observedDatatype} values, not numbers`,
    };
  }
  const picked = pickSkillOutputs(run.outputs, names);
  if (!picked.ok) return { ok: false, reason: `model run ${run.runId}: ${picked.reason}` };
  const { mean, band } = picked.outputs;
  return {
    ok: true,
    outputs: picked.outputs,
    datatype: run.observedDatatype,
    target: {
      runId: run.runId,
      sensorId: run.sensorId,
      measureId: run.sensorMeasureId,
      meanProductId: mean.productId,
      lowerProductId: band?.lower.productId ?? null,
      upperProductId: band?.upper.productId ?? null,
    },
  };
}

export function createSkillService(deps: { db: Database; models: Pick<ModelsService, 'findModel'> }) {
  const repo = skillRepository(deps.db);

  /** Sums per run id, one query per readings datatype present. */
  async function score(items: { target: ScoreTarget; datatype: 'float' | 'integer' }[], toleranceSeconds: number) {
    const sums = new Map<number, RunSums>();
    for (const datatype of ['float', 'integer'] as const) {
      const targets = items.filter((i) => i.datatype === datatype).map((i) => i.target);
      for (const row of await repo.scoreRuns(datatype, targets, toleranceSeconds)) sums.set(row.runId, row);
    }
    return sums;
  }

  return {
    /** One run's skill; undefined for an unknown run; 422 when it cannot be scored. */
    async scoreRun(runId: number, options: SkillOptions): Promise<RunSkill | undefined> {
      const [run] = await repo.selectRuns({ runId, limit: 1 });
      if (!run) return undefined;
      const check = scorable(run, options.names);
      if (!check.ok) throw unprocessable(check.reason);
      const sums = await score([check], options.toleranceSeconds);
      const totals = emptyTotals();
      add(totals, sums.get(runId), check.outputs.band !== null);
      return { run, outputs: check.outputs, ...skillOf(totals) };
    },

    /**
     * A model's skill over the newest `maxRuns` runs created in [from, to] (of one scenario, or
     * all), pooled per scenario and overall: every compared point counts once, so a long run
     * weighs more than a short one. Runs that cannot be scored are listed with the reason.
     * Undefined for an unknown model.
     */
    async scoreModel(
      modelName: string,
      options: SkillOptions & { scenario?: string | undefined; from?: string | undefined; to?: string | undefined; maxRuns: number },
    ): Promise<ModelSkill | undefined> {
      if (options.from !== undefined && options.to !== undefined && instant(options.from) > instant(options.to)) {
        throw unprocessable('"from" must not be after "to"');
      }
      const model = await deps.models.findModel(modelName);
      if (!model) return undefined;
      if (options.scenario !== undefined && !(await repo.scenarioExists(model.id, options.scenario))) {
        throw notFound(`Model ${JSON.stringify(modelName)} has no scenario ${JSON.stringify(options.scenario)}`);
      }
      const runs = await repo.selectRuns({
        modelId: model.id,
        scenario: options.scenario,
        from: options.from,
        to: options.to,
        limit: options.maxRuns,
      });
      const checks = runs.map((run) => ({ run, check: scorable(run, options.names) }));
      const sums = await score(
        checks.flatMap(({ check }) => (check.ok ? [check] : [])),
        options.toleranceSeconds,
      );

      const groups = new Map<string | null, { totals: Totals; runs: number; scored: number; skipped: number }>();
      const overall = { totals: emptyTotals(), runs: 0, scored: 0, skipped: 0 };
      const skipped: ModelSkill['skipped'] = [];
      for (const { run, check } of checks) {
        let group = groups.get(run.scenario);
        if (!group) {
          group = { totals: emptyTotals(), runs: 0, scored: 0, skipped: 0 };
          groups.set(run.scenario, group);
        }
        for (const g of [group, overall]) {
          g.runs++;
          if (!check.ok) {
            g.skipped++;
            continue;
          }
          const runSums = sums.get(run.runId);
          add(g.totals, runSums, check.outputs.band !== null);
          if ((runSums?.points ?? 0) > 0) g.scored++;
        }
        if (!check.ok) skipped.push({ runId: run.runId, scenario: run.scenario, reason: check.reason });
      }
      const toGroup = (g: typeof overall): SkillGroup => ({
        runs: g.runs,
        runsScored: g.scored,
        runsSkipped: g.skipped,
        ...skillOf(g.totals),
      });
      const matched = runs[0]?.matched ?? 0;
      return {
        model: model.name,
        runsMatched: matched,
        runsConsidered: runs.length,
        truncated: matched > runs.length,
        scenarios: [...groups.entries()]
          // The scenario without a description first, then by description (code points, not a locale's collation).
          .sort(([a], [b]) => (a === null ? -1 : b === null ? 1 : a < b ? -1 : a > b ? 1 : 0))
          .map(([scenario, g]) => ({ scenario, ...toGroup(g) })),
        overall: toGroup(overall),
        skipped,
      };
    },
  };
}

export type SkillService = ReturnType<typeof createSkillService>;
