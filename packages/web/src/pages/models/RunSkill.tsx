import type { UseQueryResult } from '@tanstack/react-query';
import { QueryState } from '../../components/QueryState.tsx';
import { formatValue } from '../../components/plot/plot-data.ts';

export interface RunSkillScores {
  tolerance: number;
  outputs: { mean: string; lower: string | null; upper: string | null };
  forecast_points: number;
  points: number;
  mae: number | null;
  rmse: number | null;
  bias: number | null;
  band_points: number | null;
  band_coverage: number | null;
  sensor_measure: { name: string; units: string | null };
}

const orDash = (value: number | null, units = '') => (value === null ? '–' : `${formatValue(value)}${units}`);

/** The run's forecast scored against the observations (GET /api/v1/runs/{id}/skill). */
export function RunSkill({ query }: { query: UseQueryResult<RunSkillScores> }) {
  return (
    <section className="run-skill" aria-labelledby="run-skill-heading">
      <h2 id="run-skill-heading">Skill</h2>
      <QueryState query={query} label="the skill scores">
        {(skill) => {
          const units = skill.sensor_measure.units ? ` ${skill.sensor_measure.units}` : '';
          return (
            <>
              <dl>
                <dt>Mean absolute error</dt>
                <dd>{orDash(skill.mae, units)}</dd>
                <dt>Root mean square error</dt>
                <dd>{orDash(skill.rmse, units)}</dd>
                <dt>Bias (forecast − observed)</dt>
                <dd>{orDash(skill.bias, units)}</dd>
                <dt>Inside the bounds</dt>
                <dd>
                  {skill.band_coverage === null
                    ? 'no bounds to check'
                    : `${(skill.band_coverage * 100).toFixed(1)} % of ${skill.band_points} points`}
                </dd>
                <dt>Points compared</dt>
                <dd>
                  {skill.points} of {skill.forecast_points} forecast points
                </dd>
              </dl>
              <p className="run-skill-note">
                Forecast “{skill.outputs.mean}”
                {skill.outputs.lower && skill.outputs.upper ? `, bounds “${skill.outputs.lower}” and “${skill.outputs.upper}”` : ''},
                compared with observations {skill.tolerance > 0 ? `within ${skill.tolerance} s` : 'at the same instants'}.
              </p>
            </>
          );
        }}
      </QueryState>
    </section>
  );
}
