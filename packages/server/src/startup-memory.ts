import v8 from 'node:v8';
import vm from 'node:vm';

/** Long enough after start-up for V8 to measure a low allocation rate (it looks at ~5 s). */
const QUIET_AFTER_START_MS = 10_000;

/**
 * Start-up (compiling every route's schemas and serialisers) grows V8's young generation to its
 * maximum and leaves it full of garbage; an idle server never collects it, so ~30 MB stay
 * resident for nothing. One full collection a little after start, once the allocation rate is
 * low (V8 shrinks the young generation only then), gives those pages back. Under load the
 * heap grows again as it needs to; nothing else changes.
 */
export function releaseStartupGarbage(delayMs = QUIET_AFTER_START_MS): void {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  setTimeout(gc, delayMs).unref();
}
