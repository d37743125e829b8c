-- Timestamps rendered the way DTBase (Python's isoformat) renders UTC datetimes:
-- "2023-01-01T00:00:00Z", with six fractional digits only when there is a fraction.
-- Done in SQL so that the database can emit response JSON directly, keeping microseconds
-- that a JavaScript Date would lose.
CREATE FUNCTION mb_iso(ts timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE WHEN date_trunc('second', ts) = ts
    THEN to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
    ELSE to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
  END
$$;
