import { useQuery } from '@tanstack/react-query';
import { useNavigate, useSearch } from '@tanstack/react-router';
import { createColumnHelper } from '@tanstack/react-table';
import { useMemo, useState } from 'react';
import { client } from '../../api/client.ts';
import { useCan } from '../../auth/permissions.ts';
import { DataTable } from '../../components/DataTable.tsx';
import { QueryState } from '../../components/QueryState.tsx';
import { formatTime } from '../../format.ts';
import { ReadingsPicker } from './ReadingsPicker.tsx';
import { ReadingsUpload } from './ReadingsUpload.tsx';
import { downloadText, type ReadingRow, readingsCsv, readingsFilename } from './readings-csv.ts';
import { defaultRange, type ReadingsSearch } from './readings-search.ts';
import './readings.css';

const column = createColumnHelper<ReadingRow>();
// Unsortable: the table keeps the API's order (by time), which the CSV download repeats row for row.
const columns = [
  column.accessor('timestamp', { header: 'Time (UTC)', enableSorting: false }),
  column.accessor('value', { header: 'Value', enableSorting: false, cell: (info) => String(info.getValue()) }),
];

/** One series' raw readings over a range as a paged table, its CSV download, and (for writers) a CSV upload. */
export function ReadingsPage() {
  const navigate = useNavigate();
  const search = useSearch({ from: '/app/readings' });
  // A link without a range (a sensor's page) shows the last week, fixed when the page opened.
  const [fallback] = useState(defaultRange);
  const shown: ReadingsSearch = { ...search, from: search.from ?? fallback.from, to: search.to ?? fallback.to };
  const canUpload = useCan('readings:write');

  return (
    <section>
      <h1>Readings</h1>
      <ReadingsPicker key={JSON.stringify(shown)} initial={shown} onShow={(next) => navigate({ to: '/readings', search: next })} />
      {shown.sensor && shown.measure ? (
        <ReadingsTable sensor={shown.sensor} measure={shown.measure} units={shown.units} from={shown.from!} to={shown.to!} />
      ) : (
        <p>Choose a sensor, one of its measures and a range to see its readings.</p>
      )}
      {canUpload && <ReadingsUpload />}
    </section>
  );
}

interface SeriesRange {
  sensor: string;
  measure: string;
  units?: string;
  from: string;
  to: string;
}

function ReadingsTable({ sensor, measure, units, from, to }: SeriesRange) {
  const readings = useQuery({
    queryKey: ['readings', sensor, measure, units ?? null, from, to],
    queryFn: ({ signal }) => client.readings.query({ sensor, measure, units, from, to, signal }),
  });
  return (
    <QueryState query={readings} label="readings">
      {(series) => <SeriesTable series={series} range={{ sensor, measure, units, from, to }} />}
    </QueryState>
  );
}

function SeriesTable({ series, range }: { series: { timestamps: string[]; values: unknown[]; units: string | null }; range: SeriesRange }) {
  const rows = useMemo<ReadingRow[]>(() => series.timestamps.map((timestamp, i) => ({ timestamp, value: series.values[i] })), [series]);
  const what = `${range.measure}${series.units ? ` (${series.units})` : ''} of sensor ${range.sensor}`;
  return (
    <section aria-labelledby="readings-heading">
      <header className="page-header">
        <h2 id="readings-heading">
          {rows.length.toLocaleString()} {rows.length === 1 ? 'reading' : 'readings'}
        </h2>
        <button
          type="button"
          className="secondary download-button"
          disabled={rows.length === 0}
          onClick={() => downloadText(readingsCsv(rows), readingsFilename(range.sensor, range.measure, range.from, range.to))}
        >
          Download CSV
        </button>
      </header>
      <p className="muted">
        {what}, from <time dateTime={range.from}>{formatTime(range.from)}</time> to <time dateTime={range.to}>{formatTime(range.to)}</time>{' '}
        (both included). The download holds every row of the table, on every page.
      </p>
      <DataTable caption={`Readings of ${what}`} data={rows} columns={columns} filter={false} empty="No reading in this range." />
    </section>
  );
}
