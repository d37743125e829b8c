import { Link } from '@tanstack/react-router';
import { createColumnHelper } from '@tanstack/react-table';
import { useMemo, useState } from 'react';
import { client } from '../../api/client.ts';
import { unwrap } from '../../api/unwrap.ts';
import { useWrite } from '../../api/use-write.ts';
import { useCan } from '../../auth/permissions.ts';
import { DataTable } from '../../components/DataTable.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { QueryState } from '../../components/QueryState.tsx';
import { useLiveInvalidation } from '../../live/realtime.ts';
import { EditSensorDialog, NewSensorForm } from './SensorForms.tsx';
import { SENSORS_KEY, type Sensor, type SensorType, useSensors, useSensorTypes } from './sensor-queries.ts';

const column = createColumnHelper<Sensor>();

/** Every sensor, one table per sensor type; for editors a form to create one, and edit and delete per sensor. */
export function SensorsPage() {
  const canWrite = useCan('data:write');
  const types = useSensorTypes();
  const sensors = useSensors();
  const [editing, setEditing] = useState<Sensor | undefined>();
  useLiveInvalidation(['sensor'], SENSORS_KEY);

  const remove = useWrite(
    (uid: string) => unwrap(client.api.POST('/sensor/delete-sensor', { body: { unique_identifier: uid } })),
    SENSORS_KEY,
  );

  const columns = useMemo(
    () => [
      column.accessor('unique_identifier', {
        header: 'Unique identifier',
        cell: (info) => (
          <Link to="/sensors/$uid" params={{ uid: info.getValue() }}>
            {info.getValue()}
          </Link>
        ),
      }),
      column.accessor('name', { header: 'Name', cell: (info) => info.getValue() ?? '' }),
      column.accessor('notes', { header: 'Notes', cell: (info) => info.getValue() ?? '' }),
      ...(canWrite
        ? [
            column.display({
              id: 'actions',
              header: 'Actions',
              cell: (info) => {
                const sensor = info.row.original;
                return (
                  <div className="inline-actions">
                    <button
                      type="button"
                      className="secondary"
                      aria-label={`Edit sensor ${sensor.unique_identifier}`}
                      onClick={() => setEditing(sensor)}
                    >
                      Edit
                    </button>
                    <button
                      type="button"
                      className="secondary outline"
                      aria-label={`Delete sensor ${sensor.unique_identifier}`}
                      disabled={remove.isPending}
                      onClick={() => {
                        if (window.confirm(`Delete the sensor ${sensor.unique_identifier} with all its readings and installations?`)) {
                          remove.mutate(sensor.unique_identifier);
                        }
                      }}
                    >
                      Delete
                    </button>
                  </div>
                );
              },
            }),
          ]
        : []),
    ],
    [canWrite, remove.isPending, remove.mutate],
  );

  return (
    <section>
      <h1>Sensors</h1>
      <ErrorMessage error={remove.error} title="Could not delete the sensor" />
      <QueryState query={types} label="sensor types">
        {(typeList) => (
          <>
            <QueryState query={sensors} label="sensors">
              {(sensorList) => <SensorTables types={typeList} sensors={sensorList} columns={columns} />}
            </QueryState>
            {canWrite && <NewSensorForm types={typeList} />}
          </>
        )}
      </QueryState>
      {editing && <EditSensorDialog sensor={editing} onClose={() => setEditing(undefined)} />}
    </section>
  );
}

function SensorTables({
  types,
  sensors,
  columns,
}: {
  types: SensorType[];
  sensors: Sensor[];
  columns: Parameters<typeof DataTable<Sensor>>[0]['columns'];
}) {
  const byType = useMemo(() => {
    const groups = new Map<string, Sensor[]>(types.map((type) => [type.name, []]));
    for (const sensor of sensors) {
      const group = groups.get(sensor.type);
      if (group) group.push(sensor);
      else groups.set(sensor.type, [sensor]);
    }
    return [...groups];
  }, [types, sensors]);

  if (byType.length === 0) return <p>No sensor type yet: sensors are created for a type.</p>;
  return (
    <>
      {byType.map(([type, list]) => (
        <section key={type} aria-label={`Sensors of type ${type}`}>
          <h2>{type}</h2>
          <DataTable
            caption={`Sensors of type ${type}`}
            data={list}
            columns={columns}
            empty="No sensor of this type yet."
            filter={list.length > 10}
          />
        </section>
      ))}
    </>
  );
}
