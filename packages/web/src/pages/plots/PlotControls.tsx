import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useId } from 'react';
import { client } from '../../api/client.ts';
import { unwrap } from '../../api/unwrap.ts';
import { QueryState } from '../../components/QueryState.tsx';
import { DAY_MS, joinList, type PlotsSearch, splitList } from './plots-search.ts';

const NUMERIC = new Set(['float', 'integer']);

const PRESETS: { label: string; ms: number }[] = [
  { label: 'Last hour', ms: 3_600_000 },
  { label: 'Last day', ms: DAY_MS },
  { label: 'Last week', ms: 7 * DAY_MS },
  { label: 'Last 30 days', ms: 30 * DAY_MS },
  { label: 'Last year', ms: 365 * DAY_MS },
  { label: 'Last 10 years', ms: 3652 * DAY_MS },
];

/** datetime-local wants local time without a zone: "2024-01-31T13:05". */
function toLocalInput(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

export interface PlotControlsProps {
  search: PlotsSearch;
  range: { from: number; to: number; live: boolean };
  onChange: (next: PlotsSearch) => void;
}

/** The choice of sensor type, sensors, measures and range; every change goes into the URL. */
export function PlotControls({ search, range, onChange }: PlotControlsProps) {
  const id = useId();
  const types = useQuery({
    queryKey: ['sensor-types', 'all'],
    queryFn: () => unwrap(client.api.GET('/api/v1/sensor-types', { params: { query: { limit: 1000 } } })),
    staleTime: 60_000,
  });
  const sensors = useQuery({
    queryKey: ['sensors', 'of-type', search.type],
    queryFn: () => unwrap(client.api.GET('/api/v1/sensors', { params: { query: { type: search.type, limit: 1000 } } })),
    enabled: search.type !== undefined,
    staleTime: 60_000,
  });
  const chosenSensors = splitList(search.sensors);
  const chosenMeasures = splitList(search.measures);
  const toggle = (list: string[], item: string, on: boolean) =>
    joinList(on ? [...list.filter((i) => i !== item), item] : list.filter((i) => i !== item));

  function onCustomRange(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const from = Date.parse(String(form.get('from')));
    const toText = String(form.get('to') ?? '');
    const to = toText ? Date.parse(toText) : Number.NaN;
    if (Number.isNaN(from)) return;
    onChange({ ...search, from: new Date(from).toISOString(), to: Number.isNaN(to) ? undefined : new Date(to).toISOString() });
  }

  return (
    <div className="plot-controls">
      <QueryState query={types} label="sensor types">
        {(page) => {
          const type = page.items.find((t) => t.name === search.type);
          const measures = type?.measures.filter((m) => NUMERIC.has(m.datatype)) ?? [];
          return (
            <>
              <label htmlFor={`${id}-type`}>
                Sensor type
                <select
                  id={`${id}-type`}
                  value={search.type ?? ''}
                  onChange={(e) => onChange({ from: search.from, to: search.to, type: e.target.value || undefined })}
                >
                  <option value="">Choose a sensor type</option>
                  {page.items.map((t) => (
                    <option key={t.name} value={t.name}>
                      {t.name}
                    </option>
                  ))}
                </select>
              </label>
              {search.type !== undefined && !type ? <p role="alert">There is no sensor type “{search.type}”.</p> : null}
              {type ? (
                <div className="plot-choices">
                  <fieldset>
                    <legend>Sensors</legend>
                    <QueryState query={sensors} label="sensors">
                      {(list) =>
                        list.items.length === 0 ? (
                          <p>No sensors of this type yet.</p>
                        ) : (
                          list.items.map((s) => (
                            <label key={s.unique_identifier}>
                              <input
                                type="checkbox"
                                checked={chosenSensors.includes(s.unique_identifier)}
                                onChange={(e) =>
                                  onChange({ ...search, sensors: toggle(chosenSensors, s.unique_identifier, e.target.checked) })
                                }
                              />
                              {s.name ? `${s.name} (${s.unique_identifier})` : s.unique_identifier}
                            </label>
                          ))
                        )
                      }
                    </QueryState>
                  </fieldset>
                  <fieldset>
                    <legend>Measures</legend>
                    {measures.length === 0 ? <p>This type records no numeric measure to plot.</p> : null}
                    {measures.map((m) => (
                      <label key={m.name}>
                        <input
                          type="checkbox"
                          checked={chosenMeasures.includes(m.name)}
                          onChange={(e) => onChange({ ...search, measures: toggle(chosenMeasures, m.name, e.target.checked) })}
                        />
                        {m.units ? `${m.name} (${m.units})` : m.name}
                      </label>
                    ))}
                  </fieldset>
                </div>
              ) : null}
            </>
          );
        }}
      </QueryState>
      <fieldset className="plot-range">
        <legend>Range</legend>
        <div className="plot-presets">
          {PRESETS.map((p) => (
            <button
              key={p.label}
              type="button"
              className="secondary outline"
              onClick={() => onChange({ ...search, from: new Date(Date.now() - p.ms).toISOString(), to: undefined })}
            >
              {p.label}
            </button>
          ))}
        </div>
        {/* A new key when the range changes elsewhere (a zoom) resets the uncontrolled inputs. */}
        <form key={`${range.from}-${search.to ?? 'now'}`} className="plot-custom-range" onSubmit={onCustomRange}>
          <label>
            From
            <input name="from" type="datetime-local" defaultValue={toLocalInput(range.from)} required />
          </label>
          <label>
            To <small>(empty: until now)</small>
            <input name="to" type="datetime-local" defaultValue={search.to ? toLocalInput(range.to) : ''} />
          </label>
          <button type="submit">Show range</button>
        </form>
      </fieldset>
    </div>
  );
}
