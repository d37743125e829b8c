import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId } from 'react';
import { useForm } from 'react-hook-form';
import { client } from '../../api/client.ts';
import { unwrap } from '../../api/unwrap.ts';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { QueryState } from '../../components/QueryState.tsx';
import { useLiveInvalidation } from '../../live/realtime.ts';
import { ConfirmButton } from '../../components/ConfirmButton.tsx';
import { Field } from '../../components/Field.tsx';
import { formatTime } from '../../format.ts';
import { ParameterSetOptions } from './ParameterSetOptions.tsx';
import { listSchedules, servicesKeys, useParameterSets } from './services-queries.ts';
import { TableScroll } from '../../components/TableScroll.tsx';

type Schedule = Awaited<ReturnType<typeof listSchedules>>[number];

/** The schedules that call this service on a cron expression, with their next fire times. */
export function Schedules({ service, canWrite }: { service: string; canWrite: boolean }) {
  const schedules = useQuery({ queryKey: servicesKeys.schedules(service), queryFn: () => listSchedules(service) });
  // A schedule's next runs move on after each beat: a run of it is also a reason to refetch.
  useLiveInvalidation(['service_schedule', 'service_run'], servicesKeys.schedules(service));
  const headingId = useId();
  return (
    <section aria-labelledby={headingId}>
      <h2 id={headingId}>Schedules</h2>
      {canWrite && <CreateSchedule service={service} />}
      <QueryState query={schedules} label="schedules">
        {(items) =>
          items.length === 0 ? (
            <p>No schedule calls this service.</p>
          ) : (
            <TableScroll label={`Schedules of ${service}`}>
              <table className="striped">
                <caption className="visually-hidden">Schedules of {service}</caption>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Cron</th>
                    <th scope="col">Parameter set</th>
                    <th scope="col">Enabled</th>
                    <th scope="col">Next runs</th>
                    {canWrite && <th scope="col">Actions</th>}
                  </tr>
                </thead>
                <tbody>
                  {items.map((schedule) => (
                    <ScheduleRow key={schedule.id} schedule={schedule} canWrite={canWrite} />
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

function ScheduleRow({ schedule, canWrite }: { schedule: Schedule; canWrite: boolean }) {
  const queryClient = useQueryClient();
  const refresh = () => queryClient.invalidateQueries({ queryKey: servicesKeys.schedules(schedule.service) });
  const path = { params: { path: { name: schedule.name } } };
  const toggle = useMutation({
    mutationFn: (enabled: boolean) => unwrap(client.api.PATCH('/api/v1/schedules/{name}', { ...path, body: { enabled } })),
    onSettled: refresh,
  });
  const remove = useMutation({
    mutationFn: () => unwrap(client.api.DELETE('/api/v1/schedules/{name}', path)),
    onSuccess: refresh,
  });
  return (
    <tr>
      <th scope="row">{schedule.name}</th>
      <td>
        <code>{schedule.cron}</code>
        <br />
        <small>{schedule.time_zone}</small>
      </td>
      <td>{schedule.parameter_set ?? '—'}</td>
      <td>
        {canWrite ? (
          <label>
            <input
              type="checkbox"
              role="switch"
              aria-checked={schedule.enabled}
              checked={schedule.enabled}
              disabled={toggle.isPending}
              onChange={(event) => toggle.mutate(event.target.checked)}
            />
            <span className="visually-hidden">Enable schedule {schedule.name}</span>
            <span aria-hidden="true">{schedule.enabled ? 'On' : 'Off'}</span>
          </label>
        ) : schedule.enabled ? (
          'Yes'
        ) : (
          'No'
        )}
        <ErrorMessage error={toggle.error} title="Could not change the schedule" />
      </td>
      <td>
        {schedule.enabled ? (
          <ol className="next-runs" aria-label={`Next runs of ${schedule.name}`}>
            {schedule.next_runs.map((at) => (
              <li key={at}>
                <time dateTime={at}>{formatTime(at)}</time>
              </li>
            ))}
          </ol>
        ) : (
          <span className="muted">Disabled: no run is planned</span>
        )}
      </td>
      {canWrite && (
        <td>
          <ConfirmButton
            label="Delete"
            accessibleName={`Delete schedule ${schedule.name}`}
            confirmLabel={`Delete ${schedule.name}`}
            busy={remove.isPending}
            onConfirm={() => remove.mutate()}
          />
          <ErrorMessage error={remove.error} title="Could not delete the schedule" />
        </td>
      )}
    </tr>
  );
}

interface NewSchedule {
  name: string;
  cron: string;
  time_zone: string;
  parameter_set: string;
  enabled: boolean;
}

function CreateSchedule({ service }: { service: string }) {
  const queryClient = useQueryClient();
  const sets = useParameterSets(service);
  const form = useForm<NewSchedule>({ defaultValues: { name: '', cron: '', time_zone: 'UTC', parameter_set: '', enabled: true } });
  const create = useMutation({
    mutationFn: (values: NewSchedule) =>
      unwrap(
        client.api.POST('/api/v1/schedules', {
          body: {
            name: values.name.trim(),
            service,
            cron: values.cron.trim(),
            time_zone: values.time_zone.trim() || 'UTC',
            parameter_set: values.parameter_set === '' ? null : values.parameter_set,
            enabled: values.enabled,
          },
        }),
      ),
    onSuccess: () => {
      form.reset();
      void queryClient.invalidateQueries({ queryKey: servicesKeys.schedules(service) });
    },
  });
  const { errors } = form.formState;
  return (
    <details className="write-panel">
      <summary>Create a schedule</summary>
      <form onSubmit={form.handleSubmit((values) => create.mutate(values))}>
        <div className="grid-fields">
          <label>
            Schedule name
            <input {...form.register('name', { required: 'Give the schedule a name' })} aria-invalid={errors.name ? true : undefined} />
            {errors.name && <small>{errors.name.message}</small>}
          </label>
          <label>
            Cron expression
            <input
              {...form.register('cron', { required: 'Say when it runs, e.g. 0 6 * * *' })}
              placeholder="0 6 * * *"
              aria-describedby={`${service}-cron-help`}
              aria-invalid={errors.cron ? true : undefined}
            />
            <small id={`${service}-cron-help`}>
              minute hour day-of-month month day-of-week, e.g. <code>0 6 * * 3</code> (Wednesdays at 06:00), or six fields with seconds
              first
            </small>
          </label>
          <label>
            Time zone
            <input {...form.register('time_zone')} placeholder="UTC" aria-describedby={`${service}-zone-help`} />
            <small id={`${service}-zone-help`}>IANA name, e.g. Europe/London</small>
          </label>
          <Field label="Schedule's parameter set">
            {({ id }) => (
              <select id={id} {...form.register('parameter_set')}>
                <ParameterSetOptions sets={sets.data} none="None" />
              </select>
            )}
          </Field>
        </div>
        <label>
          <input type="checkbox" role="switch" aria-checked={form.watch('enabled')} {...form.register('enabled')} />
          Enabled
        </label>
        <ErrorMessage error={create.error} title="Could not create the schedule" />
        <button type="submit" aria-busy={create.isPending} disabled={create.isPending}>
          Create schedule
        </button>
      </form>
    </details>
  );
}
