import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useForm } from 'react-hook-form';
import { client } from '../../api/client.ts';
import { unwrap } from '../../api/unwrap.ts';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { Field } from '../../components/Field.tsx';
import { type Model, MODELS_KEY } from './models-api.ts';

const DATATYPES = ['float', 'integer', 'string', 'boolean'] as const;

/** A write of this page: refreshes every list of the page, then clears its form. */
function useModelsWrite<Fields>(send: (fields: Fields) => Promise<unknown>, onDone: () => void) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: send,
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: MODELS_KEY });
      onDone();
    },
  });
}

export function NewModelForm() {
  const form = useForm<{ name: string }>({ defaultValues: { name: '' } });
  const create = useModelsWrite(
    ({ name }: { name: string }) => unwrap(client.api.POST('/model/insert-model', { body: { name: name.trim() } })),
    () => form.reset(),
  );
  const error = form.formState.errors.name?.message;
  return (
    <form className="field-row" onSubmit={form.handleSubmit((fields) => create.mutate(fields))} noValidate>
      <Field label="Model name" error={error}>
        {({ id, errorId }) => (
          <input
            id={id}
            {...form.register('name', { required: 'Name the model', maxLength: 100 })}
            aria-invalid={error ? true : undefined}
            aria-describedby={errorId}
          />
        )}
      </Field>
      <button type="submit" disabled={create.isPending} aria-busy={create.isPending}>
        Create model
      </button>
      <ErrorMessage error={create.error} title="Could not create the model" />
    </form>
  );
}

interface ScenarioFields {
  model: string;
  description: string;
}

export function NewScenarioForm({ models }: { models: Model[] }) {
  const form = useForm<ScenarioFields>({ defaultValues: { model: '', description: '' } });
  const create = useModelsWrite(
    (fields: ScenarioFields) =>
      unwrap(
        client.api.POST('/model/insert-model-scenario', {
          body: { model_name: fields.model, description: fields.description.trim() || null },
        }),
      ),
    () => form.reset(),
  );
  const error = form.formState.errors.model?.message;
  return (
    <form className="field-row" onSubmit={form.handleSubmit((fields) => create.mutate(fields))} noValidate>
      <Field label="Model" error={error}>
        {({ id, errorId }) => (
          <select
            id={id}
            {...form.register('model', { required: 'Choose the model' })}
            aria-invalid={error ? true : undefined}
            aria-describedby={errorId}
          >
            <option value="">Choose a model…</option>
            {models.map((m) => (
              <option key={m.id}>{m.name}</option>
            ))}
          </select>
        )}
      </Field>
      <Field label="Scenario description">{({ id }) => <input id={id} {...form.register('description')} placeholder="none" />}</Field>
      <button type="submit" disabled={create.isPending} aria-busy={create.isPending}>
        Create scenario
      </button>
      <ErrorMessage error={create.error} title="Could not create the scenario" />
    </form>
  );
}

interface MeasureFields {
  name: string;
  units: string;
  datatype: (typeof DATATYPES)[number];
}

export function NewMeasureForm() {
  const form = useForm<MeasureFields>({ defaultValues: { name: '', units: '', datatype: 'float' } });
  const create = useModelsWrite(
    (fields: MeasureFields) =>
      unwrap(
        client.api.POST('/model/insert-model-measure', {
          body: { name: fields.name.trim(), units: fields.units.trim(), datatype: fields.datatype },
        }),
      ),
    () => form.reset(),
  );
  const { errors } = form.formState;
  return (
    <form className="field-row" onSubmit={form.handleSubmit((fields) => create.mutate(fields))} noValidate>
      <Field label="Measure name" error={errors.name?.message}>
        {({ id, errorId }) => (
          <input
            id={id}
            {...form.register('name', { required: 'Name the measure', maxLength: 100 })}
            aria-invalid={errors.name ? true : undefined}
            aria-describedby={errorId}
          />
        )}
      </Field>
      <Field label="Measure units" error={errors.units?.message}>
        {({ id, errorId }) => (
          <input
            id={id}
            {...form.register('units', { required: 'Give the units', maxLength: 100 })}
            aria-invalid={errors.units ? true : undefined}
            aria-describedby={errorId}
          />
        )}
      </Field>
      <Field label="Measure datatype">
        {({ id }) => (
          <select id={id} {...form.register('datatype')}>
            {DATATYPES.map((d) => (
              <option key={d}>{d}</option>
            ))}
          </select>
        )}
      </Field>
      <button type="submit" disabled={create.isPending} aria-busy={create.isPending}>
        Create measure
      </button>
      <ErrorMessage error={create.error} title="Could not create the measure" />
    </form>
  );
}
