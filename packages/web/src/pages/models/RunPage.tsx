import './run.css';
import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from '@tanstack/react-router';
import { useMemo, useRef } from 'react';
import { client } from '../../api/client.ts';
import { unwrap } from '../../api/unwrap.ts';
import { formatInstant } from '../../components/plot/plot-data.ts';
import { TimeSeriesPlot } from '../../components/plot/TimeSeriesPlot.tsx';
import { useElementWidth } from '../../components/plot/use-element-width.ts';
import { QueryState } from '../../components/QueryState.tsx';
import { type RunObservations, type RunOutput, runPlotSeries, runRoles, seriesExtent } from './run-series.ts';
import { RunSkill, type RunSkillScores } from './RunSkill.tsx';

/** One model run: its forecast with bounds over the sensor's observations, and its skill. */
export function RunPage() {
  const { id } = useParams({ strict: false }) as { id: string };
  const runId = Number(id);
  const area = useRef<HTMLDivElement>(null);
  // About one observation per pixel; observations are fetched once the width is known.
  const width = useElementWidth(area, 100);
  const maxPoints = Math.min(10_000, Math.max(200, width));
  const run = useQuery({
    queryKey: ['runs', runId, 'details', maxPoints],
    queryFn: () => unwrap(client.api.GET('/api/v1/runs/{id}', { params: { path: { id: runId }, query: { max_points: maxPoints } } })),
    enabled: Number.isInteger(runId) && width > 0,
    staleTime: 60_000,
  });
  const skill = useQuery({
    queryKey: ['runs', runId, 'skill'],
    queryFn: () => unwrap(client.api.GET('/api/v1/runs/{id}/skill', { params: { path: { id: runId } } })) as Promise<RunSkillScores>,
    enabled: Number.isInteger(runId),
    staleTime: 60_000,
  });

  return (
    <section className="run-page">
      <p>
        <Link to={'/models' as never}>← Models</Link>
      </p>
      <h1>Model run {Number.isInteger(runId) ? runId : ''}</h1>
      <div ref={area} className="run-layout">
        {!Number.isInteger(runId) ? (
          <p role="alert">“{id}” is not a run number.</p>
        ) : (
          <>
            <div className="run-main">
              <QueryState query={run} label="the run">
                {(details) => <RunDetails details={details} skill={skill.data} />}
              </QueryState>
            </div>
            {/* A run that cannot be read has no skill either: one message for one cause. */}
            {!run.isError && <RunSkill query={skill} />}
          </>
        )}
      </div>
    </section>
  );
}

interface RunDetailsData {
  id: number;
  model: string;
  scenario: string | null;
  time_created: string;
  sensor: string | null;
  sensor_measure: { name: string; units: string | null } | null;
  outputs: RunOutput[];
  observations: RunObservations | null;
}

function RunDetails({ details, skill }: { details: RunDetailsData; skill: RunSkillScores | undefined }) {
  const { mean, lower, upper } = runRoles(details.outputs, skill?.outputs);
  const series = useMemo(
    () => runPlotSeries(details.outputs, details.observations, { mean, lower, upper }),
    [details.outputs, details.observations, mean, lower, upper],
  );
  const extent = seriesExtent(series);
  const measure = details.sensor_measure;
  const title = measure ? `${measure.name}${measure.units ? ` (${measure.units})` : ''}: forecast and observations` : 'Outputs';
  return (
    <>
      <dl className="run-facts">
        <dt>Model</dt>
        <dd>{details.model}</dd>
        <dt>Scenario</dt>
        <dd>{details.scenario ?? '–'}</dd>
        <dt>Created</dt>
        <dd>
          <time dateTime={details.time_created}>{formatInstant(Date.parse(details.time_created))}</time>
        </dd>
        <dt>Compared with</dt>
        <dd>
          {details.sensor && measure ? (
            <Link
              to="/plots"
              search={
                {
                  sensors: details.sensor,
                  measures: measure.name,
                  ...(extent ? { from: new Date(extent.from).toISOString(), to: new Date(extent.to).toISOString() } : {}),
                } as never
              }
            >
              {details.sensor}: {measure.name}
            </Link>
          ) : (
            'no sensor'
          )}
        </dd>
      </dl>
      {series.length === 0 || !extent ? (
        <p>This run has no numeric output to plot.</p>
      ) : (
        <TimeSeriesPlot title={title} series={series} range={extent} height={320} />
      )}
      {details.sensor && !details.observations ? <p>No observations of {details.sensor} over the forecast’s range.</p> : null}
      {details.observations && details.observations.resolution !== 'raw' ? (
        <p className="run-note">Observations averaged per bucket ({details.observations.resolution} level): the range holds many.</p>
      ) : null}
    </>
  );
}
