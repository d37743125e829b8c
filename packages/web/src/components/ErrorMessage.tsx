import { describeError } from '../api/errors.ts';

/** An error in words, announced to screen readers; never a blank page. */
export function ErrorMessage({ error, title = 'Something went wrong' }: { error: unknown; title?: string }) {
  if (!error) return null;
  return (
    <div role="alert" className="error-message">
      <strong>{title}.</strong> {describeError(error)}
    </div>
  );
}
