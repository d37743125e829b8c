import type { Queryable } from '../../db/database.ts';
import type { ValueDatatype } from '../../db/schema/common.ts';

/** One time series: a measure of a sensor, with the datatype that picks its readings table. */
export interface SeriesRef {
  sensorId: number;
  sensorUid: string;
  measureId: number;
  measureName: string;
  units: string | null;
  datatype: ValueDatatype;
}

export interface SeriesLookup {
  sensorUid: string;
  measureName: string;
  /** Only needed when the sensor's type has two measures of that name with different units. */
  units?: string | null;
}

/** The readings table of a datatype. Never built from user input: the datatype comes from the database. */
export const READING_TABLE: Record<ValueDatatype, string> = {
  float: 'reading_float',
  integer: 'reading_integer',
  string: 'reading_string',
  boolean: 'reading_boolean',
};

/** SQL array type used to pass a column of values of a datatype. */
export const VALUE_ARRAY_TYPE: Record<ValueDatatype, string> = {
  float: 'float8[]',
  integer: 'int8[]',
  string: 'text[]',
  boolean: 'bool[]',
};

/** Every series is a measure of a sensor's type; filtered and ordered by each query below. */
const SERIES_SELECT = `
  SELECT s.id AS "sensorId", s.unique_identifier AS "sensorUid", m.id AS "measureId",
         m.name AS "measureName", m.units, m.datatype::text AS datatype
    FROM sensor s
    JOIN sensor_type_measure tm ON tm.type_id = s.type_id
    JOIN sensor_measure m ON m.id = tm.measure_id`;

export function seriesRepository(q: Queryable) {
  return {
    async sensorId(sensorUid: string): Promise<number | undefined> {
      const rows = await q.query<{ id: number }>('SELECT id FROM sensor WHERE unique_identifier = $1', [sensorUid]);
      return rows[0]?.id;
    },

    /**
     * The measures named `measureName` among those of the sensor's type (usually one).
     * An empty list means the sensor or the measure is unknown; the caller says which.
     */
    async find(lookup: SeriesLookup): Promise<SeriesRef[]> {
      return q.query<SeriesRef>(
        `${SERIES_SELECT}
          WHERE s.unique_identifier = $1 AND m.name = $2
            AND ($3::boolean IS FALSE OR m.units IS NOT DISTINCT FROM $4)
          ORDER BY tm.position`,
        [lookup.sensorUid, lookup.measureName, lookup.units !== undefined, lookup.units ?? null],
      );
    },

    /**
     * Every series named by the pairs (sensorUids[i], measureNames[i]) (a name may match several
     * measures of different units), and which of the sensors exist: one round trip for a batch
     * of MQTT messages, whatever it names.
     */
    async findMany(sensorUids: readonly string[], measureNames: readonly string[]): Promise<{ series: SeriesRef[]; sensors: string[] }> {
      const series = await q.query<SeriesRef>(
        `${SERIES_SELECT}
           JOIN unnest($1::text[], $2::text[]) AS p(sensor, measure) ON p.sensor = s.unique_identifier AND p.measure = m.name
          ORDER BY tm.position`,
        [sensorUids, measureNames],
      );
      const sensors = await q.query<{ uid: string }>(
        'SELECT unique_identifier AS uid FROM sensor WHERE unique_identifier = ANY($1::text[])',
        [[...new Set(sensorUids)]],
      );
      return { series, sensors: sensors.map((row) => row.uid) };
    },

    async measureNameExists(measureName: string): Promise<boolean> {
      const rows = await q.query('SELECT 1 FROM sensor_measure WHERE name = $1 LIMIT 1', [measureName]);
      return rows.length > 0;
    },

    /** Every series there is: each measure of each sensor's type. */
    async all(): Promise<SeriesRef[]> {
      return q.query<SeriesRef>(`${SERIES_SELECT} ORDER BY s.unique_identifier, tm.position`);
    },

    /**
     * The timestamps (exact, mb_iso) of the n-th, 2n-th, … (count·n)-th readings of a series
     * after `after` (from `from` when null) and up to `to`, as many as there are: where pages
     * of n readings end. Each step skips n index entries from the last (OFFSET n - 1), so the
     * search costs what counting count·n readings costs; mb_iso runs on the rows found only.
     */
    async everyNthReadingAfter(
      series: SeriesRef,
      range: { from: string; to: string; after: string | null },
      n: number,
      count: number,
    ): Promise<string[]> {
      const table = READING_TABLE[series.datatype];
      const lower = range.after === null ? 'ts >= $3::text::timestamptz' : 'ts > $3::text::timestamptz';
      const rows = await q.query<{ ts: string }>(
        `WITH RECURSIVE boundary(ts, step) AS (
           SELECT (SELECT ts FROM ${table}
                    WHERE sensor_id = $1 AND measure_id = $2 AND ${lower} AND ts <= $4::text::timestamptz
                    ORDER BY ts OFFSET $5 LIMIT 1), 1
           UNION ALL
           SELECT (SELECT ts FROM ${table}
                    WHERE sensor_id = $1 AND measure_id = $2 AND ts > boundary.ts AND ts <= $4::text::timestamptz
                    ORDER BY ts OFFSET $5 LIMIT 1), step + 1
             FROM boundary WHERE boundary.ts IS NOT NULL AND step < $6)
         SELECT mb_iso(ts) AS ts FROM boundary WHERE ts IS NOT NULL ORDER BY step`,
        [series.sensorId, series.measureId, range.after ?? range.from, range.to, n - 1, count],
      );
      return rows.map((row) => row.ts);
    },

    /** Every series of a sensor (all measures of its type). */
    async ofSensor(sensorUid: string): Promise<SeriesRef[]> {
      return q.query<SeriesRef>(
        `${SERIES_SELECT}
          WHERE s.unique_identifier = $1
          ORDER BY tm.position`,
        [sensorUid],
      );
    },
  };
}
