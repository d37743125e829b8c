import { useQuery } from '@tanstack/react-query';
import { useId } from 'react';
import { QueryState } from '../../components/QueryState.tsx';
import { useLiveInvalidation } from '../../live/realtime.ts';
import { formatDuration, formatTime } from '../../format.ts';
import { showJson } from './parameters-json.ts';
import { listRecentRuns, RUN_HISTORY_SIZE, servicesKeys } from './services-queries.ts';
import { TableScroll } from '../../components/TableScroll.tsx';

type Run = Awaited<ReturnType<typeof listRecentRuns>>['items'][number];

/** The latest runs, newest first, kept current by the realtime feed (a run starting or finishing anywhere). */
export function RunHistory({ service }: { service: string }) {
  const runs = useQuery({ queryKey: servicesKeys.runs(service), queryFn: () => listRecentRuns(service) });
  useLiveInvalidation(['service_run'], servicesKeys.runs(service));
  const headingId = useId();
  return (
    <section aria-labelledby={headingId}>
      <h2 id={headingId}>Run history</h2>
      <QueryState query={runs} label="the run history">
        {(page) =>
          page.items.length === 0 ? (
            <p>No run yet.</p>
          ) : (
            <TableScroll label={`Runs of ${service}`}>
              <table className="striped">
                <caption>
                  Runs of {service}, newest first
                  {page.next_cursor ? ` (the latest ${RUN_HISTORY_SIZE})` : ''}; updated as runs happen
                </caption>
                <thead>
                  <tr>
                    <th scope="col">Run</th>
                    <th scope="col">Started</th>
                    <th scope="col">Status</th>
                    <th scope="col">Duration</th>
                    <th scope="col">Parameter set</th>
                    <th scope="col">Trigger</th>
                    <th scope="col">Answer</th>
                  </tr>
                </thead>
                <tbody>
                  {page.items.map((run) => (
                    <RunRow key={run.id} run={run} />
                  ))}
                </tbody>
              </table>
            </TableScroll>
          )
        }
      </QueryState>
    </section>
  );
}

function RunRow({ run }: { run: Run }) {
  return (
    <tr>
      <th scope="row">{run.id}</th>
      <td>{formatTime(run.started_at ?? run.timestamp)}</td>
      <td>
        <span className={`status-${run.status}`}>{run.status}</span>
        {run.response_status_code !== null && <small> HTTP {run.response_status_code}</small>}
      </td>
      <td>{formatDuration(run.duration_ms)}</td>
      <td>{run.parameter_set ?? '—'}</td>
      <td>{run.trigger}</td>
      <td>
        {run.error && <p className="status-failed">{run.error}</p>}
        {run.response_json !== null && run.response_json !== undefined && <pre className="json-preview">{showJson(run.response_json)}</pre>}
        {run.written && run.written.length > 0 && (
          <small>
            Written:{' '}
            {run.written.map((w) => `${w.endpoint} ${w.status ?? 'not sent'} (${w.count})${w.error ? `: ${w.error}` : ''}`).join('; ')}
          </small>
        )}
      </td>
    </tr>
  );
}
