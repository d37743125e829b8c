import { type FormEvent, useState } from 'react';
import { Field } from '../../components/Field.tsx';
import { QueryState } from '../../components/QueryState.tsx';
import { measureLabel, type Sensor, type SensorType, useSensors, useSensorTypes } from '../sensors/sensor-queries.ts';
import { fromLocalInput, type ReadingsSearch, toLocalInput } from './readings-search.ts';

/** Picks a series (a sensor, then one of its type's measures) and a range. */
export function ReadingsPicker({ initial, onShow }: { initial: ReadingsSearch; onShow: (search: ReadingsSearch) => void }) {
  const sensors = useSensors();
  const types = useSensorTypes();
  return (
    <QueryState query={sensors} label="sensors">
      {(sensorList) => (
        <QueryState query={types} label="sensor types">
          {(typeList) => <PickerForm sensors={sensorList} types={typeList} initial={initial} onShow={onShow} />}
        </QueryState>
      )}
    </QueryState>
  );
}

function PickerForm({
  sensors,
  types,
  initial,
  onShow,
}: {
  sensors: Sensor[];
  types: SensorType[];
  initial: ReadingsSearch;
  onShow: (search: ReadingsSearch) => void;
}) {
  const [sensor, setSensor] = useState(initial.sensor ?? '');
  const measuresOf = (uid: string) => {
    const typeName = sensors.find((s) => s.unique_identifier === uid)?.type;
    return types.find((t) => t.name === typeName)?.measures ?? [];
  };
  const measures = measuresOf(sensor);
  const initialMeasure = measures.find((m) => m.name === initial.measure && (initial.units === undefined || m.units === initial.units));
  const [measureId, setMeasureId] = useState(initialMeasure ? String(initialMeasure.id) : '');
  const [from, setFrom] = useState(initial.from ? toLocalInput(initial.from) : '');
  const [to, setTo] = useState(initial.to ? toLocalInput(initial.to) : '');
  const [problem, setProblem] = useState<string | undefined>();

  function submit(event: FormEvent) {
    event.preventDefault();
    const measure = measures.find((m) => String(m.id) === measureId);
    const fromIso = fromLocalInput(from);
    const toIso = fromLocalInput(to);
    if (!sensor || !measure) return setProblem('Choose a sensor and one of its measures.');
    if (!fromIso || !toIso) return setProblem('Give the start and the end of the range.');
    if (fromIso > toIso) return setProblem('The range must start before it ends.');
    setProblem(undefined);
    // Units go in the URL only when the measure's name alone is ambiguous for this sensor.
    const ambiguous = measures.filter((m) => m.name === measure.name).length > 1;
    onShow({ sensor, measure: measure.name, units: ambiguous ? (measure.units ?? undefined) : undefined, from: fromIso, to: toIso });
  }

  return (
    <form onSubmit={submit} className="readings-picker" aria-label="Which readings">
      <div className="grid-fields">
        <Field label="Sensor">
          {({ id }) => (
            <select
              id={id}
              value={sensor}
              onChange={(event) => {
                setSensor(event.target.value);
                const first = measuresOf(event.target.value)[0];
                setMeasureId(first ? String(first.id) : '');
              }}
            >
              <option value="">Choose a sensor</option>
              {sensors.map((s) => (
                <option key={s.id} value={s.unique_identifier}>
                  {s.name ? `${s.name} (${s.unique_identifier})` : s.unique_identifier}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Measure">
          {({ id }) => (
            <select id={id} value={measureId} onChange={(event) => setMeasureId(event.target.value)} disabled={measures.length === 0}>
              <option value="">Choose a measure</option>
              {measures.map((m) => (
                <option key={m.id} value={String(m.id)}>
                  {measureLabel(m)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="From (your local time)">
          {({ id }) => <input id={id} type="datetime-local" step={1} value={from} onChange={(event) => setFrom(event.target.value)} />}
        </Field>
        <Field label="To (your local time)">
          {({ id }) => <input id={id} type="datetime-local" step={1} value={to} onChange={(event) => setTo(event.target.value)} />}
        </Field>
      </div>
      {problem && (
        <p role="alert" className="error-message">
          {problem}
        </p>
      )}
      <button type="submit">Show readings</button>
    </form>
  );
}
