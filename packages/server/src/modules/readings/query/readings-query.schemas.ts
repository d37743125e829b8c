import { Type, type Static } from '@sinclair/typebox';
import { Datatype, Nullable, Value, ZonedDatetime } from '../../../http/schemas.ts';

/** Raw points per JSON answer; beyond it a client asks for max_points, a shorter range or CSV. */
export const RAW_POINTS_CAP = 1_000_000;
export const MAX_POINTS_LIMIT = 100_000;
/** LTTB works on every raw point of the range in memory; beyond this, the rollup aggregates answer. */
export const LTTB_MAX_RAW_POINTS = 2_000_000;
/** Calendar buckets per answer (1h buckets over eleven years). */
export const CALENDAR_BUCKETS_CAP = 100_000;

export const ReadingsQuery = Type.Object({
  sensor: Type.String({ minLength: 1, description: 'unique identifier of the sensor' }),
  measure: Type.String({ minLength: 1, description: 'name of the measure' }),
  units: Type.Optional(Type.String({ description: 'units of the measure, when its name alone is ambiguous' })),
  from: ZonedDatetime,
  to: ZonedDatetime,
  max_points: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: MAX_POINTS_LIMIT,
      description: 'at most this many points: raw when the range holds no more, otherwise equal-width buckets',
    }),
  ),
  agg: Type.Optional(
    Type.Union(
      ['avg', 'min', 'max', 'minmax', 'lttb'].map((a) => Type.Literal(a)),
      {
        description: 'with max_points: per-bucket avg (default), min, max, minmax (values=avg plus min and max), or LTTB over raw points',
      },
    ),
  ),
  bucket: Type.Optional(
    Type.Union(
      ['1h', '1d', '1w', '1mo'].map((b) => Type.Literal(b)),
      {
        description: 'calendar buckets in the zone tz: per-bucket avg (values), min, max and count',
      },
    ),
  ),
  tz: Type.Optional(Type.String({ minLength: 1, description: 'IANA time zone of the calendar buckets (default UTC)' })),
  time_format: Type.Optional(
    Type.Union([Type.Literal('iso'), Type.Literal('epoch_ms')], {
      description: 'iso (default): ISO-8601 strings; epoch_ms: milliseconds since 1970 as numbers',
    }),
  ),
  format: Type.Optional(
    Type.Union([Type.Literal('json'), Type.Literal('csv')], {
      description: 'csv streams raw points as "timestamp,value" (also chosen by Accept: text/csv)',
    }),
  ),
});
export type ReadingsQuery = Static<typeof ReadingsQuery>;

const Timestamps = Type.Array(Type.Union([Type.String(), Type.Number()]), {
  description: 'ISO-8601 strings, or epoch milliseconds with time_format=epoch_ms; bucket starts when aggregated',
});

/** Documentation of the answer; the server sends the text PostgreSQL built, it never serialises this. */
export const ReadingsSeries = Type.Object(
  {
    sensor: Type.String(),
    measure: Type.String(),
    units: Nullable(Type.String()),
    datatype: Datatype,
    resolution: Type.Union(
      ['raw', 'sample', 'lttb', 'minute', 'hour', 'day'].map((r) => Type.Literal(r)),
      {
        description:
          'where the points came from: raw readings, a sample or LTTB of them, or buckets aggregated from rollups of that width (and raw readings at the edges)',
      },
    ),
    agg: Type.Optional(Type.String()),
    bucket: Type.Optional(Type.String({ description: 'calendar bucket (1h, 1d, 1w, 1mo)' })),
    tz: Type.Optional(Type.String()),
    bucket_seconds: Type.Optional(Type.Number({ description: 'width of the equal buckets of max_points' })),
    timestamps: Timestamps,
    values: Type.Array(Value),
    min: Type.Optional(Type.Array(Type.Number())),
    max: Type.Optional(Type.Array(Type.Number())),
    count: Type.Optional(Type.Array(Type.Integer(), { description: 'readings per calendar bucket' })),
  },
  { $id: 'ReadingsSeries' },
);

export const LatestQuery = Type.Object({
  sensor: Type.Optional(Type.String({ minLength: 1, description: 'unique identifier of a sensor' })),
  sensor_type: Type.Optional(Type.String({ minLength: 1, description: 'name of a sensor type: every sensor of it' })),
});
export type LatestQuery = Static<typeof LatestQuery>;

export const LatestMeasure = Type.Object({
  measure: Type.String(),
  units: Nullable(Type.String()),
  datatype: Datatype,
  timestamp: Nullable(Type.String({ description: 'null when the series has no reading yet' })),
  value: Nullable(Value),
});
export type LatestMeasure = Static<typeof LatestMeasure>;

export const SensorLatest = Type.Object({ sensor: Type.String(), measures: Type.Array(LatestMeasure) });
export type SensorLatest = Static<typeof SensorLatest>;

export const LatestAnswer = Type.Union([SensorLatest, Type.Object({ sensors: Type.Array(SensorLatest) })], {
  description: '?sensor= gives one sensor; ?sensor_type= gives {"sensors": [...]}',
});
export type LatestAnswer = Static<typeof LatestAnswer>;
