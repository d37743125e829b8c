-- The stream log: every readings and entity event, numbered in commit order, so that a realtime
-- client reconnecting with the last id it saw gets what it missed from here, then the live feed,
-- with nothing lost or repeated (src/realtime/README.md). Hand-written: the order guarantee is
-- in the function below, which Drizzle cannot describe.
--
-- One row per series per transaction (a 10,000-reading request is one row; its readings stay in
-- their own tables and are read from there), or one per entity change. Rows older than the
-- configured history are pruned by the realtime.prune job.
CREATE SEQUENCE stream_event_id_seq AS bigint;
--> statement-breakpoint
CREATE TABLE stream_event (
  id bigint PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT clock_timestamp(),
  sensor_id integer,
  measure_id integer,
  first_ts timestamptz,
  last_ts timestamptz,
  count integer,
  entity text,
  action text,
  key text,
  CONSTRAINT stream_event_kind CHECK ((sensor_id IS NOT NULL AND measure_id IS NOT NULL) <> (entity IS NOT NULL))
);
--> statement-breakpoint
-- Appends a transaction's events and returns the first id; the i-th event gets first + i - 1.
--
-- Why the lock: ids from a sequence follow the order in which transactions asked, not the order
-- in which they commit, so a reader could see id 7 before id 6 exists, move its cursor past 6,
-- and never see it. Every appender takes this transaction-level lock just before committing
-- (the events port calls this from its before-commit hook) and holds it until the commit is
-- done, so ids become visible strictly in order: once a reader sees id n, every smaller id has
-- committed or never will. The wait it adds is short (the commit itself), and transactions that
-- publish events already queue on PostgreSQL's own notification lock at commit.
CREATE FUNCTION mb_stream_append(
  sensor_ids integer[], measure_ids integer[], firsts text[], lasts text[], counts integer[],
  entities text[], actions text[], keys text[]
) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  n integer := cardinality(sensor_ids);
  first_id bigint;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('mirrorbase.stream_event'));
  -- Under the lock nobody else takes ids: n consecutive ones are first_id .. first_id + n - 1.
  first_id := nextval('stream_event_id_seq');
  IF n > 1 THEN
    PERFORM setval('stream_event_id_seq', first_id + n - 1);
  END IF;
  INSERT INTO stream_event (id, sensor_id, measure_id, first_ts, last_ts, count, entity, action, key)
  SELECT first_id + u.i - 1, u.s, u.m, u.f::timestamptz, u.l::timestamptz, u.c, u.e, u.a, u.k
    FROM unnest(sensor_ids, measure_ids, firsts, lasts, counts, entities, actions, keys)
         WITH ORDINALITY AS u(s, m, f, l, c, e, a, k, i);
  RETURN first_id;
END
$$;
--> statement-breakpoint
CREATE INDEX stream_event_at_idx ON stream_event (at);
