import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { client } from '../../api/client.ts';
import { unwrap } from '../../api/unwrap.ts';
import { useCan } from '../../auth/permissions.ts';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { QueryState } from '../../components/QueryState.tsx';
import { useLiveInvalidation } from '../../live/realtime.ts';
import { MAX_PAGE, readAllPages } from '../../api/read-all-pages.ts';
import { RequirePermission } from '../../auth/RequirePermission.tsx';
import { ConfirmButton } from '../../components/ConfirmButton.tsx';
import { formatTime } from '../../format.ts';
import { NewKeyShownOnce } from './NewKeyShownOnce.tsx';
import { TableScroll } from '../../components/TableScroll.tsx';
import './keys.css';

const SCOPES = {
  read: 'read: reads data and readings',
  'read-write': 'read-write: also writes data, readings and services',
  ingest: 'ingest: writes readings of named sensors only (a device)',
} as const;
type Scope = keyof typeof SCOPES;

const keysKey = (everyone: boolean) => ['api-keys', everyone ? 'all' : 'mine'] as const;
const listKeys = (everyone: boolean) =>
  readAllPages((cursor) =>
    unwrap(client.api.GET('/api/v1/keys', { params: { query: { limit: MAX_PAGE, cursor, ...(everyone ? { all: true } : {}) } } })),
  );
type ApiKey = Awaited<ReturnType<typeof listKeys>>[number];
export type CreatedKey = ApiKey & { key: string };

/** API keys: yours (an admin may see everyone's), created with a scope and expiry, revoked. */
export function KeysPage() {
  return (
    <section>
      <h1>API keys</h1>
      <p className="muted">
        A key lets a program call the API as you, never with more than your role allows. Send it as <code>X-API-Key: mb_…</code>.
      </p>
      <RequirePermission permission="account" what="Managing API keys">
        <Keys />
      </RequirePermission>
    </section>
  );
}

function Keys() {
  const isAdmin = useCan('users:admin');
  const [everyone, setEveryone] = useState(false);
  const showAll = isAdmin && everyone;
  const keys = useQuery({ queryKey: keysKey(showAll), queryFn: () => listKeys(showAll) });
  useLiveInvalidation(['api_key'], ['api-keys']);
  return (
    <>
      <CreateKey isAdmin={isAdmin} />
      {isAdmin && (
        <label>
          <input type="checkbox" role="switch" aria-checked={everyone} checked={everyone} onChange={(e) => setEveryone(e.target.checked)} />
          Show every user's keys
        </label>
      )}
      <QueryState query={keys} label="API keys">
        {(items) =>
          items.length === 0 ? (
            <p>No API key yet.</p>
          ) : (
            <TableScroll label="API keys">
              <table className="striped">
                <caption className="visually-hidden">{showAll ? "Every user's API keys" : 'Your API keys'}</caption>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    {showAll && <th scope="col">User</th>}
                    <th scope="col">Key starts</th>
                    <th scope="col">Scope</th>
                    <th scope="col">Sensors</th>
                    <th scope="col">Expires</th>
                    <th scope="col">Last used</th>
                    <th scope="col">Created</th>
                    <th scope="col">State</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((key) => (
                    <KeyRow key={key.id} apiKey={key} showUser={showAll} />
                  ))}
                </tbody>
              </table>
            </TableScroll>
          )
        }
      </QueryState>
    </>
  );
}

function KeyRow({ apiKey, showUser }: { apiKey: ApiKey; showUser: boolean }) {
  const queryClient = useQueryClient();
  const revoke = useMutation({
    mutationFn: () => unwrap(client.api.DELETE('/api/v1/keys/{id}', { params: { path: { id: apiKey.id } } })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['api-keys'] }),
  });
  const expired = apiKey.expires_at !== null && new Date(apiKey.expires_at) <= new Date();
  return (
    <tr>
      <th scope="row">{apiKey.name}</th>
      {showUser && <td>{apiKey.user}</td>}
      <td>
        <code>mb_{apiKey.prefix}…</code>
      </td>
      <td>{apiKey.scope}</td>
      <td>{apiKey.sensors?.join(', ') ?? 'all'}</td>
      <td>{apiKey.expires_at ? formatTime(apiKey.expires_at) : 'never'}</td>
      <td>{apiKey.last_used_at ? formatTime(apiKey.last_used_at) : 'never'}</td>
      <td>{formatTime(apiKey.created_at)}</td>
      <td>
        {apiKey.revoked_at ? (
          `Revoked ${formatTime(apiKey.revoked_at)}`
        ) : expired ? (
          'Expired'
        ) : (
          <ConfirmButton
            label="Revoke"
            accessibleName={`Revoke ${apiKey.name}`}
            confirmLabel={`Revoke ${apiKey.name} now`}
            busy={revoke.isPending}
            onConfirm={() => revoke.mutate()}
          />
        )}
        <ErrorMessage error={revoke.error} title="Could not revoke the key" />
      </td>
    </tr>
  );
}

interface NewKeyForm {
  name: string;
  scope: Scope;
  sensors: string;
  expires: string;
  user: string;
}

function CreateKey({ isAdmin }: { isAdmin: boolean }) {
  const queryClient = useQueryClient();
  const [created, setCreated] = useState<CreatedKey>();
  const form = useForm<NewKeyForm>({ defaultValues: { name: '', scope: 'read', sensors: '', expires: '', user: '' } });
  const create = useMutation({
    mutationFn: (values: NewKeyForm) => {
      const sensors = values.sensors
        .split(/[\s,]+/)
        .map((uid) => uid.trim())
        .filter(Boolean);
      return unwrap(
        client.api.POST('/api/v1/keys', {
          body: {
            name: values.name.trim(),
            scope: values.scope,
            ...(values.scope === 'ingest' ? { sensors } : {}),
            // datetime-local is the browser's local time; the API takes an instant.
            ...(values.expires ? { expires_at: new Date(values.expires).toISOString() } : {}),
            ...(isAdmin && values.user.trim() ? { user: values.user.trim() } : {}),
          },
        }),
      );
    },
    onSuccess: (key) => {
      setCreated(key);
      form.reset();
      void queryClient.invalidateQueries({ queryKey: ['api-keys'] });
    },
  });
  const { errors } = form.formState;
  const scope = form.watch('scope');
  if (created) return <NewKeyShownOnce created={created} onDone={() => setCreated(undefined)} />;
  return (
    <details className="write-panel">
      <summary>Create an API key</summary>
      <form onSubmit={form.handleSubmit((values) => create.mutate(values))}>
        <div className="grid-fields">
          <label>
            Key name
            <input {...form.register('name', { required: 'Name the key (what uses it)' })} aria-invalid={errors.name ? true : undefined} />
            {errors.name && <small>{errors.name.message}</small>}
          </label>
          <label>
            Scope
            <select {...form.register('scope')}>
              {Object.entries(SCOPES).map(([value, text]) => (
                <option key={value} value={value}>
                  {text}
                </option>
              ))}
            </select>
          </label>
          {scope === 'ingest' && (
            <label>
              Sensors it may write
              <input
                {...form.register('sensors', { required: 'An ingest key names its sensors' })}
                placeholder="unique identifiers, comma separated"
                aria-invalid={errors.sensors ? true : undefined}
              />
              {errors.sensors && <small>{errors.sensors.message}</small>}
            </label>
          )}
          <label>
            Expires (optional)
            <input type="datetime-local" {...form.register('expires')} />
          </label>
          {isAdmin && (
            <label>
              For user (optional, e-mail)
              <input type="email" {...form.register('user')} placeholder="yourself" />
            </label>
          )}
        </div>
        <ErrorMessage error={create.error} title="Could not create the key" />
        <button type="submit" aria-busy={create.isPending} disabled={create.isPending}>
          Create key
        </button>
      </form>
    </details>
  );
}
