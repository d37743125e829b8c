/**
 * Web figures of the benchmark (BENCH_ONLY=web): the plots page in Debian's Chromium over a
 * year of minute data (525,600 points) of each of three sensors. Prints the time from
 * navigation start to every line drawn (cold: a new browser profile), each zoom's re-query to
 * redraw (the page's own Performance marks, see packages/web/src/pages/plots/draw-timing.ts),
 * the initial JavaScript's size, and beside each read the same SQL timed through the driver
 * (the database's limit for it). Figures only: nothing here passes or fails on time.
 * BENCH_WEB_TRACE=1 also lists every request of the first cold load with its start and end,
 * and writes a Chromium trace of it to /tmp/web-trace.json (chrome://tracing, Perfetto).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Queryable } from '../packages/server/src/db/database.ts';
import { bucketGrid, coverRange } from '../packages/server/src/modules/readings/query/downsample.ts';
import { downsampleRepository } from '../packages/server/src/modules/readings/query/downsample.repository.ts';
import { readingsQueryRepository } from '../packages/server/src/modules/readings/query/readings-query.repository.ts';
import type { SeriesRef } from '../packages/server/src/modules/readings/series.repository.ts';
import type { BenchContext } from './run.ts';

const ROOT = path.resolve(__dirname, '..');
const WEB_ROOT = path.join(ROOT, 'packages/server/public');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const MINUTES_PER_YEAR = 525_600;
const SENSORS = ['bench-web-1', 'bench-web-2', 'bench-web-3'];
const TYPE = 'bench-web-station';
const MEASURE = 'temperature';
const COLD_LOADS = 3;
const ZOOMS = 5;
/** Readings per NDJSON line: one series object each, streamed as the body is produced. */
const LINE_READINGS = 10_000;

/** Builds the web app into the server's static root; the server reads it once at start. */
export function buildWebApp() {
  execFileSync('npm', ['run', 'build', '-w', '@mirrorbase/web'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
}

const ms = (n: number) => `${n.toFixed(0)} ms`;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function api(ctx: BenchContext, pathname: string, body: unknown) {
  const res = await fetch(`${ctx.baseUrl}${pathname}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ctx.token}` },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${pathname}: ${res.status} ${await res.text()}`);
}

/**
 * A year of minute readings for each sensor, ending at the current minute, through the
 * ingest API's NDJSON path (rollups kept by the server as in production), one streamed body.
 */
async function loadYearOfMinutes(ctx: BenchContext): Promise<{ from: number; to: number }> {
  await api(ctx, '/sensor/insert-sensor-type', { name: TYPE, measures: [{ name: MEASURE, units: 'degC', datatype: 'float' }] });
  for (const uid of SENSORS) await api(ctx, '/sensor/insert-sensor', { type_name: TYPE, unique_identifier: uid });
  const to = Math.floor(Date.now() / 60_000) * 60_000;
  const from = to - (MINUTES_PER_YEAR - 1) * 60_000;
  const encoder = new TextEncoder();
  function* lines() {
    for (const [k, sensor] of SENSORS.entries()) {
      for (let start = 0; start < MINUTES_PER_YEAR; start += LINE_READINGS) {
        const n = Math.min(LINE_READINGS, MINUTES_PER_YEAR - start);
        const timestamps = new Array<string>(n);
        const values = new Array<number>(n);
        for (let i = 0; i < n; i++) {
          const minute = start + i;
          timestamps[i] = new Date(from + minute * 60_000).toISOString();
          // A daily and a yearly wave, offset per sensor, to two decimals.
          values[i] =
            Math.round(
              (10 + 4 * k + 8 * Math.sin((minute / MINUTES_PER_YEAR) * 2 * Math.PI) + 3 * Math.sin((minute / 1440) * 2 * Math.PI)) * 100,
            ) / 100;
        }
        yield encoder.encode(`${JSON.stringify({ sensor, measure: MEASURE, timestamps, values })}\n`);
      }
    }
  }
  const source = lines();
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = source.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
  });
  const started = performance.now();
  const res = await fetch(`${ctx.baseUrl}/api/v1/readings`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${ctx.token}` },
    body,
    duplex: 'half',
  } as RequestInit);
  if (!res.ok) throw new Error(`ingest: ${res.status} ${await res.text()}`);
  const { inserted } = (await res.json()) as { inserted: number };
  const seconds = (performance.now() - started) / 1000;
  ctx.report(
    `load: ${SENSORS.length} × ${MINUTES_PER_YEAR.toLocaleString('en')} minute readings, NDJSON streamed to /api/v1/readings`,
    `${inserted.toLocaleString('en')} in ${seconds.toFixed(1)} s (${Math.round(inserted / seconds).toLocaleString('en')} readings/s)`,
  );
  return { from, to };
}

/** The scripts index.html loads (the entry and its module preloads): the first screen's JavaScript. */
function initialScripts(): string[] {
  const html = readFileSync(path.join(WEB_ROOT, 'index.html'), 'utf8');
  return [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+\.js)"/g)].map((m) => m[1]);
}

/** Their size gzipped. */
function initialScriptsGzipped(): { files: number; bytes: number } {
  const scripts = initialScripts();
  const bytes = scripts.reduce((sum, file) => sum + gzipSync(readFileSync(path.join(WEB_ROOT, file)), { level: 9 }).length, 0);
  return { files: scripts.length, bytes };
}

async function sessionPair(ctx: BenchContext, password: string) {
  const res = await fetch(`${ctx.baseUrl}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'default_user@localhost', password }),
  });
  if (!res.ok) throw new Error(`login: ${res.status}`);
  return (await res.json()) as { access_token: string; refresh_token: string };
}

/** A new profile (empty cache) already logged in, as a returning person whose tab was closed. */
async function freshPage(browser: Browser, ctx: BenchContext, password: string): Promise<Page> {
  const context = await browser.newContext({ baseURL: ctx.baseUrl, viewport: { width: 1280, height: 900 } });
  const session = JSON.stringify(await sessionPair(ctx, password));
  await context.addInitScript((value) => localStorage.setItem('mirrorbase.session', value), session);
  return context.newPage();
}

async function waitDrawn(page: Page) {
  await page.waitForFunction(
    () => {
      const plots = document.querySelector<HTMLElement>('.plots');
      return plots !== null && plots.dataset.drawnKey !== undefined && plots.dataset.drawnKey === plots.dataset.requestKey;
    },
    undefined,
    { timeout: 60_000 },
  );
}

/** The readings the page fetched since `since` (ms after navigation): their URLs and durations. */
async function readingsRequests(page: Page, since: number) {
  return page.evaluate(
    (after) =>
      performance
        .getEntriesByType('resource')
        .filter((e) => e.name.includes('/api/v1/readings/?') && e.startTime >= after)
        .map((e) => ({ url: e.name, ms: e.duration })),
    since,
  );
}

function sqlQueryable(ctx: BenchContext): Queryable {
  return {
    query: async <T>(text: string, params: readonly unknown[] = []) =>
      (await ctx.sql.unsafe(text, params as never[], { prepare: true })) as T[],
    queryRaw: async (text: string, params: readonly unknown[] = []) =>
      (await ctx.sql.unsafe(text, params as never[], { prepare: true }).raw()) as (Buffer | null)[][],
    exec: async (script: string) => {
      await ctx.sql.unsafe(script);
    },
  } as Queryable;
}

/**
 * The statements the readings query runs for one plot line of a max_points read (the count that
 * decides raw or buckets, then the buckets from the rollups), through postgres.js: the
 * database's share of a re-query, without HTTP, the server or the browser.
 */
async function databaseLimitMs(db: Queryable, series: SeriesRef[], url: string): Promise<number> {
  const q = new URL(url).searchParams;
  const from = q.get('from')!;
  const to = q.get('to')!;
  const maxPoints = Number(q.get('max_points'));
  const reads = readingsQueryRepository(db);
  const downsample = downsampleRepository(db);
  const fromUs = BigInt(Date.parse(from)) * 1000n;
  const toUs = BigInt(Date.parse(to)) * 1000n;
  const started = performance.now();
  // The page asks for every line at once; the database answers them side by side.
  await Promise.all(
    series.map(async (s) => {
      if ((await reads.countUpTo(s, from, to, maxPoints + 1)) <= maxPoints) return;
      const grid = bucketGrid(fromUs, toUs, maxPoints);
      await downsample.equalBuckets(s, coverRange(fromUs, toUs + 1n, grid.level), grid, 'epoch_ms');
    }),
  );
  return performance.now() - started;
}

async function seriesRefs(ctx: BenchContext): Promise<SeriesRef[]> {
  const rows = await ctx.sql<{ sensorId: number; sensorUid: string; measureId: number }[]>`
    SELECT s.id AS "sensorId", s.unique_identifier AS "sensorUid", m.id AS "measureId"
      FROM sensor s JOIN sensor_type_measure tm ON tm.type_id = s.type_id JOIN sensor_measure m ON m.id = tm.measure_id
     WHERE s.unique_identifier IN ${ctx.sql(SENSORS)} AND m.name = ${MEASURE} ORDER BY s.unique_identifier`;
  return rows.map((r) => ({ ...r, measureName: MEASURE, units: 'degC', datatype: 'float' }));
}

/** `password`: the default user's, which the benchmark's server was started with. */
export async function benchWebFigures(ctx: BenchContext, options: { password: string }) {
  if (!existsSync(CHROMIUM))
    throw new Error(`no Chromium at ${CHROMIUM}: install Debian's (apt-get install chromium) or set CHROMIUM_PATH`);
  const { from, to } = await loadYearOfMinutes(ctx);
  const series = await seriesRefs(ctx);
  const db = sqlQueryable(ctx);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  try {
    const search = `type=${TYPE}&sensors=${SENSORS.join(',')}&measures=${MEASURE}&from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`;

    // Cold loads: a new profile each, navigation start to every line drawn.
    const draws: number[] = [];
    const transfers: number[] = [];
    let page: Page | undefined;
    let firstQueryUrl = '';
    for (let run = 0; run < COLD_LOADS; run++) {
      await page?.context().close();
      page = await freshPage(browser, ctx, options.password);
      const tracing = run === 0 && process.env.BENCH_WEB_TRACE;
      if (tracing)
        await browser.startTracing(page, {
          path: '/tmp/web-trace.json',
          categories: ['devtools.timeline', 'v8.execute', 'blink.user_timing'],
        });
      await page.goto(`/plots?${search}`);
      await waitDrawn(page);
      if (tracing) await browser.stopTracing();
      const timing = await page.evaluate((initial) => {
        const drawn = performance.getEntriesByName('mirrorbase:plots-drawn', 'mark')[0];
        const scripts = (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).filter((e) =>
          initial.includes(new URL(e.name).pathname),
        );
        // Where the first draw's time went: the app's scripts, the page's chunk, the readings.
        const resources = performance.getEntriesByType('resource') as PerformanceResourceTiming[];
        // (No named functions in here: tsx would wrap them in a helper the page does not have.)
        const readings = resources.filter((e) => e.name.includes('/api/v1/readings/?'));
        const breakdown = {
          entryScripts: Math.max(0, ...resources.filter((e) => initial.includes(new URL(e.name).pathname)).map((e) => e.responseEnd)),
          pageChunk: Math.max(0, ...resources.filter((e) => e.name.includes('/assets/PlotsPage')).map((e) => e.responseEnd)),
          firstReadingsAsked: Math.min(...readings.map((e) => e.startTime)),
          lastReadingsAnswered: Math.max(...readings.map((e) => e.responseEnd)),
        };
        return { drawnMs: drawn.startTime, initialBytes: scripts.reduce((n, s) => n + s.transferSize, 0), breakdown };
      }, initialScripts());
      if (run === 0 && process.env.BENCH_WEB_TRACE) {
        // Every request of the first cold load, in order: what the page waited for.
        const entries = await page.evaluate(() =>
          (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).map((e) => ({
            name: new URL(e.name).pathname + new URL(e.name).search.slice(0, 40),
            start: Math.round(e.startTime),
            end: Math.round(e.responseEnd),
          })),
        );
        for (const e of entries) ctx.report(`    ${e.name}`, `${e.start} -> ${e.end} ms`);
      }
      if (run === 0) {
        const b = timing.breakdown;
        ctx.report(
          '  first cold load: entry scripts loaded / page chunk loaded / readings asked / answered / drawn',
          [b.entryScripts, b.pageChunk, b.firstReadingsAsked, b.lastReadingsAnswered, timing.drawnMs].map(ms).join(' / '),
        );
      }
      draws.push(timing.drawnMs);
      transfers.push(timing.initialBytes);
      firstQueryUrl = (await readingsRequests(page, 0))[0]?.url ?? firstQueryUrl;
    }
    const firstDb = firstQueryUrl ? await databaseLimitMs(db, series, firstQueryUrl) : Number.NaN;
    const points = new URL(firstQueryUrl).searchParams.get('max_points');
    ctx.report(
      `plots page, cold: navigation start to all 3 lines drawn (a year each, max_points=${points}; target < 1 s)`,
      `median ${ms(median(draws))} (${draws.map(ms).join(', ')}); database ${ms(firstDb)}`,
    );

    // Return visits: the same browser profile opens the link again, as someone who has used the
    // app before does (its hashed scripts cached for a year; index.html revalidated). The readings
    // are asked again: each load is a new document with an empty query cache.
    const warm: number[] = [];
    for (let run = 0; run < COLD_LOADS; run++) {
      await page!.goto(`/plots?${search}`);
      await waitDrawn(page!);
      warm.push(await page!.evaluate(() => performance.getEntriesByName('mirrorbase:plots-drawn', 'mark')[0].startTime));
    }
    ctx.report(
      'plots page, return visit (app cached): navigation start to all 3 lines drawn (target < 1 s)',
      `median ${ms(median(warm))} (${warm.map(ms).join(', ')})`,
    );

    // Zooms: a drag across the middle half of the plot, five times; the page's own measure.
    const canvas = page!.locator('.ts-plot canvas').first();
    await canvas.scrollIntoViewIfNeeded();
    for (let zoom = 1; zoom <= ZOOMS; zoom++) {
      const box = (await canvas.boundingBox())!;
      const before = await page!.evaluate(() => performance.now());
      const measured = await page!.evaluate(() => performance.getEntriesByName('mirrorbase:plots-query-to-drawn').length);
      await page!.mouse.move(box.x + box.width * 0.25, box.y + box.height / 2);
      await page!.mouse.down();
      await page!.mouse.move(box.x + box.width * 0.75, box.y + box.height / 2, { steps: 5 });
      await page!.mouse.up();
      await page!.waitForFunction((n) => performance.getEntriesByName('mirrorbase:plots-query-to-drawn').length > n, measured, {
        timeout: 60_000,
      });
      const redrawMs = await page!.evaluate(() => {
        const all = performance.getEntriesByName('mirrorbase:plots-query-to-drawn');
        return all[all.length - 1].duration;
      });
      const requests = await readingsRequests(page!, before);
      const url = requests[0]?.url;
      const q = url ? new URL(url).searchParams : undefined;
      const spanDays = q ? (Date.parse(q.get('to')!) - Date.parse(q.get('from')!)) / 86_400_000 : Number.NaN;
      const slowestRequest = Math.max(...requests.map((r) => r.ms));
      const dbMs = url ? await databaseLimitMs(db, series, url) : Number.NaN;
      ctx.report(
        `zoom ${zoom}: ${spanDays.toFixed(1)} days, re-query to redraw (target < 300 ms)`,
        `${ms(redrawMs)} (slowest of ${requests.length} requests ${ms(slowestRequest)}; database ${ms(dbMs)})`,
      );
    }

    const built = initialScriptsGzipped();
    ctx.report(
      'initial JavaScript, gzipped (target < 300 kB)',
      `${(built.bytes / 1024).toFixed(0)} kB in ${built.files} files (built, gzip -9); transferred on a cold load ${(median(transfers) / 1024).toFixed(0)} kB (as the server compressed it)`,
    );
  } finally {
    await browser.close();
  }
}
