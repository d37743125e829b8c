import { describe, expect, it } from 'vitest';
import type { MirrorbaseEvent } from '../src/events/events.ts';
import { TEST_EMAIL, startReplica, useTestApp } from './helpers/test-app.ts';
import { testEngine } from './helpers/test-database.ts';

const ctx = useTestApp();

/** Resolves with the first event `predicate` accepts, or rejects after `ms`. */
function nextEvent(subscribe: typeof ctx.events.subscribe, predicate: (e: MirrorbaseEvent) => boolean, ms = 5000) {
  return new Promise<MirrorbaseEvent>((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error('no event'));
    }, ms);
    const stop = subscribe((event) => {
      if (event.type !== 'resync' && predicate(event)) {
        clearTimeout(timer);
        stop();
        resolve(event);
      }
    });
  });
}

const replicaKind = testEngine() === 'postgres' ? 'a second pool and listener' : 'a second listener on the one PGlite instance';

describe(`events across replicas (${replicaKind})`, () => {
  it('delivers an event to the publishing process once, and to another replica through LISTEN', async () => {
    const replica = await startReplica(ctx.db);
    try {
      const local: MirrorbaseEvent[] = [];
      const stop = ctx.events.subscribe((event) => event.type !== 'resync' && local.push(event));
      const remote = nextEvent(replica.events.subscribe, (e) => e.type === 'entity.changed' && e.key === 'probe');
      await ctx.events.publish(ctx.db, [{ type: 'entity.changed', entity: 'sensor', action: 'created', key: 'probe' }]);
      // Delivered locally at once, before the notification has travelled; numbered in the stream log.
      const probe = { type: 'entity.changed', entity: 'sensor', action: 'created', key: 'probe', streamId: expect.any(Number) };
      expect(local).toEqual([probe]);
      expect(await remote).toEqual(probe);
      expect(((await remote) as { streamId: number }).streamId).toBe((local[0] as { streamId: number }).streamId);
      // The echo of its own notification does not reach the publisher a second time.
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(local).toHaveLength(1);
      stop();
    } finally {
      await replica.app.close();
    }
  });

  it('groups concurrent publishes made outside a transaction: each resolves once its events are delivered, all numbered', async () => {
    const seen = new Map<string, number>();
    const stop = ctx.events.subscribe((event) => {
      if (event.type === 'entity.changed' && event.key.startsWith('group-')) seen.set(event.key, event.streamId!);
    });
    try {
      const keys = Array.from({ length: 200 }, (_, i) => `group-${i}`);
      await Promise.all(
        keys.map(async (key) => {
          await ctx.events.publish(ctx.db, [{ type: 'entity.changed', entity: 'sensor', action: 'created', key }]);
          // Resolved: this publish's event is committed and was delivered here already.
          expect(seen.has(key)).toBe(true);
        }),
      );
      const ids = keys.map((key) => seen.get(key)!);
      expect(new Set(ids).size).toBe(200);
      const logged = await ctx.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM stream_event WHERE key LIKE 'group-%' AND id = ANY($1::bigint[])`,
        [ids],
      );
      expect(logged[0]!.n).toBe(200);
    } finally {
      stop();
    }
  });

  it('a user deleted through one replica can no longer call the other, whose lookup had cached it', async () => {
    const replica = await startReplica(ctx.db);
    try {
      await ctx.services.users.create('leaving@example.org', 'a long enough password', 'viewer');
      const login = await replica.app.inject({
        method: 'POST',
        url: '/auth/login',
        payload: { email: 'leaving@example.org', password: 'a long enough password' },
      });
      const token = login.json().access_token;
      const call = () =>
        replica.app.inject({ method: 'GET', url: '/sensor/list-sensor-types', headers: { authorization: `Bearer ${token}` } });
      expect((await call()).statusCode).toBe(200);
      expect((await call()).statusCode).toBe(200);
      const deleted = nextEvent(replica.events.subscribe, (e) => e.type === 'entity.changed' && e.key === 'leaving@example.org');
      const res = await ctx.post('/user/delete-user', { email: 'leaving@example.org' });
      expect(res.statusCode).toBe(200);
      await deleted;
      expect((await call()).statusCode).toBe(401);
      // The deleting replica refuses it at once, without waiting for any notification.
      const own = await ctx.app.inject({ method: 'GET', url: '/sensor/list-sensor-types', headers: { authorization: `Bearer ${token}` } });
      expect(own.statusCode).toBe(401);
      expect((await ctx.get('/sensor/list-sensor-types')).statusCode).toBe(200);
      expect(TEST_EMAIL).not.toBe('leaving@example.org');
    } finally {
      await replica.app.close();
    }
  });
});
