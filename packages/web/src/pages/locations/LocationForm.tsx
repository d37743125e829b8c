import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useForm } from 'react-hook-form';
import { client } from '../../api/client.ts';
import { unwrap } from '../../api/unwrap.ts';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { Field } from '../../components/Field.tsx';
import { type CoordinateValue, identifierLabel, type LocationIdentifier, type LocationSchema, LOCATIONS_KEY } from './locations-api.ts';

/** The text of a field read as the identifier's datatype says (the server checks it again). */
function toCoordinate(text: string, identifier: LocationIdentifier): CoordinateValue {
  if (identifier.datatype === 'float' || identifier.datatype === 'integer') return Number(text);
  if (identifier.datatype === 'boolean') return text === 'true';
  return text;
}

function fieldRules(identifier: LocationIdentifier) {
  const required = `Give ${identifier.name}`;
  if (identifier.datatype === 'float') return { required, validate: (v: string) => Number.isFinite(Number(v)) || 'A number' };
  if (identifier.datatype === 'integer') return { required, validate: (v: string) => Number.isInteger(Number(v)) || 'A whole number' };
  return { required };
}

/** Adds a location to a schema: one field per identifier, typed by its datatype. */
export function LocationForm({ schema }: { schema: LocationSchema }) {
  const queryClient = useQueryClient();
  // Fields by position, not by identifier name: a name may hold dots, which react-hook-form reads as paths.
  const form = useForm<{ values: string[] }>({
    defaultValues: { values: schema.identifiers.map((i) => (i.datatype === 'boolean' ? 'false' : '')) },
  });
  const errors = form.formState.errors.values;

  const add = useMutation({
    mutationFn: (values: string[]) =>
      unwrap(
        client.api.POST('/location/insert-location-for-schema', {
          body: {
            schema_name: schema.name,
            coordinates: Object.fromEntries(
              schema.identifiers.map((identifier, i) => [identifier.name, toCoordinate(values[i] ?? '', identifier)]),
            ),
          },
        }),
      ),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: LOCATIONS_KEY });
      form.reset();
    },
  });

  return (
    <form className="location-form" onSubmit={form.handleSubmit(({ values }) => add.mutate(values))} noValidate>
      <div className="field-row">
        {schema.identifiers.map((identifier, index) => {
          const error = errors?.[index]?.message;
          return (
            <Field key={identifier.name} label={identifierLabel(identifier)} error={error}>
              {({ id, errorId }) =>
                identifier.datatype === 'boolean' ? (
                  <select id={id} {...form.register(`values.${index}`)}>
                    <option value="false">false</option>
                    <option value="true">true</option>
                  </select>
                ) : (
                  <input
                    id={id}
                    type={identifier.datatype === 'string' ? 'text' : 'number'}
                    step={identifier.datatype === 'integer' ? 1 : 'any'}
                    {...form.register(`values.${index}`, fieldRules(identifier))}
                    aria-invalid={error ? true : undefined}
                    aria-describedby={errorId}
                  />
                )
              }
            </Field>
          );
        })}
        <button type="submit" aria-busy={add.isPending} disabled={add.isPending}>
          Add location
        </button>
      </div>
      <ErrorMessage error={add.error} title="Could not add the location" />
    </form>
  );
}
