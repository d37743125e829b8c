import { useState } from 'react';

/**
 * A button for an action that cannot be undone: the first press asks, in place, for a second
 * one ("Delete" becomes "Really delete?" and "Cancel"), so nothing goes on a stray click and no
 * modal dialog steals the focus. Escape or Cancel steps back.
 */
export function ConfirmButton({
  label,
  confirmLabel,
  onConfirm,
  busy = false,
  accessibleName,
}: {
  /** The first button's text ("Delete"). */
  label: string;
  /**
   * The second button's text, and then its whole name: say what it acts on ("Delete hourly").
   * Without it the button reads "Really delete?" and is named "Confirm: " + accessibleName.
   */
  confirmLabel?: string;
  onConfirm: () => void;
  busy?: boolean;
  /** Names what the action is on, for screen readers ("Delete location 3"). */
  accessibleName?: string;
}) {
  const [asking, setAsking] = useState(false);
  if (!asking) {
    return (
      <button type="button" className="secondary outline" aria-label={accessibleName} disabled={busy} onClick={() => setAsking(true)}>
        {label}
      </button>
    );
  }
  return (
    <span className="inline-actions">
      <button
        type="button"
        className="contrast"
        aria-label={!confirmLabel && accessibleName ? `Confirm: ${accessibleName}` : undefined}
        aria-busy={busy}
        disabled={busy}
        // The second press is the one that acts: it takes the focus so Enter confirms, Tab reaches Cancel.
        // biome-ignore lint/a11y/noAutofocus: the focus moves to the control that replaced the one just pressed
        autoFocus
        onKeyDown={(event) => event.key === 'Escape' && setAsking(false)}
        onClick={() => {
          setAsking(false);
          onConfirm();
        }}
      >
        {confirmLabel ?? `Really ${label.toLowerCase()}?`}
      </button>
      <button type="button" className="secondary" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}
