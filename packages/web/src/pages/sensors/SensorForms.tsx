import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { useForm } from 'react-hook-form';
import { client } from '../../api/client.ts';
import { unwrap } from '../../api/unwrap.ts';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { SENSORS_KEY, type Sensor, type SensorType } from './sensor-queries.ts';

interface NewSensorValues {
  type_name: string;
  unique_identifier: string;
  name: string;
  notes: string;
}

/** Creates a sensor of an existing type (DTBase's insert-sensor). */
export function NewSensorForm({ types }: { types: SensorType[] }) {
  const queryClient = useQueryClient();
  const { register, handleSubmit, reset, formState } = useForm<NewSensorValues>({
    defaultValues: { type_name: '', unique_identifier: '', name: '', notes: '' },
  });
  const create = useMutation({
    mutationFn: (values: NewSensorValues) =>
      unwrap(
        client.api.POST('/sensor/insert-sensor', {
          body: {
            type_name: values.type_name,
            unique_identifier: values.unique_identifier.trim(),
            name: values.name.trim() || null,
            notes: values.notes.trim() || null,
          },
        }),
      ),
    onSuccess: () => {
      reset();
      void queryClient.invalidateQueries({ queryKey: SENSORS_KEY });
    },
  });

  if (types.length === 0) return <p className="muted">Create a sensor type first: every sensor has one.</p>;
  return (
    <form onSubmit={handleSubmit((values) => create.mutate(values))} aria-labelledby="new-sensor-heading">
      <h2 id="new-sensor-heading">New sensor</h2>
      <div className="grid">
        <label>
          Sensor type
          <select
            {...register('type_name', { required: 'Choose the sensor type.' })}
            aria-invalid={formState.errors.type_name ? true : undefined}
          >
            <option value="">Choose a type</option>
            {types.map((type) => (
              <option key={type.id} value={type.name}>
                {type.name}
              </option>
            ))}
          </select>
          {formState.errors.type_name && <small>{formState.errors.type_name.message}</small>}
        </label>
        <label>
          Unique identifier
          <input
            {...register('unique_identifier', { required: 'A sensor needs a unique identifier.' })}
            aria-invalid={formState.errors.unique_identifier ? true : undefined}
            autoComplete="off"
          />
          {formState.errors.unique_identifier && <small>{formState.errors.unique_identifier.message}</small>}
        </label>
        <label>
          Name
          <input {...register('name')} autoComplete="off" />
        </label>
      </div>
      <label>
        Notes
        <textarea rows={2} {...register('notes')} />
      </label>
      <ErrorMessage error={create.error} title="Could not create the sensor" />
      {create.isSuccess && (
        <p role="status" className="muted">
          Sensor created.
        </p>
      )}
      <button type="submit" aria-busy={create.isPending} disabled={create.isPending}>
        Create sensor
      </button>
    </form>
  );
}

interface EditValues {
  name: string;
  notes: string;
}

/**
 * Sets a sensor's name and notes, in a modal dialog: the browser's own dialog keeps the focus
 * inside and closes on Escape.
 */
export function EditSensorDialog({ sensor, onClose }: { sensor: Sensor; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const queryClient = useQueryClient();
  const { register, handleSubmit } = useForm<EditValues>({ defaultValues: { name: sensor.name ?? '', notes: sensor.notes ?? '' } });
  const edit = useMutation({
    mutationFn: (values: EditValues) =>
      unwrap(
        client.api.POST('/sensor/edit-sensor', {
          body: { unique_identifier: sensor.unique_identifier, name: values.name.trim() || null, notes: values.notes.trim() || null },
        }),
      ),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: SENSORS_KEY });
      onClose();
    },
  });
  useEffect(() => {
    dialog.current?.showModal();
  }, []);

  return (
    <dialog ref={dialog} onClose={onClose} aria-labelledby="edit-sensor-heading">
      <article>
        <form onSubmit={handleSubmit((values) => edit.mutate(values))}>
          <h2 id="edit-sensor-heading">Edit sensor {sensor.unique_identifier}</h2>
          <label>
            Name
            <input {...register('name')} autoComplete="off" />
          </label>
          <label>
            Notes
            <textarea rows={3} {...register('notes')} />
          </label>
          <ErrorMessage error={edit.error} title="Could not save the sensor" />
          <footer className="inline-actions">
            <button type="button" className="secondary" onClick={onClose}>
              Cancel
            </button>
            <button type="submit" aria-busy={edit.isPending} disabled={edit.isPending}>
              Save
            </button>
          </footer>
        </form>
      </article>
    </dialog>
  );
}
