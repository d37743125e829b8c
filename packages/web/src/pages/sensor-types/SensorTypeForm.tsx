import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useFieldArray, useForm } from 'react-hook-form';
import { client } from '../../api/client.ts';
import { unwrap } from '../../api/unwrap.ts';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import {
  DATATYPES,
  type Datatype,
  measureLabel,
  SENSOR_MEASURES_KEY,
  SENSOR_TYPES_KEY,
  type SensorMeasure,
} from '../sensors/sensor-queries.ts';

/** A measure row of the form: a measure that exists (by id), or a new one described in full. */
interface MeasureRow {
  source: 'existing' | 'new';
  existingId: string;
  name: string;
  units: string;
  datatype: Datatype;
}

interface TypeFormValues {
  name: string;
  description: string;
  measures: MeasureRow[];
}

const newMeasure = (): MeasureRow => ({ source: 'new', existingId: '', name: '', units: '', datatype: 'float' });

/**
 * Creates a sensor type. The server reuses a measure with the same name and units, so an
 * existing measure is sent by its name, units and datatype, exactly as it is stored.
 */
export function SensorTypeForm({ measures }: { measures: SensorMeasure[] }) {
  const queryClient = useQueryClient();
  const { register, control, handleSubmit, watch, reset, formState } = useForm<TypeFormValues>({
    defaultValues: { name: '', description: '', measures: [newMeasure()] },
  });
  const rows = useFieldArray({ control, name: 'measures' });
  const create = useMutation({
    mutationFn: (values: TypeFormValues) =>
      unwrap(
        client.api.POST('/sensor/insert-sensor-type', {
          body: {
            name: values.name.trim(),
            description: values.description.trim() || null,
            measures: values.measures.map((row) => {
              if (row.source === 'existing') {
                const measure = measures.find((m) => String(m.id) === row.existingId);
                if (!measure) throw new Error('Choose an existing measure for every row marked "existing".');
                return { name: measure.name, units: measure.units, datatype: measure.datatype };
              }
              return { name: row.name.trim(), units: row.units.trim() || null, datatype: row.datatype };
            }),
          },
        }),
      ),
    onSuccess: () => {
      reset();
      void queryClient.invalidateQueries({ queryKey: SENSOR_TYPES_KEY });
      void queryClient.invalidateQueries({ queryKey: SENSOR_MEASURES_KEY });
    },
  });
  const values = watch('measures');

  return (
    <form onSubmit={handleSubmit((form) => create.mutate(form))} aria-labelledby="new-type-heading">
      <h2 id="new-type-heading">New sensor type</h2>
      <div className="grid">
        <label>
          Type name
          <input {...register('name', { required: 'A type needs a name.' })} aria-invalid={formState.errors.name ? true : undefined} />
          {formState.errors.name && <small>{formState.errors.name.message}</small>}
        </label>
        <label>
          Description
          <input {...register('description')} />
        </label>
      </div>
      <fieldset>
        <legend>Measures</legend>
        {rows.fields.map((field, index) => {
          const n = index + 1;
          const isExisting = values[index]?.source === 'existing';
          return (
            <fieldset key={field.id} className="measure-row" aria-label={`Measure ${n}`}>
              <label>
                Measure {n} is
                <select {...register(`measures.${index}.source`)}>
                  <option value="new">new</option>
                  <option value="existing" disabled={measures.length === 0}>
                    existing
                  </option>
                </select>
              </label>
              {isExisting ? (
                <label>
                  Existing measure {n}
                  <select {...register(`measures.${index}.existingId`, { required: isExisting })}>
                    <option value="">Choose a measure</option>
                    {measures.map((measure) => (
                      <option key={measure.id} value={String(measure.id)}>
                        {measureLabel(measure)}, {measure.datatype}
                      </option>
                    ))}
                  </select>
                </label>
              ) : (
                <>
                  <label>
                    Measure {n} name
                    <input {...register(`measures.${index}.name`, { required: !isExisting })} />
                  </label>
                  <label>
                    Measure {n} units
                    <input {...register(`measures.${index}.units`)} />
                  </label>
                  <label>
                    Measure {n} datatype
                    <select {...register(`measures.${index}.datatype`)}>
                      {DATATYPES.map((datatype) => (
                        <option key={datatype} value={datatype}>
                          {datatype}
                        </option>
                      ))}
                    </select>
                  </label>
                </>
              )}
              <button type="button" className="secondary outline" onClick={() => rows.remove(index)} disabled={rows.fields.length === 1}>
                Remove measure {n}
              </button>
            </fieldset>
          );
        })}
        <button type="button" className="secondary" onClick={() => rows.append(newMeasure())}>
          Add a measure
        </button>
      </fieldset>
      <ErrorMessage error={create.error} title="Could not create the sensor type" />
      {create.isSuccess && (
        <p role="status" className="muted">
          Sensor type created.
        </p>
      )}
      <button type="submit" aria-busy={create.isPending} disabled={create.isPending}>
        Create sensor type
      </button>
    </form>
  );
}
