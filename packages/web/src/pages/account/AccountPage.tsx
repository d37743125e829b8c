import { useMutation } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { client, logout } from '../../api/client.ts';
import { unwrap } from '../../api/unwrap.ts';
import { useMe } from '../../auth/permissions.ts';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { QueryState } from '../../components/QueryState.tsx';
import { formatTime } from '../../format.ts';
import '../services/services.css';

/** Who you are, and a new password for yourself. */
export function AccountPage() {
  const me = useMe();
  // Kept here, above the account's query: once the sessions end, nothing below may depend on a fresh answer.
  const [changed, setChanged] = useState(false);
  if (changed) {
    return (
      <section>
        <h1>Account</h1>
        <div role="status">
          <p>
            <strong>Your password is changed.</strong> Every session of yours has ended, this one too.
          </p>
          <p>
            <Link to="/login">Log in with the new password</Link>
          </p>
        </div>
      </section>
    );
  }
  return (
    <section>
      <h1>Account</h1>
      <QueryState query={me} label="your account">
        {(data) => (
          <>
            <dl>
              <dt>E-mail</dt>
              <dd>{data.user.email}</dd>
              <dt>Role</dt>
              <dd>{data.user.role}</dd>
              <dt>Member since</dt>
              <dd>{formatTime(data.user.created_at)}</dd>
            </dl>
            <ChangePassword email={data.user.email} onChanged={() => setChanged(true)} />
          </>
        )}
      </QueryState>
    </section>
  );
}

interface PasswordForm {
  password: string;
  repeat: string;
}

function ChangePassword({ email, onChanged }: { email: string; onChanged: () => void }) {
  const form = useForm<PasswordForm>({ defaultValues: { password: '', repeat: '' } });
  const change = useMutation({
    mutationFn: (password: string) => unwrap(client.api.POST('/user/change-password', { body: { email, password } })),
    // A new password ends every session of the user, this one too: forget its tokens here as well.
    onSuccess: async () => {
      await logout().catch(() => undefined);
      onChanged();
    },
  });
  const { errors } = form.formState;
  return (
    <form onSubmit={form.handleSubmit((values) => change.mutate(values.password))}>
      <h2>Change your password</h2>
      <p className="muted">Changing it logs you out everywhere, here too.</p>
      <label>
        New password
        <input
          type="password"
          autoComplete="new-password"
          {...form.register('password', { required: 'Type the new password' })}
          aria-invalid={errors.password ? true : undefined}
        />
        {errors.password && <small>{errors.password.message}</small>}
      </label>
      <label>
        Repeat the new password
        <input
          type="password"
          autoComplete="new-password"
          {...form.register('repeat', { validate: (value, all) => value === all.password || 'The two passwords differ' })}
          aria-invalid={errors.repeat ? true : undefined}
        />
        {errors.repeat && <small>{errors.repeat.message}</small>}
      </label>
      <ErrorMessage error={change.error} title="Could not change your password" />
      <button type="submit" aria-busy={change.isPending} disabled={change.isPending}>
        Change password
      </button>
    </form>
  );
}
