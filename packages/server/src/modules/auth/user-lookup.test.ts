import { describe, expect, it } from 'vitest';
import type { EventListener } from '../../events/events.ts';
import { createUserLookup } from './user-lookup.ts';

/** A row of the users table as the lookup reads it, and the user it makes of it. */
const row = (id: number, validAfterMs = 0) => ({ id, email: 'a@x.org', role: 'viewer', tokensValidAfter: new Date(validAfterMs) });
const user = (id: number, validAfterMs = 0) => ({ id, email: 'a@x.org', role: 'viewer', tokensValidAfterMs: validAfterMs });

/** A users table in memory and an events port whose deliveries the test drives by hand. */
function harness() {
  const rows = new Map<string, ReturnType<typeof row>>([['a@x.org', row(1)]]);
  let listener: EventListener = () => {};
  let queries = 0;
  let gate: Promise<void> | undefined;
  let clock = 0;
  const lookup = createUserLookup({
    users: {
      findByEmail: async (email: string) => {
        queries++;
        const row = rows.get(email);
        await gate;
        return row as never;
      },
    },
    events: { subscribe: (l) => ((listener = l), () => {}) },
    ttlMs: 1000,
    now: () => clock,
  });
  return {
    lookup,
    rows,
    queries: () => queries,
    emit: (email: string) => listener({ type: 'entity.changed', entity: 'user', action: 'deleted', key: email }),
    resync: () => listener({ type: 'resync' }),
    hold: () => {
      let release!: () => void;
      gate = new Promise((resolve) => (release = resolve));
      return () => {
        gate = undefined;
        release();
      };
    },
    advance: (ms: number) => (clock += ms),
  };
}

describe('the cached user lookup of the token check', () => {
  it('asks the database once for many requests of one user, and again after the TTL', async () => {
    const h = harness();
    await Promise.all([h.lookup.findByEmail('a@x.org'), h.lookup.findByEmail('a@x.org')]);
    await h.lookup.findByEmail('a@x.org');
    expect(h.queries()).toBe(1);
    h.advance(1001);
    await h.lookup.findByEmail('a@x.org');
    expect(h.queries()).toBe(2);
  });

  it('forgets a user on its change event, and everyone on a resync', async () => {
    const h = harness();
    expect(await h.lookup.findByEmail('a@x.org')).toEqual(user(1));
    h.rows.delete('a@x.org');
    expect(await h.lookup.findByEmail('a@x.org')).toEqual(user(1));
    h.emit('a@x.org');
    expect(await h.lookup.findByEmail('a@x.org')).toBeUndefined();
    h.rows.set('a@x.org', row(2));
    expect(await h.lookup.findByEmail('a@x.org')).toEqual(user(2));
    h.rows.delete('a@x.org');
    h.resync();
    expect(await h.lookup.findByEmail('a@x.org')).toBeUndefined();
  });

  it('does not cache an answer read before a deletion that was announced while it was in flight', async () => {
    const h = harness();
    const release = h.hold();
    const stale = h.lookup.findByEmail('a@x.org');
    h.rows.delete('a@x.org');
    h.emit('a@x.org');
    // A request after the announcement does not join the lookup that read the old row.
    const fresh = h.lookup.findByEmail('a@x.org');
    release();
    expect(await stale).toEqual(user(1));
    expect(await fresh).toBeUndefined();
    expect(await h.lookup.findByEmail('a@x.org')).toBeUndefined();
  });

  it('serves the tokens_valid_after of the row it read, and the new one after the change event', async () => {
    const h = harness();
    h.rows.set('a@x.org', row(1, 1_000));
    expect(await h.lookup.findByEmail('a@x.org')).toEqual(user(1, 1_000));
    h.rows.set('a@x.org', row(1, 2_000));
    h.emit('a@x.org');
    expect(await h.lookup.findByEmail('a@x.org')).toEqual(user(1, 2_000));
  });
});
