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

/**
 * How much V8 lets the old generation grow past what the last full collection kept: 50 %.
 * Left to itself V8 picks a factor of up to 4 when collecting looks cheap, so under sustained
 * ingest (each request's arrays outlive a scavenge or two and are promoted) the heap filled
 * with garbage and RSS swung between 250 and 370 MB from run to run of the benchmark. At 1.5
 * it stays near 150-170 MB with the same throughput. This is a growth rate, not a cap: a large
 * request still gets all the heap it needs. V8 reads the flag at every full collection, so
 * setting it at start is enough.
 */
const HEAP_GROWING_PERCENT = 50;

export function limitHeapGrowth(): void {
  v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
