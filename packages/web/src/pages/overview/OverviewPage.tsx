import { useQueries, useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import type { ColumnDef } from '@tanstack/react-table';
import { useCan } from '../../auth/permissions.ts';
import { DataTable } from '../../components/DataTable.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { QueryState } from '../../components/QueryState.tsx';
import { formatDuration, formatTime } from '../../format.ts';
import { useLiveOverview } from './live-overview.ts';
import {
  COUNTED,
  countQuery,
  formatValue,
  type LatestValue,
  latestKey,
  readLatestValues,
  recentRunsQuery,
  type ServiceRun,
} from './overview-api.ts';
import './overview.css';

const latestColumns: ColumnDef<LatestValue>[] = [
  {
    id: 'sensor',
    header: 'Sensor',
    accessorFn: (row) => row.sensorName ?? row.sensor,
    cell: ({ row }) => (
      <Link to="/sensors/$uid" params={{ uid: row.original.sensor }}>
        {row.original.sensorName ?? row.original.sensor}
      </Link>
    ),
  },
  { id: 'measure', header: 'Measure', accessorFn: (row) => row.measure },
  {
    id: 'value',
    header: 'Latest value',
    accessorFn: (row) => row.value,
    cell: ({ row }) => <span className="latest-value">{formatValue(row.original.value, row.original.units)}</span>,
  },
  {
    id: 'time',
    header: 'At',
    accessorFn: (row) => row.timestamp ?? '',
    cell: ({ row }) =>
      row.original.timestamp ? (
        <time dateTime={row.original.timestamp}>{formatTime(row.original.timestamp)}</time>
      ) : (
        <span className="muted">no reading yet</span>
      ),
  },
];

const runColumns: ColumnDef<ServiceRun>[] = [
  {
    id: 'when',
    header: 'When',
    accessorFn: (run) => run.timestamp,
    cell: ({ row }) => <time dateTime={row.original.timestamp}>{formatTime(row.original.timestamp)}</time>,
  },
  {
    id: 'service',
    header: 'Service',
    accessorFn: (run) => run.service,
    cell: ({ row }) => (
      <Link to="/services/$name" params={{ name: row.original.service }}>
        {row.original.service}
      </Link>
    ),
  },
  { id: 'set', header: 'Parameter set', accessorFn: (run) => run.parameter_set ?? '—' },
  {
    id: 'status',
    header: 'Status',
    accessorFn: (run) => run.status,
    cell: ({ row }) => <span className={`status-${row.original.status}`}>{row.original.status}</span>,
  },
  { id: 'trigger', header: 'Started by', accessorFn: (run) => run.trigger },
  {
    id: 'duration',
    header: 'Took',
    accessorFn: (run) => run.duration_ms,
    cell: ({ row }) => formatDuration(row.original.duration_ms),
  },
];

/** The twin at a glance: how much there is, every sensor's latest value (live), what ran lately. */
export function OverviewPage() {
  const readsReadings = useCan('readings:read');
  const counts = useQueries({ queries: COUNTED.map(countQuery) });
  const latest = useQuery({ queryKey: latestKey, queryFn: readLatestValues, enabled: readsReadings });
  const runs = useQuery(recentRunsQuery);
  useLiveOverview(readsReadings);
  const countError = counts.find((c) => c.isError)?.error;

  return (
    <section className="overview">
      <h1>Overview</h1>
      <section aria-labelledby="counts-heading">
        <h2 id="counts-heading" className="visually-hidden">
          Counts
        </h2>
        <ul className="cards counts">
          {COUNTED.map((counted, index) => {
            const count = counts[index];
            return (
              <li key={counted.key}>
                <Link to={counted.to} className="count-card">
                  <span className="value" aria-busy={count?.isPending ? true : undefined}>
                    {count?.data ?? (count?.isError ? '?' : '…')}
                  </span>
                  <span>{counted.label}</span>
                </Link>
              </li>
            );
          })}
        </ul>
        {countError && <ErrorMessage error={countError} title="Could not count everything" />}
      </section>

      {readsReadings && (
        <section aria-labelledby="latest-heading">
          <h2 id="latest-heading">Latest values</h2>
          <QueryState query={latest} label="the latest values">
            {(rows) => (
              <DataTable
                caption="Latest value of every sensor"
                data={rows}
                columns={latestColumns}
                empty="No sensor yet."
                initialSorting={[{ id: 'sensor', desc: false }]}
              />
            )}
          </QueryState>
        </section>
      )}

      <section aria-labelledby="runs-heading">
        <h2 id="runs-heading">Recent service runs</h2>
        <QueryState query={runs} label="the recent service runs">
          {({ items }) => (
            <DataTable
              caption="Recent service runs, newest first"
              data={items}
              columns={runColumns}
              filter={false}
              empty="No service has run yet."
            />
          )}
        </QueryState>
      </section>
    </section>
  );
}
