import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from '@tanstack/react-router';
import { client } from '../../api/client.ts';
import { unwrap } from '../../api/unwrap.ts';
import { useCan } from '../../auth/permissions.ts';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { QueryState } from '../../components/QueryState.tsx';
import { ConfirmButton } from '../../components/ConfirmButton.tsx';
import { formatTime } from '../../format.ts';
import { ParameterSets } from './ParameterSets.tsx';
import { RunHistory } from './RunHistory.tsx';
import { RunNow } from './RunNow.tsx';
import { Schedules } from './Schedules.tsx';
import { getService, servicesKeys } from './services-queries.ts';
import './services.css';

/** One service: its parameter sets, a run now, its schedules and the log of its runs. */
export function ServicePage() {
  // The page routes are built by one helper that does not carry each path's parameter types.
  const { name } = useParams({ from: '/app/services/$name' });
  const service = useQuery({ queryKey: servicesKeys.one(name), queryFn: () => getService(name) });
  const canWrite = useCan('services:write');
  return (
    <section>
      <p>
        <Link to="/services">← Services</Link>
      </p>
      <QueryState query={service} label={`the service ${name}`}>
        {(found) => (
          <>
            <header className="page-header">
              <h1>{found.name}</h1>
              {canWrite && <DeleteService name={found.name} />}
            </header>
            <p>
              <strong>{found.http_method}</strong> <code className="wrap">{found.url}</code>
              <br />
              <small className="muted">Registered {formatTime(found.created_at)}</small>
            </p>
            <div className="service-sections">
              <ParameterSets service={found.name} canWrite={canWrite} />
              {canWrite && <RunNow service={found.name} />}
              <Schedules service={found.name} canWrite={canWrite} />
              <RunHistory service={found.name} />
            </div>
          </>
        )}
      </QueryState>
    </section>
  );
}

function DeleteService({ name }: { name: string }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const remove = useMutation({
    mutationFn: () => unwrap(client.api.POST('/service/delete-service', { body: { name } })),
    onSuccess: async () => {
      queryClient.removeQueries({ queryKey: servicesKeys.one(name) });
      await queryClient.invalidateQueries({ queryKey: servicesKeys.list() });
      await navigate({ to: '/services' });
    },
  });
  return (
    <div>
      <ConfirmButton
        label="Delete"
        accessibleName={`Delete service ${name}`}
        confirmLabel="Delete it, with its parameter sets and run log"
        busy={remove.isPending}
        onConfirm={() => remove.mutate()}
      />
      <ErrorMessage error={remove.error} title="Could not delete the service" />
    </div>
  );
}
