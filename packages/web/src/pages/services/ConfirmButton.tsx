import { useEffect, useRef, useState } from 'react';

/**
 * A destructive action in two presses: the first asks, the second does it (no modal dialog to
 * trap focus in, and a stray click or Enter does nothing harmful). Escape or Cancel steps back.
 */
export function ConfirmButton({
  label,
  confirmLabel,
  onConfirm,
  busy = false,
}: {
  /** The button's accessible name, e.g. "Delete hourly". */
  label: string;
  confirmLabel: string;
  onConfirm: () => void;
  busy?: boolean;
}) {
  const [asking, setAsking] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (asking) confirmRef.current?.focus();
  }, [asking]);
  if (!asking) {
    return (
      <button type="button" className="secondary outline" onClick={() => setAsking(true)} aria-label={label}>
        {label.split(' ')[0]}
      </button>
    );
  }
  return (
    <span className="inline-actions">
      <button
        ref={confirmRef}
        type="button"
        className="contrast"
        onKeyDown={(event) => event.key === 'Escape' && setAsking(false)}
        aria-busy={busy}
        disabled={busy}
        onClick={() => {
          onConfirm();
          setAsking(false);
        }}
      >
        {confirmLabel}
      </button>
      <button type="button" className="secondary outline" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}
