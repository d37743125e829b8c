import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ColumnDef } from '@tanstack/react-table';
import { useState } from 'react';
import { client } from '../../api/client.ts';
import { unwrap } from '../../api/unwrap.ts';
import { ConfirmButton } from '../../components/ConfirmButton.tsx';
import { DataTable } from '../../components/DataTable.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { QueryState } from '../../components/QueryState.tsx';
import { LocationForm } from './LocationForm.tsx';
import { LocationSensors } from './LocationSensors.tsx';
import { formatCoordinate, identifierLabel, type Location, type LocationSchema, LOCATIONS_KEY, locationsQuery } from './locations-api.ts';

/** A schema's locations: a column per identifier, each row opening the sensors installed there. */
export function LocationsTable({ schema, canWrite }: { schema: LocationSchema; canWrite: boolean }) {
  const queryClient = useQueryClient();
  const locations = useQuery(locationsQuery(schema.name));
  const [openId, setOpenId] = useState<number>();
  const remove = useMutation({
    mutationFn: (location: Location) =>
      unwrap(client.api.POST('/location/delete-location', { body: { schema_name: schema.name, coordinates: location.coordinates } })),
    onSuccess: async (_, location) => {
      if (openId === location.id) setOpenId(undefined);
      await queryClient.invalidateQueries({ queryKey: LOCATIONS_KEY });
    },
  });

  const columns: ColumnDef<Location>[] = [
    { id: 'id', header: 'ID', accessorFn: (l) => l.id },
    ...schema.identifiers.map(
      (identifier): ColumnDef<Location> => ({
        id: `coordinate:${identifier.name}`,
        header: identifierLabel(identifier),
        accessorFn: (l) => formatCoordinate(l.coordinates[identifier.name]),
      }),
    ),
    {
      id: 'actions',
      header: 'Actions',
      enableSorting: false,
      cell: ({ row }) => (
        <span className="inline-actions">
          <button
            type="button"
            className="secondary"
            aria-expanded={openId === row.original.id}
            aria-controls="location-detail"
            aria-label={`Sensors at location ${row.original.id}`}
            onClick={() => setOpenId(openId === row.original.id ? undefined : row.original.id)}
          >
            Sensors
          </button>
          {canWrite && (
            <ConfirmButton
              label="Delete"
              accessibleName={`Delete location ${row.original.id}`}
              busy={remove.isPending}
              onConfirm={() => remove.mutate(row.original)}
            />
          )}
        </span>
      ),
    },
  ];

  return (
    <>
      {canWrite && <LocationForm schema={schema} />}
      <ErrorMessage error={remove.error} title="Could not delete the location" />
      <QueryState query={locations} label={`the locations of ${schema.name}`}>
        {(list) => {
          const open = list.find((l) => l.id === openId);
          return (
            <>
              <DataTable caption={`Locations of ${schema.name}`} data={list} columns={columns} empty="This schema has no location yet." />
              <div id="location-detail">
                {open && <LocationSensors location={open} schema={schema} onClose={() => setOpenId(undefined)} />}
              </div>
            </>
          );
        }}
      </QueryState>
    </>
  );
}
