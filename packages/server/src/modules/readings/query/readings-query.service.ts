import { AppError, notFound, unprocessable } from '../../../errors.ts';
import { pgErrorCode } from '../../../db/database.ts';
import type { ValueDatatype } from '../../../db/schema/common.ts';
import type { SeriesLookup, SeriesRef } from '../series.repository.ts';
import type { ColumnsPage, ReadingsQueryRepository } from './readings-query.repository.ts';
import type { CalendarUnit, DownsampleRepository } from './downsample.repository.ts';
import type { ReadingsExportRepository } from './readings-export.repository.ts';
import { seriesCsvChunks } from './readings-export.ts';
import { bucketGrid, coverRange, type Level } from './downsample.ts';
import { LttbSampler } from './downsample-lttb.ts';
import { INSTANT_RANGE_PROBLEM, MAX_INSTANT_MS, MIN_INSTANT_MS } from '../timestamps.ts';
import type { TimeFormat } from './readings-query.sql.ts';
import { BOUNDARIES_PER_SEARCH, READ_PAGE_ROWS, rangePages, type RangeReader } from '../range-pages.ts';
import { preparedTextToString, type PreparedText } from '../prepared-text.ts';
import type { SpoolOptions } from './spool.ts';
import { columnWise, spliceJson, splicedBuffer } from './column-wise-json.ts';
import {
  CALENDAR_BUCKETS_CAP,
  LTTB_MAX_RAW_POINTS,
  RAW_POINTS_CAP,
  type LatestAnswer,
  type LatestQuery,
  type ReadingsQuery,
  type SensorLatest,
} from './readings-query.schemas.ts';

const MIN_INSTANT_US = BigInt(MIN_INSTANT_MS) * 1000n;
const MAX_INSTANT_US = BigInt(MAX_INSTANT_MS) * 1000n;

const CALENDAR_UNITS: Record<string, CalendarUnit> = { '1h': 'hour', '1d': 'day', '1w': 'week', '1mo': 'month' };

/** The longest a bucket of each unit is, in µs, before time zones: a month of 31 days. */
const LONGEST_BUCKET_US: Record<CalendarUnit, bigint> = {
  hour: 3_600_000_000n,
  day: 86_400_000_000n,
  week: 7n * 86_400_000_000n,
  month: 31n * 86_400_000_000n,
};

/**
 * At least how many calendar buckets of `unit` [fromUs, toUs] spans in any zone. A zone's
 * changes of offset lengthen a bucket now and then (an hour that repeats when clocks go
 * back), by a few hours a year in all; allowing 1% and two days more covers them many times.
 */
function fewestCalendarBuckets(unit: CalendarUnit, fromUs: bigint, toUs: bigint): bigint {
  const span = toUs - fromUs;
  return (span * 99n) / (100n * LONGEST_BUCKET_US[unit]) - (2n * 86_400_000_000n) / LONGEST_BUCKET_US[unit];
}

const PG_INVALID_PARAMETER_VALUE = '22023'; // e.g. a time zone PostgreSQL does not know

export interface ReadingsQueryDeps {
  resolveSeries: (lookup: SeriesLookup) => Promise<SeriesRef>;
  reads: ReadingsQueryRepository;
  downsample: DownsampleRepository;
  exports: ReadingsExportRepository;
  /** Raw points per JSON answer (tests lower it). */
  rawPointsCap?: number;
  /** Readings per page of a streamed raw answer. */
  pageRows?: number;
  /**
   * Where a streamed column-wise answer keeps its values while its timestamps go out (all
   * timestamps come first): memory up to a limit, then a temporary file.
   */
  spool?: SpoolOptions;
}

/** A column-wise answer's values beyond this many bytes wait in a temporary file. */
const SPOOL_MEMORY_BYTES = 1024 * 1024;

const seriesHeader = (s: SeriesRef) => ({ sensor: s.sensorUid, measure: s.measureName, units: s.units, datatype: s.datatype });
const isNumeric = (s: SeriesRef) => s.datatype === 'float' || s.datatype === 'integer';

function isKnownTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** "2024-01-01T00:00:00Z", with six fraction digits only when there is a fraction (as mb_iso). */
function isoFromMicrosNumber(us: number): string {
  const ms = Math.floor(us / 1000);
  const iso = new Date(ms).toISOString().slice(0, 19);
  const fraction = us - Math.floor(us / 1_000_000) * 1_000_000;
  return fraction === 0 ? `${iso}Z` : `${iso}.${String(fraction).padStart(6, '0')}Z`;
}

export function createReadingsQueryService(deps: ReadingsQueryDeps) {
  const { reads, downsample, exports } = deps;
  const rawPointsCap = deps.rawPointsCap ?? RAW_POINTS_CAP;
  const pageRows = deps.pageRows ?? READ_PAGE_ROWS;
  const spoolOptions = deps.spool ?? { memoryBytes: SPOOL_MEMORY_BYTES };

  /** The series, or 404: on the resource API a sensor or measure that is not there is a missing resource. */
  async function series(query: Pick<ReadingsQuery, 'sensor' | 'measure' | 'units'>): Promise<SeriesRef> {
    try {
      return await deps.resolveSeries({
        sensorUid: query.sensor,
        measureName: query.measure,
        ...(query.units === undefined ? {} : { units: query.units }),
      });
    } catch (error) {
      if (error instanceof AppError && error.code === 'MISSING_RECORD') throw notFound(error.detail);
      throw error;
    }
  }

  async function checkedRange(from: string, to: string) {
    const micros = await reads.micros(from, to);
    // Readings are only stored for UTC years 1-9999 (see timestamps.ts); beyond them the
    // bucket boundaries built here would be written as +010000-... and refused by PostgreSQL.
    for (const us of [micros.fromUs, micros.toUs]) {
      if (us < MIN_INSTANT_US) throw unprocessable(`"from" and "to": ${INSTANT_RANGE_PROBLEM.low}`);
      if (us >= MAX_INSTANT_US) throw unprocessable(`"from" and "to": ${INSTANT_RANGE_PROBLEM.high}`);
    }
    if (micros.fromUs > micros.toUs) throw unprocessable('"from" must not be after "to"');
    return micros;
  }

  /**
   * Raw readings column-wise, at most `cap` of them (422 `why` beyond, counted when the read
   * begins, unless the search for the first pages' ends already saw the whole range). A range
   * of one page is read whole; a longer one streams page by page, all timestamps first, so the
   * values wait in a spool meanwhile. Each page is one query, and the pages cut the range at
   * fixed instants, so no reading is lost or repeated whatever is written meanwhile: the
   * answer is what a read at each page's time saw.
   */
  async function rawAnswer(s: SeriesRef, query: ReadingsQuery, format: TimeFormat, cap: number, why: string): Promise<PreparedText> {
    const range = { from: query.from, to: query.to };
    const reader: RangeReader<ColumnsPage> = {
      boundaries: (after, n, count) => reads.everyNthReadingAfter(s, { ...range, after }, n, count),
      page: (after, upTo) => reads.columnsPage(s, { ...range, after, upTo }, format),
    };
    const first = await reader.boundaries(null, pageRows, BOUNDARIES_PER_SEARCH);
    // Fewer boundaries than asked for: the range holds fewer than (found + 1) pages of readings.
    const atMost = first.length < BOUNDARIES_PER_SEARCH ? (first.length + 1) * pageRows - 1 : Infinity;
    if (atMost > cap && (await reads.countUpTo(s, query.from, query.to, cap + 1)) > cap) throw unprocessable(why);
    const header = { ...seriesHeader(s), resolution: 'raw' };
    if (first.length === 0) {
      const page = await reader.page(null, null);
      return { whole: splicedBuffer(header, { timestamps: page.timestamps, values: page.values }) };
    }
    return { chunks: columnWise(header, rangePages(reader, { pageRows, first }), spoolOptions) };
  }

  /**
   * LTTB over every raw point of the range, read page by page into a sampler that holds two
   * of its buckets at a time: memory grows with points / max_points, not with the points.
   */
  async function lttbAnswer(s: SeriesRef, query: ReadingsQuery, maxPoints: number, format: TimeFormat): Promise<PreparedText> {
    const length = await reads.countUpTo(s, query.from, query.to, LTTB_MAX_RAW_POINTS + 1);
    if (length > LTTB_MAX_RAW_POINTS) {
      throw unprocessable(
        `agg=lttb works on at most ${LTTB_MAX_RAW_POINTS} raw points; this range holds more: use agg=avg, min, max or minmax, or a shorter range`,
      );
    }
    const range = { from: query.from, to: query.to };
    const reader: RangeReader<{ micros: number[]; values: number[] }> = {
      boundaries: (after, n, count) => reads.everyNthReadingAfter(s, { ...range, after }, n, count),
      page: (after, upTo) => downsample.rawPointsPage(s, { ...range, after, upTo }),
    };
    const sampler = new LttbSampler(length, maxPoints);
    let seen = 0;
    pages: for await (const page of rangePages(reader, { pageRows })) {
      for (let i = 0; i < page.micros.length; i++) {
        // The first `length` readings: those counted, unless some were written meanwhile.
        if (seen++ === length) break pages;
        sampler.push(page.micros[i], page.values[i]);
      }
    }
    if (seen < length) throw unprocessable('range changed while reading; try again');
    const kept = sampler.result();
    const timestamps = kept.map((p) => (format === 'epoch_ms' ? p.x / 1000 : isoFromMicrosNumber(p.x)));
    return {
      whole: spliceJson(
        { ...seriesHeader(s), resolution: 'lttb', agg: 'lttb' },
        {
          timestamps: JSON.stringify(timestamps),
          values: JSON.stringify(kept.map((p) => p.y)),
        },
      ),
    };
  }

  async function downsampled(s: SeriesRef, query: ReadingsQuery, maxPoints: number, format: TimeFormat): Promise<PreparedText> {
    const { fromUs, toUs } = await checkedRange(query.from, query.to);
    // Few enough points: the raw ones are the best answer. Counting stops at maxPoints + 1.
    if ((await reads.countUpTo(s, query.from, query.to, maxPoints + 1)) <= maxPoints) {
      return rawAnswer(s, query, format, maxPoints, 'range changed while reading; try again');
    }
    if (!isNumeric(s)) {
      const grid = bucketGrid(fromUs, toUs, maxPoints, 'raw');
      const sample = await downsample.firstOfBuckets(s, query.from, query.to, grid, format);
      return {
        whole: spliceJson(
          { ...seriesHeader(s), resolution: 'sample', bucket_seconds: Number(grid.widthUs) / 1e6 },
          { timestamps: sample.timestamps, values: sample.values },
        ),
      };
    }
    const agg = query.agg ?? 'avg';
    if (agg === 'lttb') return lttbAnswer(s, query, maxPoints, format);
    const grid = bucketGrid(fromUs, toUs, maxPoints);
    // `to` is inclusive: the pieces cover [from, to + 1 µs).
    const columns = await downsample.equalBuckets(s, coverRange(fromUs, toUs + 1n, grid.level), grid, format);
    const header = { ...seriesHeader(s), resolution: grid.level, agg, bucket_seconds: Number(grid.widthUs) / 1e6 };
    const arrays: Record<string, string> = { timestamps: columns.timestamps };
    if (agg === 'minmax') Object.assign(arrays, { values: columns.avg, min: columns.min, max: columns.max });
    else arrays.values = columns[agg as 'avg' | 'min' | 'max'];
    return { whole: spliceJson(header, arrays) };
  }

  async function calendar(s: SeriesRef, query: ReadingsQuery, bucket: string, format: TimeFormat): Promise<PreparedText> {
    const tz = query.tz ?? 'UTC';
    if (!isKnownTimeZone(tz)) throw unprocessable(`Unknown time zone "${tz}": give an IANA name such as Europe/London`);
    if (!isNumeric(s)) throw unprocessable(`bucket= aggregates numbers; "${s.measureName}" holds ${s.datatype} values`);
    const { fromUs, toUs } = await checkedRange(query.from, query.to);
    const unit = CALENDAR_UNITS[bucket];
    const tooMany = () =>
      unprocessable(`The range spans more than ${CALENDAR_BUCKETS_CAP} buckets of ${bucket}: use a larger bucket or a shorter range`);
    // Counting in the database walks every bucket (years 1 to 9999 in hours: seconds of work),
    // so a range far beyond the cap is refused from its length alone; near it the zone decides.
    if (fewestCalendarBuckets(unit, fromUs, toUs) > BigInt(CALENDAR_BUCKETS_CAP)) throw tooMany();
    try {
      const alignment = await downsample.calendarAlignment(unit, tz, query.from, query.to, CALENDAR_BUCKETS_CAP + 1);
      if (alignment.buckets > CALENDAR_BUCKETS_CAP) throw tooMany();
      // The coarsest rollup whose rows never straddle a bucket boundary of this zone.
      const level: Level = unit !== 'hour' && alignment.dayAligned ? 'day' : alignment.hourAligned ? 'hour' : 'minute';
      const columns = await downsample.calendarBuckets(s, coverRange(fromUs, toUs + 1n, level), unit, tz, format);
      return {
        whole: spliceJson(
          { ...seriesHeader(s), resolution: level, bucket, tz },
          {
            timestamps: columns.timestamps,
            values: columns.avg,
            min: columns.min,
            max: columns.max,
            count: columns.counts,
          },
        ),
      };
    } catch (error) {
      if (pgErrorCode(error) === PG_INVALID_PARAMETER_VALUE) throw unprocessable(`Time zone "${tz}" is not known to the database`);
      throw error;
    }
  }

  /** The JSON answer of GET /api/v1/readings, prepared: every check done, raw answers streamed. */
  async function open(query: ReadingsQuery): Promise<PreparedText> {
    if (query.bucket !== undefined && query.max_points !== undefined) {
      throw unprocessable('Give either bucket or max_points, not both');
    }
    if (query.agg !== undefined && query.max_points === undefined) {
      throw unprocessable('agg applies to max_points; calendar buckets always carry avg, min, max and count');
    }
    const s = await series(query);
    const format = query.time_format ?? 'iso';
    if (query.bucket !== undefined) return calendar(s, query, query.bucket, format);
    if (query.max_points !== undefined) return downsampled(s, query, query.max_points, format);
    await checkedRange(query.from, query.to);
    return rawAnswer(
      s,
      query,
      format,
      rawPointsCap,
      `The range holds more than ${rawPointsCap} readings: ask for max_points=N, a shorter range, or format=csv (streamed, no cap)`,
    );
  }

  return {
    open,

    /**
     * The same answer as one string, for a caller that nests it in its own answer (run
     * details): it asks for max_points, which bounds it.
     */
    async read(query: ReadingsQuery): Promise<string> {
      return preparedTextToString(await open(query));
    },

    /** The raw readings as CSV chunks ("timestamp,value" header first), after checking the request. */
    async csv(query: ReadingsQuery): Promise<{ filename: string; chunks: AsyncIterable<string> }> {
      if (query.bucket !== undefined || query.max_points !== undefined) {
        throw unprocessable('CSV carries raw readings only: leave out bucket and max_points');
      }
      const s = await series(query);
      await checkedRange(query.from, query.to);
      async function* withHeader() {
        yield 'timestamp,value\n';
        yield* seriesCsvChunks(exports, s, { from: query.from, to: query.to });
      }
      const safe = (text: string) => text.replace(/[^A-Za-z0-9._-]+/g, '_');
      return { filename: `${safe(s.sensorUid)}_${safe(s.measureName)}.csv`, chunks: withHeader() };
    },

    /** Latest values of every measure of a sensor, or of every sensor of a type. */
    async latest(query: LatestQuery): Promise<LatestAnswer> {
      if ((query.sensor === undefined) === (query.sensor_type === undefined)) {
        throw unprocessable('Give exactly one of sensor and sensor_type');
      }
      if (query.sensor !== undefined) {
        const rows = await reads.latestOfSensor(query.sensor);
        if (rows.length === 0 && !(await reads.sensorExists(query.sensor))) {
          throw notFound(`Sensor "${query.sensor}" does not exist`);
        }
        return { sensor: query.sensor, measures: rows.map(toLatestMeasure) };
      }
      const type = query.sensor_type as string;
      if (!(await reads.sensorTypeExists(type))) throw notFound(`Sensor type "${type}" does not exist`);
      const sensors = new Map<string, SensorLatest>();
      for (const row of await reads.latestOfType(type)) {
        const entry = sensors.get(row.sensorUid) ?? { sensor: row.sensorUid, measures: [] };
        entry.measures.push(toLatestMeasure(row));
        sensors.set(row.sensorUid, entry);
      }
      return { sensors: [...sensors.values()] };
    },
  };
}

function toLatestMeasure(row: Awaited<ReturnType<ReadingsQueryRepository['latestOfSensor']>>[number]) {
  return {
    measure: row.measure,
    units: row.units,
    datatype: row.datatype as ValueDatatype,
    timestamp: row.timestamp,
    value: row.value as number | string | boolean | null,
  };
}

export type ReadingsQueryService = ReturnType<typeof createReadingsQueryService>;
