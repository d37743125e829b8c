import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useNavigate, useSearch } from '@tanstack/react-router';
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { client } from '../../api/client.ts';
import { unwrap } from '../../api/unwrap.ts';
import { QueryState } from '../../components/QueryState.tsx';
import { RequirePermission } from '../../auth/RequirePermission.tsx';
import { formatTime } from '../../format.ts';
import type { AuditSearch } from './audit-search.ts';
import { TableScroll } from '../../components/TableScroll.tsx';
import '../services/services.css';
import './audit.css';

const PAGE_SIZE = 50;

/** Admins: who changed what, when, from where, and whether it was allowed; filtered and paged. */
export function AuditPage() {
  return (
    <section>
      <h1>Audit log</h1>
      <RequirePermission permission="audit:read" what="The audit log">
        <AuditLog />
      </RequirePermission>
    </section>
  );
}

function AuditLog() {
  const search = useSearch({ from: '/app/audit' });
  const navigate = useNavigate({ from: '/audit' });
  return (
    <>
      <AuditFilters search={search} onApply={(next) => navigate({ search: next })} />
      {/* A new filter starts again at the newest page. */}
      <AuditEntries key={JSON.stringify(search)} search={search} />
    </>
  );
}

function AuditEntries({ search }: { search: AuditSearch }) {
  // The cursors of the pages passed, to step back to newer ones.
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors.at(-1);
  const entries = useQuery({
    queryKey: ['audit', search, cursor],
    queryFn: () =>
      unwrap(
        client.api.GET('/api/v1/audit', {
          params: {
            query: {
              ...search,
              ...(search.from ? { from: new Date(search.from).toISOString() } : {}),
              ...(search.to ? { to: new Date(search.to).toISOString() } : {}),
              limit: PAGE_SIZE,
              cursor,
            },
          },
        }),
      ),
    placeholderData: keepPreviousData,
  });
  return (
    <QueryState query={entries} label="the audit log">
      {(page) => (
        <>
          <TableScroll label="Audit entries">
            <table className="striped audit-table">
              <caption>
                Audit entries, newest first (page {cursors.length + 1}){entries.isPlaceholderData ? ', loading…' : ''}
              </caption>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Actor</th>
                  <th scope="col">Action</th>
                  <th scope="col">Entity</th>
                  <th scope="col">Status</th>
                  <th scope="col">From</th>
                </tr>
              </thead>
              <tbody>
                {page.items.length === 0 ? (
                  <tr>
                    <td colSpan={6}>No entry matches these filters.</td>
                  </tr>
                ) : (
                  page.items.map((entry) => (
                    <tr key={entry.id}>
                      <td>
                        <time dateTime={entry.at}>{formatTime(entry.at)}</time>
                      </td>
                      <td>
                        {entry.user_email ?? <span className="muted">nobody</span>}
                        {entry.api_key_name && <small> with key {entry.api_key_name}</small>}
                      </td>
                      <td>
                        <code>{entry.method}</code> {entry.operation_id ?? ''}
                      </td>
                      <td>
                        <code className="wrap">{entry.route}</code>
                        {entry.target && <div className="wrap">{entry.target}</div>}
                      </td>
                      <td className={entry.status >= 400 ? 'status-failed' : undefined}>{entry.status}</td>
                      <td>{entry.ip ?? '—'}</td>
                    </tr>
                  ))
                )}
              </tbody>
            </table>
          </TableScroll>
          <nav className="pager" aria-label="Pages of the audit log">
            <button type="button" className="secondary" disabled={cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
              Newer
            </button>
            <button
              type="button"
              className="secondary"
              disabled={!page.next_cursor}
              onClick={() => page.next_cursor && setCursors([...cursors, page.next_cursor])}
            >
              Older
            </button>
          </nav>
        </>
      )}
    </QueryState>
  );
}

interface FilterForm {
  user: string;
  api_key: string;
  operation: string;
  route: string;
  status: string;
  from: string;
  to: string;
}

const STATUSES = [
  ['', 'any'],
  ['2xx', '2xx: done'],
  ['4xx', '4xx: refused'],
  ['401', '401: not logged in'],
  ['403', '403: not allowed'],
  ['5xx', '5xx: server failed'],
] as const;

// The operations people look for most; any other operationId can be typed.
const COMMON_OPERATIONS = [
  'dtbaseLogin',
  'dtbaseRefresh',
  'dtbaseChangePassword',
  'createUser',
  'updateUser',
  'deleteUser',
  'createApiKey',
  'revokeApiKey',
  'dtbaseInsertService',
  'dtbaseInsertParameterSet',
  'runService',
  'createSchedule',
  'updateSchedule',
  'deleteSchedule',
  'dtbaseInsertSensor',
];

/** datetime-local shows local time without a zone; the address keeps the instant. */
const toLocalInput = (iso: string | undefined) => {
  if (!iso) return '';
  const date = new Date(iso);
  return new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};
const fromLocalInput = (value: string) => (value ? new Date(value).toISOString() : undefined);

function AuditFilters({ search, onApply }: { search: AuditSearch; onApply: (next: AuditSearch) => void }) {
  const empty: FilterForm = { user: '', api_key: '', operation: '', route: '', status: '', from: '', to: '' };
  const form = useForm<FilterForm>({
    values: {
      ...empty,
      ...search,
      api_key: search.api_key === undefined ? '' : String(search.api_key),
      from: toLocalInput(search.from),
      to: toLocalInput(search.to),
    },
  });
  const apply = (values: FilterForm) =>
    onApply(
      Object.fromEntries(
        Object.entries({
          user: values.user.trim() || undefined,
          api_key: values.api_key ? Number(values.api_key) : undefined,
          operation: values.operation.trim() || undefined,
          route: values.route.trim() || undefined,
          status: values.status || undefined,
          from: fromLocalInput(values.from),
          to: fromLocalInput(values.to),
        }).filter(([, value]) => value !== undefined),
      ) as AuditSearch,
    );
  return (
    <form className="audit-filters" onSubmit={form.handleSubmit(apply)} aria-label="Filter the audit log">
      <div className="grid-fields">
        <label>
          Actor (e-mail)
          <input type="search" {...form.register('user')} />
        </label>
        <label>
          API key id
          <input type="number" min={1} {...form.register('api_key')} />
        </label>
        <label>
          Action (operation)
          <input type="search" list="audit-operations" {...form.register('operation')} placeholder="e.g. createUser" />
          <datalist id="audit-operations">
            {COMMON_OPERATIONS.map((operation) => (
              <option key={operation} value={operation} />
            ))}
          </datalist>
        </label>
        <label>
          Entity (route)
          <input type="search" {...form.register('route')} placeholder="e.g. /api/v1/users/:email" />
        </label>
        <label>
          Status
          <select {...form.register('status')}>
            {STATUSES.map(([value, text]) => (
              <option key={value} value={value}>
                {text}
              </option>
            ))}
          </select>
        </label>
        <label>
          From
          <input type="datetime-local" {...form.register('from')} />
        </label>
        <label>
          Until
          <input type="datetime-local" {...form.register('to')} />
        </label>
      </div>
      <div className="inline-actions">
        <button type="submit">Apply filters</button>
        <button type="button" className="secondary outline" onClick={() => onApply({})}>
          Clear filters
        </button>
      </div>
    </form>
  );
}
