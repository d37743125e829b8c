/** A busy indicator that screen readers announce. */
export function Loading({ label = 'Loading' }: { label?: string }) {
  return (
    <p aria-busy="true" aria-live="polite">
      {label}…
    </p>
  );
}
