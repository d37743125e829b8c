import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { useId, useState } from 'react';
import { client } from '../../api/client.ts';
import { MAX_PAGE, readAllPages } from '../../api/read-all-pages.ts';
import { unwrap } from '../../api/unwrap.ts';
import { formatTime } from '../../format.ts';
import { useCan } from '../../auth/permissions.ts';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { Field } from '../../components/Field.tsx';
import { QueryState } from '../../components/QueryState.tsx';
import { describeLocation, type Location, type LocationSchema, LOCATIONS_KEY, locationSensorsQuery } from './locations-api.ts';
import { TableScroll } from '../../components/TableScroll.tsx';

/** A location's detail: the sensors installed there (now and before), and installing another. */
export function LocationSensors({ location, schema, onClose }: { location: Location; schema: LocationSchema; onClose: () => void }) {
  const sensors = useQuery(locationSensorsQuery(location.id));
  const canWrite = useCan('data:write');
  const headingId = useId();
  return (
    <article className="location-detail" aria-labelledby={headingId}>
      <header className="page-header">
        <h3 id={headingId}>
          Sensors at location {location.id} <small className="muted">({describeLocation(location, schema.identifiers)})</small>
        </h3>
        <button type="button" className="secondary outline close-detail" onClick={onClose}>
          Close
        </button>
      </header>
      <QueryState query={sensors} label="the sensors at this location">
        {({ items }) =>
          items.length === 0 ? (
            <p>No sensor has been installed here.</p>
          ) : (
            <TableScroll label={`Installations at location ${location.id}`} className="data-table">
              <table className="striped">
                <caption>Installations at location {location.id}, newest first</caption>
                <thead>
                  <tr>
                    <th scope="col">Sensor</th>
                    <th scope="col">Type</th>
                    <th scope="col">Installed</th>
                    <th scope="col">Now</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((item) => (
                    <tr key={`${item.sensor}@${item.installation_datetime}`}>
                      <td>
                        <Link to="/sensors/$uid" params={{ uid: item.sensor }}>
                          {item.name ? `${item.name} (${item.sensor})` : item.sensor}
                        </Link>
                      </td>
                      <td>{item.type}</td>
                      <td>
                        <time dateTime={item.installation_datetime}>{formatTime(item.installation_datetime)}</time>
                      </td>
                      <td>{item.current ? 'Here' : 'Moved elsewhere'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableScroll>
          )
        }
      </QueryState>
      {canWrite && <InstallSensorForm location={location} schema={schema} />}
    </article>
  );
}

/** Records that a sensor was installed here (DTBase's insert-sensor-location), now or at a given time. */
function InstallSensorForm({ location, schema }: { location: Location; schema: LocationSchema }) {
  const queryClient = useQueryClient();
  const [sensor, setSensor] = useState('');
  const [since, setSince] = useState('');
  const sensors = useQuery({
    queryKey: ['sensors', 'all'],
    queryFn: () => readAllPages((cursor) => unwrap(client.api.GET('/api/v1/sensors', { params: { query: { limit: MAX_PAGE, cursor } } }))),
  });
  const install = useMutation({
    mutationFn: () =>
      unwrap(
        client.api.POST('/sensor/insert-sensor-location', {
          body: {
            unique_identifier: sensor,
            schema_name: schema.name,
            coordinates: location.coordinates,
            // A datetime-local field has no zone: it is the person's local time.
            installation_datetime: since ? new Date(since).toISOString() : null,
          },
        }),
      ),
    onSuccess: async () => {
      setSensor('');
      setSince('');
      await queryClient.invalidateQueries({ queryKey: LOCATIONS_KEY });
    },
  });
  return (
    <form
      className="install-form"
      onSubmit={(event) => {
        event.preventDefault();
        if (sensor) install.mutate();
      }}
    >
      <h4>Install a sensor here</h4>
      {sensors.isError && <ErrorMessage error={sensors.error} title="Could not load the sensors" />}
      <div className="field-row">
        <Field label="Sensor">
          {({ id }) => (
            <select id={id} value={sensor} onChange={(event) => setSensor(event.target.value)} required>
              <option value="">Choose a sensor…</option>
              {(sensors.data ?? []).map((s) => (
                <option key={s.unique_identifier} value={s.unique_identifier}>
                  {s.name ? `${s.name} (${s.unique_identifier})` : s.unique_identifier}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Installed at (empty: now)">
          {({ id }) => <input id={id} type="datetime-local" step={1} value={since} onChange={(event) => setSince(event.target.value)} />}
        </Field>
        <button type="submit" disabled={!sensor || install.isPending} aria-busy={install.isPending}>
          Install sensor
        </button>
      </div>
      <ErrorMessage error={install.error} title="Could not install the sensor" />
    </form>
  );
}
