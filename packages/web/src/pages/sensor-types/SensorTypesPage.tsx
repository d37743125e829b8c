import { createColumnHelper } from '@tanstack/react-table';
import { useMemo } from 'react';
import { client } from '../../api/client.ts';
import { unwrap } from '../../api/unwrap.ts';
import { useWrite } from '../../api/use-write.ts';
import { useCan } from '../../auth/permissions.ts';
import { DataTable } from '../../components/DataTable.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { QueryState } from '../../components/QueryState.tsx';
import { useLiveInvalidation } from '../../live/realtime.ts';
import { measureLabel, SENSOR_TYPES_KEY, type SensorType, useSensorMeasures, useSensorTypes } from '../sensors/sensor-queries.ts';
import { SensorTypeForm } from './SensorTypeForm.tsx';
import './sensor-types.css';

const column = createColumnHelper<SensorType>();

/** The sensor types with their measures; for editors a form to create one and a delete per type. */
export function SensorTypesPage() {
  const canWrite = useCan('data:write');
  const types = useSensorTypes();
  const measures = useSensorMeasures();
  useLiveInvalidation(['sensor_type', 'sensor_measure'], SENSOR_TYPES_KEY);

  const remove = useWrite(
    (name: string) => unwrap(client.api.POST('/sensor/delete-sensor-type', { body: { type_name: name } })),
    SENSOR_TYPES_KEY,
  );

  const columns = useMemo(
    () => [
      column.accessor('name', { header: 'Name' }),
      column.accessor('description', { header: 'Description', cell: (info) => info.getValue() ?? '' }),
      column.accessor((type) => type.measures.map((m) => `${measureLabel(m)}: ${m.datatype}`).join(', '), {
        id: 'measures',
        header: 'Measures',
        cell: (info) => (
          <ul className="measure-list">
            {info.row.original.measures.map((m) => (
              <li key={m.id}>
                {measureLabel(m)} <small className="muted">{m.datatype}</small>
              </li>
            ))}
          </ul>
        ),
      }),
      ...(canWrite
        ? [
            column.display({
              id: 'actions',
              header: 'Actions',
              cell: (info) => {
                const name = info.row.original.name;
                return (
                  <button
                    type="button"
                    className="secondary outline small-button"
                    aria-label={`Delete sensor type ${name}`}
                    disabled={remove.isPending}
                    onClick={() => {
                      if (window.confirm(`Delete the sensor type ${name}? Only a type no sensor has can be deleted.`)) remove.mutate(name);
                    }}
                  >
                    Delete
                  </button>
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
      <h1>Sensor types</h1>
      <ErrorMessage error={remove.error} title="Could not delete the sensor type" />
      <QueryState query={types} label="sensor types">
        {(list) => <DataTable caption="Sensor types" data={list} columns={columns} empty="No sensor type yet." />}
      </QueryState>
      {canWrite && (
        <QueryState query={measures} label="measures">
          {(list) => <SensorTypeForm measures={list} />}
        </QueryState>
      )}
    </section>
  );
}
