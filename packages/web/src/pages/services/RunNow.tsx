import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { client } from '../../api/client.ts';
import { unwrap } from '../../api/unwrap.ts';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { Field } from '../../components/Field.tsx';
import { formatDuration } from '../../format.ts';
import { ParameterSetOptions } from './ParameterSetOptions.tsx';
import { servicesKeys, useParameterSets } from './services-queries.ts';

/** Calls the service now, with one of its parameter sets (or none), and says how it went. */
export function RunNow({ service }: { service: string }) {
  const queryClient = useQueryClient();
  const sets = useParameterSets(service);
  const [parameterSet, setParameterSet] = useState('');
  const headingId = useId();
  const run = useMutation({
    mutationFn: (set: string) =>
      unwrap(
        client.api.POST('/api/v1/services/{name}/runs', {
          params: { path: { name: service } },
          body: { parameter_set: set === '' ? null : set },
        }),
      ),
    onSettled: () => queryClient.invalidateQueries({ queryKey: servicesKeys.runs(service) }),
  });
  const result = run.data && 'duration_ms' in run.data ? run.data : undefined;
  return (
    <section aria-labelledby={headingId}>
      <h2 id={headingId}>Run now</h2>
      <form
        className="run-now"
        onSubmit={(event) => {
          event.preventDefault();
          run.mutate(parameterSet);
        }}
      >
        <Field label="Run with parameter set">
          {({ id }) => (
            <select id={id} value={parameterSet} onChange={(event) => setParameterSet(event.target.value)}>
              <ParameterSetOptions sets={sets.data} none="None (an empty body)" />
            </select>
          )}
        </Field>
        <button type="submit" aria-busy={run.isPending} disabled={run.isPending}>
          Run now
        </button>
      </form>
      <ErrorMessage error={run.error} title="Could not run the service" />
      <p role="status">
        {result &&
          `Run ${result.id} ${result.status}` +
            (result.response_status_code !== null ? ` (HTTP ${result.response_status_code})` : '') +
            ` in ${formatDuration(result.duration_ms)}` +
            (result.error ? `: ${result.error}` : '.')}
      </p>
    </section>
  );
}
