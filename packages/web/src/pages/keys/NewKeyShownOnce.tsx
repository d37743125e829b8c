import { useEffect, useRef, useState } from 'react';
import type { CreatedKey } from './KeysPage.tsx';

/**
 * The secret of a key just created. The server answers it this once and keeps only a hash: it
 * lives in this component's state and is gone when the person moves on.
 */
export function NewKeyShownOnce({ created, onDone }: { created: CreatedKey; onDone: () => void }) {
  const [copied, setCopied] = useState<'yes' | 'failed'>();
  const fieldRef = useRef<HTMLInputElement>(null);
  useEffect(() => fieldRef.current?.select(), []);
  async function copy() {
    try {
      await navigator.clipboard.writeText(created.key);
      setCopied('yes');
    } catch {
      // No clipboard access (an insecure origin, a refused permission): the text is selected to copy by hand.
      fieldRef.current?.select();
      setCopied('failed');
    }
  }
  return (
    <article className="new-key" aria-labelledby="new-key-title">
      <h2 id="new-key-title">Key “{created.name}” created</h2>
      <p>
        <strong>Copy it now: it is shown this once and never again.</strong> Whoever has it can act as {created.user} within its scope (
        {created.scope}).
      </p>
      <label>
        The new API key
        <input ref={fieldRef} readOnly value={created.key} className="key-field" onFocus={(event) => event.target.select()} />
      </label>
      <div className="inline-actions">
        <button type="button" onClick={copy}>
          Copy key
        </button>
        <button type="button" className="secondary" onClick={onDone}>
          I have stored it
        </button>
      </div>
      <p role="status">
        {copied === 'yes' && 'Copied to the clipboard.'}
        {copied === 'failed' && 'The browser refused the clipboard: the key is selected, copy it with Ctrl+C.'}
      </p>
    </article>
  );
}
