-- Sensor readings: the time-series engine's storage. Hand-written because Drizzle cannot
-- describe partitioned tables.
--
-- * One table per datatype (float, integer, string, boolean), as in DTBase, so values stay
--   typed and rows stay narrow: a float reading is 4 + 4 + 8 + 8 bytes of data.
-- * Each is partitioned by month on ts (native range partitioning). Partitions are created on
--   demand by mb_ensure_reading_partitions() before an insert; retention drops whole ones.
-- * The primary key (sensor_id, measure_id, ts) serves every query shape we have: one series
--   over a range, the latest point of a series, and "all of a sensor" for deletion; it also
--   makes (sensor, measure, timestamp) unique, so duplicates are skipped, never doubled.
-- * No foreign keys: a per-row referential check would cost ingest a large share of its
--   throughput. The ingest path resolves sensor and measure first, and a trigger on sensor
--   removes its readings when the sensor is deleted.
CREATE TABLE reading_float (
  sensor_id integer NOT NULL,
  measure_id integer NOT NULL,
  ts timestamptz NOT NULL,
  value double precision NOT NULL,
  PRIMARY KEY (sensor_id, measure_id, ts)
) PARTITION BY RANGE (ts);
--> statement-breakpoint
CREATE TABLE reading_integer (
  sensor_id integer NOT NULL,
  measure_id integer NOT NULL,
  ts timestamptz NOT NULL,
  value bigint NOT NULL,
  PRIMARY KEY (sensor_id, measure_id, ts)
) PARTITION BY RANGE (ts);
--> statement-breakpoint
CREATE TABLE reading_string (
  sensor_id integer NOT NULL,
  measure_id integer NOT NULL,
  ts timestamptz NOT NULL,
  value text NOT NULL,
  PRIMARY KEY (sensor_id, measure_id, ts)
) PARTITION BY RANGE (ts);
--> statement-breakpoint
CREATE TABLE reading_boolean (
  sensor_id integer NOT NULL,
  measure_id integer NOT NULL,
  ts timestamptz NOT NULL,
  value boolean NOT NULL,
  PRIMARY KEY (sensor_id, measure_id, ts)
) PARTITION BY RANGE (ts);
--> statement-breakpoint
-- Rollups of numeric readings (float and integer), kept up to date at ingest time, so that a
-- plot over months or years reads thousands of rollup rows instead of millions of readings
-- (the idea of TimescaleDB's continuous aggregates). `bucket` is the UTC start of the minute,
-- hour or day. avg = sum / count.
CREATE TABLE reading_rollup_minute (
  sensor_id integer NOT NULL,
  measure_id integer NOT NULL,
  bucket timestamptz NOT NULL,
  min double precision NOT NULL,
  max double precision NOT NULL,
  sum double precision NOT NULL,
  count bigint NOT NULL,
  PRIMARY KEY (sensor_id, measure_id, bucket)
);
--> statement-breakpoint
CREATE TABLE reading_rollup_hour (LIKE reading_rollup_minute INCLUDING ALL);
--> statement-breakpoint
CREATE TABLE reading_rollup_day (LIKE reading_rollup_minute INCLUDING ALL);
--> statement-breakpoint
-- The newest reading of every series, whatever its datatype, upserted at ingest time (only
-- when newer), so "latest values of a sensor" is an index lookup, never a scan.
CREATE TABLE reading_latest (
  sensor_id integer NOT NULL,
  measure_id integer NOT NULL,
  ts timestamptz NOT NULL,
  value jsonb NOT NULL,
  PRIMARY KEY (sensor_id, measure_id)
);
--> statement-breakpoint
-- Retention: a global period (measure_id IS NULL) or one per measure, in days.
CREATE TABLE reading_retention (
  id serial PRIMARY KEY,
  measure_id integer REFERENCES sensor_measure (id) ON DELETE CASCADE,
  keep_days integer NOT NULL CHECK (keep_days > 0),
  UNIQUE NULLS NOT DISTINCT (measure_id)
);
--> statement-breakpoint
-- Creates the monthly partitions of all four reading tables that cover [from_ts, to_ts], if
-- they do not exist yet. Serialised by an advisory lock because two replicas (or two
-- requests) may want the same month at once. Names: reading_float_p2024_01, ...
CREATE FUNCTION mb_ensure_reading_partitions(from_ts timestamptz, to_ts timestamptz) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  month_start timestamptz := date_trunc('month', from_ts AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
  last_month timestamptz := date_trunc('month', to_ts AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
  kind text;
  part text;
  created integer := 0;
BEGIN
  IF to_ts < from_ts THEN
    RAISE EXCEPTION 'to_ts before from_ts';
  END IF;
  PERFORM pg_advisory_xact_lock(hashtext('mirrorbase.reading_partitions'));
  WHILE month_start <= last_month LOOP
    FOREACH kind IN ARRAY ARRAY['float', 'integer', 'string', 'boolean'] LOOP
      part := format('reading_%s_p%s', kind, to_char(month_start AT TIME ZONE 'UTC', 'YYYY_MM'));
      IF to_regclass(part) IS NULL THEN
        EXECUTE format(
          'CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
          part, 'reading_' || kind, month_start,
          (month_start AT TIME ZONE 'UTC' + interval '1 month') AT TIME ZONE 'UTC');
        created := created + 1;
      END IF;
    END LOOP;
    month_start := (month_start AT TIME ZONE 'UTC' + interval '1 month') AT TIME ZONE 'UTC';
  END LOOP;
  RETURN created;
END
$$;
--> statement-breakpoint
-- A deleted sensor takes its readings, rollups and latest values with it (the readings
-- tables carry no foreign key; see above).
CREATE FUNCTION mb_delete_sensor_readings() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM reading_float WHERE sensor_id = OLD.id;
  DELETE FROM reading_integer WHERE sensor_id = OLD.id;
  DELETE FROM reading_string WHERE sensor_id = OLD.id;
  DELETE FROM reading_boolean WHERE sensor_id = OLD.id;
  DELETE FROM reading_rollup_minute WHERE sensor_id = OLD.id;
  DELETE FROM reading_rollup_hour WHERE sensor_id = OLD.id;
  DELETE FROM reading_rollup_day WHERE sensor_id = OLD.id;
  DELETE FROM reading_latest WHERE sensor_id = OLD.id;
  RETURN OLD;
END
$$;
--> statement-breakpoint
CREATE TRIGGER sensor_delete_readings AFTER DELETE ON sensor
FOR EACH ROW EXECUTE FUNCTION mb_delete_sensor_readings();
