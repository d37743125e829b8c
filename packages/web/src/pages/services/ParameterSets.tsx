import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { useForm } from 'react-hook-form';
import { client } from '../../api/client.ts';
import { unwrap } from '../../api/unwrap.ts';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { QueryState } from '../../components/QueryState.tsx';
import { useLiveInvalidation } from '../../live/realtime.ts';
import { ConfirmButton } from '../../components/ConfirmButton.tsx';
import { formatTime } from '../../format.ts';
import { parseParameters, showJson } from './parameters-json.ts';
import { type listParameterSets, servicesKeys, useParameterSets } from './services-queries.ts';
import { TableScroll } from '../../components/TableScroll.tsx';

type ParameterSet = Awaited<ReturnType<typeof listParameterSets>>[number];

/** The named sets of parameters a service is run with: listed, and for writers added, edited, deleted. */
export function ParameterSets({ service, canWrite }: { service: string; canWrite: boolean }) {
  const sets = useParameterSets(service);
  useLiveInvalidation(['service_parameter_set'], servicesKeys.parameterSets(service));
  const headingId = useId();
  return (
    <section aria-labelledby={headingId}>
      <h2 id={headingId}>Parameter sets</h2>
      {canWrite && <AddParameterSet service={service} />}
      <QueryState query={sets} label="parameter sets">
        {(items) =>
          items.length === 0 ? (
            <p>No parameter set yet{canWrite ? ': add one above.' : '.'}</p>
          ) : (
            <TableScroll label={`Parameter sets of ${service}`}>
              <table className="striped">
                <caption className="visually-hidden">Parameter sets of {service}</caption>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Parameters</th>
                    <th scope="col">Changed</th>
                    {canWrite && <th scope="col">Actions</th>}
                  </tr>
                </thead>
                <tbody>
                  {items.map((set) => (
                    <ParameterSetRow key={set.id} set={set} canWrite={canWrite} />
                  ))}
                </tbody>
              </table>
            </TableScroll>
          )
        }
      </QueryState>
    </section>
  );
}

function ParameterSetRow({ set, canWrite }: { set: ParameterSet; canWrite: boolean }) {
  const [editing, setEditing] = useState(false);
  const queryClient = useQueryClient();
  const refresh = () => queryClient.invalidateQueries({ queryKey: servicesKeys.parameterSets(set.service) });
  const remove = useMutation({
    mutationFn: () => unwrap(client.api.POST('/service/delete-parameter-set', { body: { service_name: set.service, name: set.name } })),
    onSuccess: refresh,
  });
  return (
    <tr>
      <th scope="row">{set.name}</th>
      <td>
        {editing ? (
          <EditParameterSet set={set} onDone={() => setEditing(false)} />
        ) : (
          <pre className="json-preview">{showJson(set.parameters)}</pre>
        )}
      </td>
      <td>{formatTime(set.updated_at ?? set.created_at)}</td>
      {canWrite && (
        <td>
          <div className="inline-actions">
            {!editing && (
              <button type="button" className="secondary outline" aria-label={`Edit ${set.name}`} onClick={() => setEditing(true)}>
                Edit
              </button>
            )}
            <ConfirmButton
              label="Delete"
              accessibleName={`Delete ${set.name}`}
              confirmLabel={`Delete ${set.name}`}
              busy={remove.isPending}
              onConfirm={() => remove.mutate()}
            />
          </div>
          <ErrorMessage error={remove.error} title="Could not delete the parameter set" />
        </td>
      )}
    </tr>
  );
}

function EditParameterSet({ set, onDone }: { set: ParameterSet; onDone: () => void }) {
  const queryClient = useQueryClient();
  const [text, setText] = useState(showJson(set.parameters));
  const [problem, setProblem] = useState<string>();
  const edit = useMutation({
    mutationFn: (parameters: Record<string, unknown>) =>
      unwrap(client.api.POST('/service/edit-parameter-set', { body: { service_name: set.service, name: set.name, parameters } })),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: servicesKeys.parameterSets(set.service) });
      onDone();
    },
  });
  return (
    <form
      className="row-form"
      onSubmit={(event) => {
        event.preventDefault();
        const parsed = parseParameters(text);
        if ('problem' in parsed) return setProblem(parsed.problem);
        setProblem(undefined);
        edit.mutate(parsed.value);
      }}
    >
      <label>
        Parameters of {set.name} (JSON)
        <textarea rows={4} value={text} onChange={(event) => setText(event.target.value)} aria-invalid={problem ? true : undefined} />
        {problem && <small>{problem}</small>}
      </label>
      <button type="submit" aria-busy={edit.isPending} disabled={edit.isPending}>
        Save
      </button>
      <button type="button" className="secondary outline" onClick={onDone}>
        Cancel
      </button>
      <ErrorMessage error={edit.error} title="Could not save the parameters" />
    </form>
  );
}

interface NewSet {
  name: string;
  parameters: string;
}

function AddParameterSet({ service }: { service: string }) {
  const queryClient = useQueryClient();
  const form = useForm<NewSet>({ defaultValues: { name: '', parameters: '{\n  \n}' } });
  const add = useMutation({
    mutationFn: (body: { name: string; parameters: Record<string, unknown> }) =>
      unwrap(client.api.POST('/service/insert-parameter-set', { body: { service_name: service, ...body } })),
    onSuccess: () => {
      form.reset();
      void queryClient.invalidateQueries({ queryKey: servicesKeys.parameterSets(service) });
    },
  });
  const { errors } = form.formState;
  return (
    <details className="write-panel">
      <summary>Add a parameter set</summary>
      <form
        onSubmit={form.handleSubmit((values) => {
          const parsed = parseParameters(values.parameters);
          if ('problem' in parsed) return form.setError('parameters', { message: parsed.problem });
          add.mutate({ name: values.name.trim(), parameters: parsed.value });
        })}
      >
        <label>
          Set name
          <input {...form.register('name', { required: 'Give the set a name' })} aria-invalid={errors.name ? true : undefined} />
          {errors.name && <small>{errors.name.message}</small>}
        </label>
        <label>
          Parameters (a JSON object, sent to the service)
          <textarea rows={4} {...form.register('parameters')} aria-invalid={errors.parameters ? true : undefined} />
          {errors.parameters && <small>{errors.parameters.message}</small>}
        </label>
        <ErrorMessage error={add.error} title="Could not add the parameter set" />
        <button type="submit" aria-busy={add.isPending} disabled={add.isPending}>
          Add parameter set
        </button>
      </form>
    </details>
  );
}
