import type { RealtimeEvent } from '@mirrorbase/sdk';
import { type QueryClient, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useParams } from '@tanstack/react-router';
import { createColumnHelper } from '@tanstack/react-table';
import { client } from '../../api/client.ts';
import { unwrap } from '../../api/unwrap.ts';
import { useCan } from '../../auth/permissions.ts';
import { DataTable } from '../../components/DataTable.tsx';
import { QueryState } from '../../components/QueryState.tsx';
import { formatNumber, formatTime } from '../../format.ts';
import { type LiveReadings, useRealtime } from '../../live/realtime.ts';
import { measureLabel, type SensorDetails, sensorKey, sensorLocationsKey, useSensor } from './sensor-queries.ts';
import './sensors.css';

type Installation = { id: number; installation_datetime: string } & Record<string, unknown>;
type MeasureLatest = SensorDetails['measures'][number];

/** One sensor: its measures' latest values (kept live by the realtime feed), its installations, links to its data. */
export function SensorPage() {
  const { uid } = useParams({ from: '/app/sensors/$uid' });
  const sensor = useSensor(uid);
  const queryClient = useQueryClient();
  useRealtime({ sensor: uid, entities: ['sensor', 'sensor_location'] }, (event) => applyLiveEvent(queryClient, uid, event));

  return (
    <QueryState query={sensor} label={`sensor ${uid}`}>
      {(details) => (
        <section>
          <header className="page-header">
            <h1>
              {details.name ?? details.unique_identifier} <small className="muted">({details.type.name})</small>
            </h1>
            <nav aria-label="This sensor's data" className="inline-links">
              <Link to="/sensors">All sensors</Link>
              <Link
                to="/plots"
                search={{
                  type: details.type.name,
                  sensors: details.unique_identifier,
                  measures: details.measures.map((m) => m.name).join(','),
                }}
              >
                Plot its measures
              </Link>
            </nav>
          </header>
          <dl className="sensor-facts">
            <dt>Unique identifier</dt>
            <dd>{details.unique_identifier}</dd>
            <dt>Type</dt>
            <dd>{details.type.name}</dd>
            {details.notes && (
              <>
                <dt>Notes</dt>
                <dd className="notes">{details.notes}</dd>
              </>
            )}
          </dl>
          <h2>Latest values</h2>
          {details.measures.length === 0 ? (
            <p>This sensor's type has no measures.</p>
          ) : (
            <div className="cards" aria-live="polite">
              {details.measures.map((measure) => (
                <LatestValueCard key={measure.id} sensor={details.unique_identifier} measure={measure} />
              ))}
            </div>
          )}
          <SensorLocations uid={details.unique_identifier} />
        </section>
      )}
    </QueryState>
  );
}

function LatestValueCard({ sensor, measure }: { sensor: string; measure: MeasureLatest }) {
  const canReadReadings = useCan('readings:read');
  const latest = measure.latest;
  return (
    <article aria-label={`Latest ${measure.name}`}>
      <header>{measureLabel(measure)}</header>
      <p className="value" data-measure={measure.name}>
        {latest ? formatValue(latest.value) : '—'} {latest && measure.units ? <small>{measure.units}</small> : null}
      </p>
      <p className="muted">{latest ? <time dateTime={latest.timestamp}>{formatTime(latest.timestamp)}</time> : 'No reading yet'}</p>
      {canReadReadings && (
        <footer>
          <Link to="/readings" search={{ sensor, measure: measure.name, units: measure.units ?? undefined }}>
            Readings of {measure.name}
          </Link>
        </footer>
      )}
    </article>
  );
}

function formatValue(value: unknown): string {
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : formatNumber(value);
  return String(value);
}

/**
 * Takes a realtime event into the cached sensor: a reading newer than the shown one becomes the
 * latest value without a refetch. An event without its readings (too many in one), a reset of
 * the feed or a change of the sensor or its installations refetches instead.
 */
function applyLiveEvent(queryClient: QueryClient, uid: string, event: RealtimeEvent) {
  if (event.event === 'entity' || event.event === 'reset') {
    void queryClient.invalidateQueries({ queryKey: sensorKey(uid) });
    return;
  }
  if (event.event !== 'readings') return;
  const live = event.data as unknown as LiveReadings;
  if (live.sensor !== uid) return;
  if (!live.timestamps || !live.values) {
    void queryClient.invalidateQueries({ queryKey: sensorKey(uid), exact: true });
    return;
  }
  let newest = 0;
  for (let i = 1; i < live.timestamps.length; i++) if (Date.parse(live.timestamps[i]!) > Date.parse(live.timestamps[newest]!)) newest = i;
  const timestamp = live.timestamps[newest];
  const value = live.values[newest];
  if (timestamp === undefined || value === undefined || value === null) return;
  queryClient.setQueryData<SensorDetails>(sensorKey(uid), (old) => {
    if (!old) return old;
    return {
      ...old,
      measures: old.measures.map((m) => {
        if (m.name !== live.measure || (live.units ?? null) !== (m.units ?? null)) return m;
        if (m.latest && Date.parse(m.latest.timestamp) > Date.parse(timestamp)) return m;
        return { ...m, latest: { timestamp, value: value as number | boolean | string } };
      }),
    };
  });
}

const installationColumn = createColumnHelper<Installation & { until: string | null }>();
const installationColumns = [
  installationColumn.accessor('installation_datetime', {
    header: 'Installed',
    cell: (info) => <time dateTime={info.getValue()}>{formatTime(info.getValue())}</time>,
  }),
  installationColumn.accessor('until', {
    header: 'Until',
    cell: (info) => {
      const until = info.getValue();
      return until ? <time dateTime={until}>{formatTime(until)}</time> : 'now';
    },
  }),
  installationColumn.accessor('id', { header: 'Location', cell: (info) => `#${info.getValue()}` }),
  installationColumn.accessor((row) => coordinatesText(row), { id: 'coordinates', header: 'Coordinates' }),
];

function coordinatesText(row: Installation): string {
  return Object.entries(row)
    .filter(([key]) => key !== 'id' && key !== 'installation_datetime' && key !== 'until')
    .map(([key, value]) => `${key}: ${String(value)}`)
    .join(', ');
}

/** Where the sensor has been installed over time, newest first: each installation lasts until the next. */
function SensorLocations({ uid }: { uid: string }) {
  const locations = useQuery({
    queryKey: sensorLocationsKey(uid),
    queryFn: () =>
      unwrap(client.api.POST('/sensor/list-sensor-locations', { body: { unique_identifier: uid } })) as Promise<Installation[]>,
  });
  return (
    <section aria-labelledby="locations-heading" className="sensor-locations">
      <h2 id="locations-heading">Locations over time</h2>
      <QueryState query={locations} label="the sensor's locations">
        {(rows) => (
          <DataTable
            caption={`Installations of sensor ${uid}`}
            data={rows.map((row, index) => ({ ...row, until: index === 0 ? null : rows[index - 1]!.installation_datetime }))}
            columns={installationColumns}
            filter={false}
            empty="This sensor has never been installed at a location."
          />
        )}
      </QueryState>
    </section>
  );
}
