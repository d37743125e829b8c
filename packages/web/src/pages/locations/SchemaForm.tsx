import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { useFieldArray, useForm } from 'react-hook-form';
import { client } from '../../api/client.ts';
import { unwrap } from '../../api/unwrap.ts';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { Field } from '../../components/Field.tsx';
import { DATATYPES, type Datatype, identifierLabel, identifiersQuery, LOCATIONS_KEY } from './locations-api.ts';

interface IdentifierField {
  name: string;
  units: string;
  datatype: Datatype;
  /** Chosen from the identifiers that exist: shown, not edited (the server reuses it by name and units). */
  existing: boolean;
}

interface SchemaFields {
  name: string;
  description: string;
  identifiers: IdentifierField[];
}

const emptyIdentifier: IdentifierField = { name: '', units: '', datatype: 'float', existing: false };

/** Creates a location schema from new identifiers and identifiers other schemas use already. */
export function SchemaForm({ onCreated }: { onCreated: (name: string) => void }) {
  const queryClient = useQueryClient();
  const identifiers = useQuery(identifiersQuery);
  const [pick, setPick] = useState('');
  const pickId = useId();
  const form = useForm<SchemaFields>({ defaultValues: { name: '', description: '', identifiers: [{ ...emptyIdentifier }] } });
  const rows = useFieldArray({ control: form.control, name: 'identifiers', rules: { minLength: 1 } });
  const { errors } = form.formState;

  const create = useMutation({
    mutationFn: (fields: SchemaFields) =>
      unwrap(
        client.api.POST('/location/insert-location-schema', {
          body: {
            name: fields.name.trim(),
            description: fields.description.trim() || null,
            identifiers: fields.identifiers.map((i) => ({ name: i.name.trim(), units: i.units.trim() || null, datatype: i.datatype })),
          },
        }),
      ),
    onSuccess: async (_, fields) => {
      await queryClient.invalidateQueries({ queryKey: LOCATIONS_KEY });
      form.reset();
      onCreated(fields.name.trim());
    },
  });

  const existing = identifiers.data ?? [];
  function addExisting() {
    const chosen = existing[Number(pick)];
    if (!chosen) return;
    rows.append({ name: chosen.name, units: chosen.units ?? '', datatype: chosen.datatype, existing: true });
    setPick('');
  }

  return (
    <form className="schema-form" onSubmit={form.handleSubmit((fields) => create.mutate(fields))} noValidate>
      <div className="grid">
        <Field label="Schema name" error={errors.name?.message}>
          {({ id, errorId }) => (
            <input
              id={id}
              {...form.register('name', { required: 'Give the schema a name', maxLength: 100 })}
              aria-invalid={errors.name ? true : undefined}
              aria-describedby={errorId}
            />
          )}
        </Field>
        <Field label="Description">{({ id }) => <input id={id} {...form.register('description')} />}</Field>
      </div>
      <fieldset>
        <legend>Identifiers</legend>
        {rows.fields.length === 0 && <p className="muted">Add at least one identifier.</p>}
        <ul className="identifier-rows">
          {rows.fields.map((row, index) => {
            const nameError = errors.identifiers?.[index]?.name?.message;
            return (
              <li key={row.id} className="identifier-row">
                {row.existing ? (
                  <span className="existing-identifier">
                    {identifierLabel({ name: row.name, units: row.units || null })}, {row.datatype}{' '}
                    <small className="muted">(existing)</small>
                  </span>
                ) : (
                  <>
                    <Field label="Identifier name" error={nameError}>
                      {({ id, errorId }) => (
                        <input
                          id={id}
                          {...form.register(`identifiers.${index}.name`, {
                            required: 'Name the identifier',
                            validate: (name, all) =>
                              all.identifiers.filter((other) => other.name.trim() === name.trim()).length === 1 || 'Each name once',
                          })}
                          aria-invalid={nameError ? true : undefined}
                          aria-describedby={errorId}
                        />
                      )}
                    </Field>
                    <Field label="Units">
                      {({ id }) => <input id={id} {...form.register(`identifiers.${index}.units`)} placeholder="none" />}
                    </Field>
                    <Field label="Datatype">
                      {({ id }) => (
                        <select id={id} {...form.register(`identifiers.${index}.datatype`)}>
                          {DATATYPES.map((d) => (
                            <option key={d}>{d}</option>
                          ))}
                        </select>
                      )}
                    </Field>
                  </>
                )}
                <button
                  type="button"
                  className="secondary outline"
                  onClick={() => rows.remove(index)}
                  aria-label={`Remove identifier ${index + 1}`}
                >
                  Remove
                </button>
              </li>
            );
          })}
        </ul>
        <div className="inline-actions add-identifier">
          <button type="button" className="secondary" onClick={() => rows.append({ ...emptyIdentifier })}>
            Add a new identifier
          </button>
          {existing.length > 0 && (
            <>
              <label htmlFor={pickId} className="visually-hidden">
                Existing identifier
              </label>
              <select id={pickId} value={pick} onChange={(event) => setPick(event.target.value)}>
                <option value="">Choose an existing identifier…</option>
                {existing.map((identifier, index) => (
                  <option key={`${identifier.name}/${identifier.units}`} value={index}>
                    {identifierLabel(identifier)}, {identifier.datatype}
                  </option>
                ))}
              </select>
              <button type="button" className="secondary" onClick={addExisting} disabled={pick === ''}>
                Add existing identifier
              </button>
            </>
          )}
        </div>
        {identifiers.isError && <ErrorMessage error={identifiers.error} title="Could not load the existing identifiers" />}
      </fieldset>
      <ErrorMessage error={create.error} title="Could not create the schema" />
      <button type="submit" aria-busy={create.isPending} disabled={create.isPending || rows.fields.length === 0}>
        Create schema
      </button>
    </form>
  );
}
