import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { createColumnHelper } from '@tanstack/react-table';
import { useForm } from 'react-hook-form';
import { client } from '../../api/client.ts';
import { unwrap } from '../../api/unwrap.ts';
import { useCan } from '../../auth/permissions.ts';
import { DataTable } from '../../components/DataTable.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { QueryState } from '../../components/QueryState.tsx';
import { useLiveInvalidation } from '../../live/realtime.ts';
import { formatTime } from '../../format.ts';
import { listServices, servicesKeys } from './services-queries.ts';
import './services.css';

type Service = Awaited<ReturnType<typeof listServices>>[number];
const column = createColumnHelper<Service>();
const columns = [
  column.accessor('name', {
    header: 'Name',
    cell: (info) => (
      <Link to="/services/$name" params={{ name: info.getValue() }}>
        {info.getValue()}
      </Link>
    ),
  }),
  column.accessor('http_method', { header: 'Method' }),
  column.accessor('url', { header: 'URL', cell: (info) => <code className="wrap">{info.getValue()}</code> }),
  column.accessor('created_at', { header: 'Registered', cell: (info) => formatTime(info.getValue()) }),
];

/** The registered services: open one to run it, give it parameter sets and schedules. */
export function ServicesPage() {
  const services = useQuery({ queryKey: servicesKeys.list(), queryFn: listServices });
  useLiveInvalidation(['service'], servicesKeys.list());
  const canWrite = useCan('services:write');
  return (
    <section>
      <h1>Services</h1>
      <p className="muted">
        A service is a web address Mirrorbase calls, now or on a schedule, with a set of parameters; what it answers is logged, and readings
        it returns are written.
      </p>
      {canWrite && <RegisterService />}
      <QueryState query={services} label="services">
        {(items) => <DataTable caption="Services" data={items} columns={columns} empty="No service is registered yet." />}
      </QueryState>
    </section>
  );
}

const METHODS = ['POST', 'GET', 'PUT', 'DELETE'] as const;
interface NewService {
  name: string;
  url: string;
  http_method: (typeof METHODS)[number];
}

function RegisterService() {
  const queryClient = useQueryClient();
  const form = useForm<NewService>({ defaultValues: { name: '', url: '', http_method: 'POST' } });
  const register = useMutation({
    mutationFn: (body: NewService) => unwrap(client.api.POST('/service/insert-service', { body })),
    onSuccess: () => {
      form.reset();
      void queryClient.invalidateQueries({ queryKey: servicesKeys.all });
    },
  });
  const { errors } = form.formState;
  return (
    <details className="write-panel">
      <summary>Register a service</summary>
      <form onSubmit={form.handleSubmit((values) => register.mutate({ ...values, name: values.name.trim(), url: values.url.trim() }))}>
        <div className="grid-fields">
          <label>
            Name
            <input
              {...form.register('name', { required: 'Give the service a name' })}
              aria-invalid={errors.name ? true : undefined}
              autoComplete="off"
            />
            {errors.name && <small>{errors.name.message}</small>}
          </label>
          <label>
            URL
            <input
              type="url"
              placeholder="https://example.org/ingress"
              {...form.register('url', { required: 'Say where the service is called' })}
              aria-invalid={errors.url ? true : undefined}
            />
            {errors.url && <small>{errors.url.message}</small>}
          </label>
          <label>
            HTTP method
            <select {...form.register('http_method')}>
              {METHODS.map((method) => (
                <option key={method}>{method}</option>
              ))}
            </select>
          </label>
        </div>
        <ErrorMessage error={register.error} title="Could not register the service" />
        <button type="submit" aria-busy={register.isPending} disabled={register.isPending}>
          Register
        </button>
        {register.isSuccess && (
          <p role="status">
            Registered{' '}
            <Link to="/services/$name" params={{ name: register.variables.name }}>
              {register.variables.name}
            </Link>
            .
          </p>
        )}
      </form>
    </details>
  );
}
