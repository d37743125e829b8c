import { describe, expect, it } from 'vitest';
import { createAuditBuffer, type AuditBufferOptions } from './audit-buffer.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `done` holds (timers fire late on a busy machine); fails after 5 s. */
async function until(done: () => boolean) {
  for (const deadline = Date.now() + 5000; !done(); await sleep(5)) {
    if (Date.now() > deadline) throw new Error('timed out');
  }
}

/** A buffer whose writes land in `written` (one array per batch); `failing` makes the next writes throw. */
function bufferWithSink(options: Partial<AuditBufferOptions<number>> = {}) {
  const written: number[][] = [];
  const errors: Array<{ data: object; message: string }> = [];
  const state = { failing: 0 };
  const buffer = createAuditBuffer<number>({
    async write(entries) {
      if (state.failing > 0) {
        state.failing--;
        throw new Error('database unavailable');
      }
      written.push([...entries]);
    },
    log: { warn: () => {}, error: (data, message) => errors.push({ data, message }) },
    flushMs: 20,
    retryMs: 10,
    ...options,
  });
  return { buffer, written, errors, state };
}

describe('the audit buffer', () => {
  it('writes nothing on the caller’s path, then everything in one batch after the interval', async () => {
    const { buffer, written } = bufferWithSink();
    for (let i = 0; i < 5; i++) expect(buffer.record(i)).toBeUndefined();
    expect(written).toEqual([]);
    await until(() => written.length > 0);
    expect(written).toEqual([[0, 1, 2, 3, 4]]);
    expect(buffer.pending).toBe(0);
  });

  it('writes at once when a batch is full, in order, each batch at most batchSize', async () => {
    const { buffer, written } = bufferWithSink({ batchSize: 3, flushMs: 10_000 });
    for (let i = 0; i < 7; i++) buffer.record(i);
    await buffer.flush();
    expect(written).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
  });

  it('keeps the entries of a failed write and retries them, in order, with what came meanwhile', async () => {
    const { buffer, written, errors, state } = bufferWithSink();
    state.failing = 2;
    buffer.record(1);
    buffer.record(2);
    await until(() => errors.length === 1); // the first attempt failed
    buffer.record(3);
    await until(() => buffer.pending === 0); // the second fails, the third writes all three
    expect(errors.map((e) => e.message)).toEqual(['audit entries not written yet', 'audit entries not written yet']);
    expect(written.flat()).toEqual([1, 2, 3]);
    expect(buffer.pending).toBe(0);
  });

  it('close writes what is left at once, and entries recorded after close are written too', async () => {
    const { buffer, written } = bufferWithSink({ flushMs: 60_000 });
    buffer.record(1);
    await buffer.close();
    expect(written.flat()).toEqual([1]);
    buffer.record(2);
    await until(() => written.length === 2);
    expect(written.flat()).toEqual([1, 2]);
  });

  it('close retries, and logs the entries themselves when the database never takes them', async () => {
    const { buffer, written, errors, state } = bufferWithSink({ closeAttempts: 3 });
    state.failing = 100;
    buffer.record(7);
    buffer.record(8);
    await buffer.close();
    expect(written).toEqual([]);
    expect(errors.filter((e) => e.message === 'audit entries not written yet')).toHaveLength(3);
    const lost = errors.find((e) => e.message === 'audit entries could not be written before shutdown; here they are');
    expect(lost?.data).toEqual({ entries: [7, 8] });
    expect(buffer.pending).toBe(0);
  });

  it('holds callers back past maxPending, and lets them go once the backlog is written', async () => {
    const { buffer, written, state } = bufferWithSink({ maxPending: 3, batchSize: 100 });
    state.failing = 1;
    expect(buffer.record(1)).toBeUndefined();
    expect(buffer.record(2)).toBeUndefined();
    const held = buffer.record(3);
    expect(held).toBeInstanceOf(Promise);
    let released = false;
    void held!.then(() => (released = true));
    await sleep(5);
    expect(released).toBe(false);
    await until(() => released); // the first write fails, the retry succeeds
    expect(written.flat()).toEqual([1, 2, 3]);
  });
});
