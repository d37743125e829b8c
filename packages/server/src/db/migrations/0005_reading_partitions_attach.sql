-- Monthly partitions of the readings are created without blocking readers and writers.
--
-- `CREATE TABLE ... PARTITION OF` takes an ACCESS EXCLUSIVE lock on the parent table, held to
-- the end of the transaction: made inside a request's transaction (as 0002's function was
-- called), the first write into a new month stopped every read and write of that datatype
-- until the request ended. A table made alone and then attached takes only SHARE UPDATE
-- EXCLUSIVE on the parent, which conflicts with no read or write (only with other DDL,
-- VACUUM and ANALYZE). The table is new and empty, so ATTACH has nothing to validate; the
-- readings tables have no default partition it would have to scan.
--
-- Callers run this in a short transaction of its own with a lock_timeout (see
-- src/modules/readings/partitions/): the partition upkeep job, ahead of time, and a write
-- that needs a month nobody prepared (back-filled history), on a connection of its own.
CREATE OR REPLACE FUNCTION mb_ensure_reading_partitions(from_ts timestamptz, to_ts timestamptz) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  month_start timestamptz := date_trunc('month', from_ts AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
  last_month timestamptz := date_trunc('month', to_ts AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
  next_month timestamptz;
  kind text;
  part text;
  created integer := 0;
BEGIN
  IF to_ts < from_ts THEN
    RAISE EXCEPTION 'to_ts before from_ts';
  END IF;
  PERFORM pg_advisory_xact_lock(hashtext('mirrorbase.reading_partitions'));
  WHILE month_start <= last_month LOOP
    next_month := (month_start AT TIME ZONE 'UTC' + interval '1 month') AT TIME ZONE 'UTC';
    FOREACH kind IN ARRAY ARRAY['float', 'integer', 'string', 'boolean'] LOOP
      part := format('reading_%s_p%s', kind, to_char(month_start AT TIME ZONE 'UTC', 'YYYY_MM'));
      IF to_regclass(part) IS NULL THEN
        EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING ALL)', part, 'reading_' || kind);
        EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
          'reading_' || kind, part, month_start, next_month);
        created := created + 1;
      END IF;
    END LOOP;
    month_start := next_month;
  END LOOP;
  RETURN created;
END
$$;
--> statement-breakpoint
-- Locks (ROW EXCLUSIVE, what an INSERT takes anyway) the named reading partitions that exist
-- and returns the names of those that do not.
--
-- Why lock: a transaction that has written to a readings table already holds its lock, and
-- keeps using the list of partitions it read then; a partition attached since by another
-- connection stayed invisible to its (prepared) INSERTs, which failed with "no partition of
-- relation found for row". Taking a lock the transaction does not hold yet makes PostgreSQL
-- process the pending catalog invalidations, after which the new partition is seen. For the
-- same reason the name is not looked up first (to_regclass): a transaction that looked for a
-- partition before it existed keeps that answer until it processes invalidations, which LOCK
-- does when it does not find the name.
CREATE FUNCTION mb_lock_reading_partitions(names text[]) RETURNS text[]
LANGUAGE plpgsql AS $$
DECLARE
  part text;
  missing text[] := '{}';
BEGIN
  FOREACH part IN ARRAY names LOOP
    BEGIN
      EXECUTE format('LOCK TABLE %I IN ROW EXCLUSIVE MODE', part);
    EXCEPTION WHEN undefined_table THEN
      missing := missing || part;
    END;
  END LOOP;
  RETURN missing;
END
$$;
