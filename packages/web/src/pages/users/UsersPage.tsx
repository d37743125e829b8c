import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { client } from '../../api/client.ts';
import { unwrap } from '../../api/unwrap.ts';
import { useWrite } from '../../api/use-write.ts';
import { useMe } from '../../auth/permissions.ts';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { QueryState } from '../../components/QueryState.tsx';
import { useLiveInvalidation } from '../../live/realtime.ts';
import { MAX_PAGE, readAllPages } from '../../api/read-all-pages.ts';
import { RequirePermission } from '../../auth/RequirePermission.tsx';
import { ConfirmButton } from '../../components/ConfirmButton.tsx';
import { Field } from '../../components/Field.tsx';
import { formatTime } from '../../format.ts';
import { TableScroll } from '../../components/TableScroll.tsx';
import './users.css';

const USERS_KEY = ['users'] as const;
const ROLES = ['viewer', 'editor', 'admin'] as const;
type Role = (typeof ROLES)[number];
const ROLE_MEANING: Record<Role, string> = {
  viewer: 'reads everything, changes nothing',
  editor: 'also writes data, readings, models and services',
  admin: 'everything, users and the audit log too',
};

const listUsers = () =>
  readAllPages((cursor) => unwrap(client.api.GET('/api/v1/users', { params: { query: { limit: MAX_PAGE, cursor } } })));
type User = Awaited<ReturnType<typeof listUsers>>[number];

/** Admins: the users, added with a role, their role and password set, deleted. */
export function UsersPage() {
  return (
    <section>
      <h1>Users</h1>
      <RequirePermission permission="users:admin" what="Managing users">
        <Users />
      </RequirePermission>
    </section>
  );
}

function Users() {
  const users = useQuery({ queryKey: USERS_KEY, queryFn: listUsers });
  useLiveInvalidation(['user'], USERS_KEY);
  const me = useMe();
  return (
    <>
      <AddUser />
      <QueryState query={users} label="users">
        {(items) => (
          <TableScroll label="Users">
            <table className="striped users-table">
              <caption className="visually-hidden">Users</caption>
              <thead>
                <tr>
                  <th scope="col">E-mail</th>
                  <th scope="col">Role</th>
                  <th scope="col">Added</th>
                  <th scope="col">Password</th>
                  <th scope="col">Delete</th>
                </tr>
              </thead>
              <tbody>
                {items.map((user) => (
                  <UserRow key={user.id} user={user} isMe={user.email === me.data?.user.email} />
                ))}
              </tbody>
            </table>
          </TableScroll>
        )}
      </QueryState>
    </>
  );
}

function useUserChange(email: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (change: { role?: Role; password?: string }) =>
      unwrap(client.api.PATCH('/api/v1/users/{email}', { params: { path: { email } }, body: change })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: USERS_KEY }),
  });
}

function UserRow({ user, isMe }: { user: User; isMe: boolean }) {
  const roleChange = useUserChange(user.email);
  const remove = useWrite(() => unwrap(client.api.DELETE('/api/v1/users/{email}', { params: { path: { email: user.email } } })), USERS_KEY);
  return (
    <tr>
      <th scope="row">
        {user.email} {isMe && <small className="muted">(you)</small>}
      </th>
      <td>
        <select
          aria-label={`Role of ${user.email}`}
          value={user.role}
          disabled={roleChange.isPending}
          onChange={(event) => roleChange.mutate({ role: event.target.value as Role })}
        >
          {ROLES.map((role) => (
            <option key={role} value={role}>
              {role}
            </option>
          ))}
        </select>
        <ErrorMessage error={roleChange.error} title="Could not change the role" />
      </td>
      <td>{formatTime(user.created_at)}</td>
      <td>
        <SetPassword email={user.email} />
      </td>
      <td>
        <ConfirmButton
          label="Delete"
          accessibleName={`Delete ${user.email}`}
          confirmLabel={`Delete ${user.email}`}
          busy={remove.isPending}
          onConfirm={() => remove.mutate()}
        />
        <ErrorMessage error={remove.error} title="Could not delete the user" />
      </td>
    </tr>
  );
}

function SetPassword({ email }: { email: string }) {
  const [open, setOpen] = useState(false);
  const [password, setPassword] = useState('');
  const change = useUserChange(email);
  if (!open) {
    return (
      <>
        <button type="button" className="secondary outline" aria-label={`Set the password of ${email}`} onClick={() => setOpen(true)}>
          Set the password
        </button>
        {change.isSuccess && <small role="status"> Password set; their sessions ended.</small>}
      </>
    );
  }
  return (
    <form
      className="row-form"
      onSubmit={(event) => {
        event.preventDefault();
        change.mutate(
          { password },
          {
            onSuccess: () => {
              setOpen(false);
              setPassword('');
            },
          },
        );
      }}
    >
      <label>
        New password of {email}
        <input
          type="password"
          autoComplete="new-password"
          required
          value={password}
          onChange={(event) => setPassword(event.target.value)}
        />
      </label>
      <button type="submit" aria-busy={change.isPending} disabled={change.isPending}>
        Save password
      </button>
      <button type="button" className="secondary outline" onClick={() => setOpen(false)}>
        Cancel
      </button>
      <ErrorMessage error={change.error} title="Could not set the password" />
    </form>
  );
}

interface NewUser {
  email: string;
  password: string;
  role: Role;
}

function AddUser() {
  const queryClient = useQueryClient();
  const form = useForm<NewUser>({ defaultValues: { email: '', password: '', role: 'viewer' } });
  const add = useMutation({
    mutationFn: (body: NewUser) => unwrap(client.api.POST('/api/v1/users', { body })),
    onSuccess: () => {
      form.reset();
      void queryClient.invalidateQueries({ queryKey: USERS_KEY });
    },
  });
  const { errors } = form.formState;
  return (
    <details className="write-panel">
      <summary>Add a user</summary>
      <form onSubmit={form.handleSubmit((values) => add.mutate({ ...values, email: values.email.trim() }))}>
        <div className="grid-fields">
          <label>
            E-mail
            <input
              type="email"
              autoComplete="off"
              {...form.register('email', { required: 'An e-mail address is the user name' })}
              aria-invalid={errors.email ? true : undefined}
            />
            {errors.email && <small>{errors.email.message}</small>}
          </label>
          <label>
            Password
            <input
              type="password"
              autoComplete="new-password"
              {...form.register('password', { required: 'Give a first password' })}
              aria-invalid={errors.password ? true : undefined}
            />
            {errors.password && <small>{errors.password.message}</small>}
          </label>
          <Field label="Role">
            {({ id }) => (
              <select id={id} {...form.register('role')}>
                {ROLES.map((role) => (
                  <option key={role} value={role}>
                    {role}: {ROLE_MEANING[role]}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
        <ErrorMessage error={add.error} title="Could not add the user" />
        <button type="submit" aria-busy={add.isPending} disabled={add.isPending}>
          Add user
        </button>
        {add.isSuccess && (
          <p role="status">
            Added {add.data.email} as {add.data.role}.
          </p>
        )}
      </form>
    </details>
  );
}
