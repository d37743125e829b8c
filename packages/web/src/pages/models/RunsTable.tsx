import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import type { ColumnDef } from '@tanstack/react-table';
import { useState } from 'react';
import { DataTable } from '../../components/DataTable.tsx';
import { Field } from '../../components/Field.tsx';
import { QueryState } from '../../components/QueryState.tsx';
import { formatTime, type Model, type ModelRun, RUN_WINDOWS, runPath, runsQuery, sensorPath } from './models-api.ts';

const columns: ColumnDef<ModelRun>[] = [
  {
    id: 'run',
    header: 'Run',
    accessorFn: (r) => r.id,
    cell: ({ row }) => <Link to={runPath(row.original.id)}>Run {row.original.id}</Link>,
  },
  { id: 'model', header: 'Model', accessorFn: (r) => r.model },
  { id: 'scenario', header: 'Scenario', accessorFn: (r) => r.scenario ?? '(none)' },
  {
    id: 'created',
    header: 'Created',
    accessorFn: (r) => r.time_created,
    cell: ({ row }) => <time dateTime={row.original.time_created}>{formatTime(row.original.time_created)}</time>,
  },
  {
    id: 'sensor',
    header: 'Compared with',
    accessorFn: (r) => (r.sensor ? `${r.sensor} ${r.sensor_measure?.name ?? ''}` : ''),
    cell: ({ row }) => {
      const { sensor, sensor_measure: measure } = row.original;
      if (!sensor) return <span className="muted">no sensor</span>;
      return (
        <>
          <Link to={sensorPath(sensor)}>{sensor}</Link>
          {measure && `: ${measure.name}${measure.units ? ` (${measure.units})` : ''}`}
        </>
      );
    },
  },
];

/** The runs of one model or all, over a time window, newest first; each opens the run's own page. */
export function RunsTable({ models }: { models: Model[] }) {
  const [model, setModel] = useState('');
  const [windowIndex, setWindowIndex] = useState(1);
  const days = RUN_WINDOWS[windowIndex]?.days;
  const runs = useQuery(runsQuery(model || undefined, days));
  return (
    <>
      <div className="run-filters">
        <Field label="Runs of">
          {({ id }) => (
            <select id={id} value={model} onChange={(event) => setModel(event.target.value)}>
              <option value="">every model</option>
              {models.map((m) => (
                <option key={m.id}>{m.name}</option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Created">
          {({ id }) => (
            <select id={id} value={windowIndex} onChange={(event) => setWindowIndex(Number(event.target.value))}>
              {RUN_WINDOWS.map((w, index) => (
                <option key={w.label} value={index}>
                  {w.label}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <QueryState query={runs} label="model runs">
        {(list) => (
          <DataTable
            caption="Model runs"
            data={list}
            columns={columns}
            empty="No run in this window."
            initialSorting={[{ id: 'created', desc: true }]}
          />
        )}
      </QueryState>
    </>
  );
}
