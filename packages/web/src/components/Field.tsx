import { type ReactNode, useId } from 'react';

/**
 * A label and its control, tied by id, with the control's error under it. The label sits beside
 * the control rather than around it: a label wrapping a select or a filled field would take the
 * control's value into its accessible name ("Schema plane").
 */
export function Field({
  label,
  error,
  className,
  children,
}: {
  label: ReactNode;
  error?: string;
  className?: string;
  /** The control, given the id the label points at and the id of the error text. */
  children: (ids: { id: string; errorId: string | undefined }) => ReactNode;
}) {
  const id = useId();
  const errorId = error ? `${id}-error` : undefined;
  return (
    <div className={className ? `field ${className}` : 'field'}>
      <label htmlFor={id}>{label}</label>
      {children({ id, errorId })}
      {error && <small id={errorId}>{error}</small>}
    </div>
  );
}
