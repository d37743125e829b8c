import { useQuery } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { client } from '../../api/client.ts';
import { unwrap } from '../../api/unwrap.ts';
import { useWrite } from '../../api/use-write.ts';
import { useCan } from '../../auth/permissions.ts';
import { ConfirmButton } from '../../components/ConfirmButton.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { QueryState } from '../../components/QueryState.tsx';
import { useLiveInvalidation } from '../../live/realtime.ts';
import { LocationsTable } from './LocationsTable.tsx';
import { identifierLabel, type LocationSchema, LOCATIONS_KEY, schemasQuery } from './locations-api.ts';
import { SchemaForm } from './SchemaForm.tsx';
import { TableScroll } from '../../components/TableScroll.tsx';
import './locations.css';

/** Location schemas with their identifiers, each schema's locations, and the sensors installed at them. */
export function LocationsPage() {
  const schemas = useQuery(schemasQuery);
  const canWrite = useCan('data:write');
  const [chosen, setChosen] = useState<string>();
  // Someone else adding a location, or installing a sensor, shows here without a reload.
  useLiveInvalidation(['location', 'location_schema', 'sensor_location', 'sensor'], LOCATIONS_KEY);

  return (
    <section>
      <header className="page-header">
        <h1>Locations</h1>
      </header>
      <QueryState query={schemas} label="location schemas">
        {(list) => {
          const selected = list.find((s) => s.name === chosen) ?? list[0];
          return (
            <>
              <SchemasTable schemas={list} canWrite={canWrite} onShow={setChosen} />
              {canWrite && (
                <details className="new-schema">
                  <summary>New location schema</summary>
                  <SchemaForm onCreated={setChosen} />
                </details>
              )}
              {selected ? (
                <SchemaLocations schemas={list} schema={selected} onChoose={setChosen} canWrite={canWrite} />
              ) : (
                <p>There is no location schema yet{canWrite ? ': create one to add locations.' : '.'}</p>
              )}
            </>
          );
        }}
      </QueryState>
    </section>
  );
}

function SchemasTable({ schemas, canWrite, onShow }: { schemas: LocationSchema[]; canWrite: boolean; onShow: (name: string) => void }) {
  const remove = useWrite(
    (name: string) => unwrap(client.api.POST('/location/delete-location-schema', { body: { schema_name: name } })),
    LOCATIONS_KEY,
  );
  if (schemas.length === 0) return null;
  return (
    <>
      <TableScroll label="Location schemas" className="data-table">
        <table className="striped">
          <caption>Location schemas</caption>
          <thead>
            <tr>
              <th scope="col">Schema</th>
              <th scope="col">Identifiers</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {schemas.map((schema) => (
              <tr key={schema.name}>
                <td>
                  <strong>{schema.name}</strong>
                  {schema.description && <div className="muted">{schema.description}</div>}
                </td>
                <td>{schema.identifiers.map((i) => `${identifierLabel(i)}: ${i.datatype}`).join(', ')}</td>
                <td>
                  <span className="inline-actions">
                    <button
                      type="button"
                      className="secondary"
                      onClick={() => onShow(schema.name)}
                      aria-label={`Show the locations of ${schema.name}`}
                    >
                      Locations
                    </button>
                    {canWrite && (
                      <ConfirmButton
                        label="Delete"
                        accessibleName={`Delete schema ${schema.name}`}
                        busy={remove.isPending}
                        onConfirm={() => remove.mutate(schema.name)}
                      />
                    )}
                  </span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
      <ErrorMessage error={remove.error} title="Could not delete the schema" />
    </>
  );
}

function SchemaLocations({
  schemas,
  schema,
  onChoose,
  canWrite,
}: {
  schemas: LocationSchema[];
  schema: LocationSchema;
  onChoose: (name: string) => void;
  canWrite: boolean;
}) {
  const selectId = useId();
  return (
    <section className="schema-locations" aria-labelledby={`${selectId}-heading`}>
      <header className="page-header">
        <h2 id={`${selectId}-heading`}>Locations of {schema.name}</h2>
        <div className="schema-picker">
          <label htmlFor={selectId}>Schema</label>
          <select id={selectId} value={schema.name} onChange={(event) => onChoose(event.target.value)}>
            {schemas.map((s) => (
              <option key={s.name}>{s.name}</option>
            ))}
          </select>
        </div>
      </header>
      {/* A new key per schema: the form's fields are that schema's identifiers. */}
      <LocationsTable key={schema.name} schema={schema} canWrite={canWrite} />
    </section>
  );
}
