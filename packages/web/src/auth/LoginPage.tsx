import { useQueryClient } from '@tanstack/react-query';
import { useNavigate, useSearch } from '@tanstack/react-router';
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { loginWithPassword } from '../api/client.ts';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { ThemeToggle } from '../layout/ThemeToggle.tsx';
import { safeRedirect } from '../router.tsx';

interface LoginForm {
  email: string;
  password: string;
}

export function LoginPage() {
  const search = useSearch({ from: '/login' });
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [error, setError] = useState<unknown>();
  const { register, handleSubmit, formState } = useForm<LoginForm>();

  async function onSubmit({ email, password }: LoginForm) {
    setError(undefined);
    try {
      await loginWithPassword(email.trim(), password);
      queryClient.clear();
      await navigate({ to: safeRedirect(search.redirect) });
    } catch (failure) {
      setError(failure);
    }
  }

  return (
    <main className="login container">
      <div className="login-theme">
        <ThemeToggle />
      </div>
      <article>
        <h1>Mirrorbase</h1>
        <p>Log in to your digital twin.</p>
        <form onSubmit={handleSubmit(onSubmit)} noValidate>
          <label>
            E-mail
            <input
              type="email"
              autoComplete="username"
              required
              aria-invalid={formState.errors.email ? true : undefined}
              {...register('email', { required: true })}
            />
          </label>
          <label>
            Password
            <input
              type="password"
              autoComplete="current-password"
              required
              aria-invalid={formState.errors.password ? true : undefined}
              {...register('password', { required: true })}
            />
          </label>
          {(formState.errors.email || formState.errors.password) && <p role="alert">Enter your e-mail and password.</p>}
          <ErrorMessage error={error} title="Could not log in" />
          <button type="submit" aria-busy={formState.isSubmitting} disabled={formState.isSubmitting}>
            Log in
          </button>
        </form>
      </article>
    </main>
  );
}
