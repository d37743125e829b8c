import { type ErrorComponentProps, Link } from '@tanstack/react-router';
import { ErrorMessage } from '../components/ErrorMessage.tsx';

/** What a page that failed to load or render shows: the error in words and a way on. */
export function RouteError({ error, reset }: ErrorComponentProps) {
  return (
    <section className="route-error">
      <h1>This page could not be shown</h1>
      <ErrorMessage error={error} />
      <p>
        <button type="button" onClick={reset}>
          Try again
        </button>{' '}
        <Link to="/">Go to the overview</Link>
      </p>
    </section>
  );
}
