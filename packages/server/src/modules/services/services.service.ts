import { AppError, conflict, missingRecord, unprocessable } from '../../errors.ts';
import { PG_UNIQUE_VIOLATION, pgErrorCode, type Database, type Queryable } from '../../db/database.ts';
import type { HttpMethod } from '../../db/schema/common.ts';
import type { EntityChanged, EntityKind, Events } from '../../events/events.ts';
import type { CallService, ServiceCallResult } from './service-caller.ts';
import { redactUrlCredentials } from '../../outbound/redact-url.ts';
import type { WriteBack } from './in-process.ts';
import {
  checkPlaceholders,
  checkWindowNeeds,
  findPlaceholders,
  resolvePlaceholders,
  type Placeholder,
  type SeriesAccess,
} from './placeholders.ts';
import { isWritten, returnedData, type WrittenRequest } from './returned-data.ts';
import {
  servicesRepository,
  type FinishedRun,
  type Page,
  type ParameterSetRow,
  type RunFilter,
  type RunRow,
  type RunTrigger,
  type ServiceRow,
} from './services.repository.ts';

const SERVICE_EXISTS = 'Service already exists.';
const SERVICE_MISSING = 'Service does not exist.';
const PARAMETER_SET_EXISTS = 'Parameter set already exists.';
const PARAMETER_SET_MISSING = 'Parameter set does not exist.';
const SERVICE_OR_SET_MISSING = 'Service or parameter set does not exist.';

export interface ServiceInput {
  name: string;
  /** An absolute http(s) URL. */
  url: string;
  httpMethod: HttpMethod;
}

export interface ParameterSetInput {
  serviceName: string;
  name: string;
  /** Any JSON object, kept as sent. */
  parameters: Record<string, unknown>;
}

export interface RunActor {
  userId: number;
  apiKeyId?: number | null;
}
export interface RunWindow {
  from: Date | null;
  to: Date;
}
export interface RunServiceInput {
  serviceName: string;
  parameterSetName?: string | null;
  parameters?: unknown;
  actor?: RunActor; // service-runs: returned data is written with these credentials
  window?: RunWindow; // schedules adds (and sends as headers); service-runs uses it for placeholders
  trigger?: 'request' | 'schedule'; // service-runs records it
  scheduleId?: number; // schedules passes it; schedules' migration adds service_run_log.schedule_id
  signal?: AbortSignal; // schedules: the job's timeout aborts the call
}
export interface ServiceRunOutcome {
  runId: number;
  ok: boolean;
  error?: string;
}

/** The data window of a run, as the headers every call made by a schedule carries (C2). */
export const WINDOW_FROM_HEADER = 'mirrorbase-window-from';
export const WINDOW_TO_HEADER = 'mirrorbase-window-to';

function windowHeaders(window: RunWindow | undefined): Record<string, string> | undefined {
  if (!window) return undefined;
  return {
    ...(window.from ? { [WINDOW_FROM_HEADER]: window.from.toISOString() } : {}),
    [WINDOW_TO_HEADER]: window.to.toISOString(),
  };
}

/** What the run log says of a call aborted by its caller (a schedule's timeout, or its process stopping). */
export const ABORTED_ERROR = 'The call was aborted: it outlasted its timeout, or its server stopped.';

/** A unique violation from a concurrent insert means the same as the check that ran before it. */
async function conflictOnRace<T>(detail: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (pgErrorCode(error) === PG_UNIQUE_VIOLATION) throw conflict(detail);
    throw error;
  }
}

/** DTBase only had the database enum; we also refuse what fetch could never call. */
function checkServiceUrl(url: string) {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw unprocessable(`url must be an absolute http or https URL, got ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw unprocessable(`url must be an absolute http or https URL, got ${JSON.stringify(url)}`);
  }
}

const withoutCredentials = (service: ServiceRow): ServiceRow => ({ ...service, url: redactUrlCredentials(service.url) });

const changed = (entity: EntityKind, action: EntityChanged['action'], key: string | number): EntityChanged => ({
  type: 'entity.changed',
  entity,
  action,
  key: String(key),
});

export interface ServicesServiceDeps {
  db: Database;
  events: Events;
  callService: CallService;
  clock: () => Date;
  /** Series for `$readings` placeholders: checked where parameters are stored or given, read when a run calls. */
  series: SeriesAccess;
  /** Writes what a service returns through the server's own routes, as the run's actor. */
  writeBack: WriteBack;
  /** Queues a background run (the `services.run` job) in the transaction that logs it. */
  enqueueRun: (job: QueuedRunJob, tx: Queryable) => Promise<void>;
}

/** The payload of the `services.run` job: the run to make, and its window (ISO) if it has one. */
export interface QueuedRunJob {
  runId: number;
  window?: { from: string | null; to: string };
}

interface PreparedRun {
  service: ServiceRow;
  parameterSet: ParameterSetRow | undefined;
  /** As given or stored, placeholders unresolved: what the run log records. */
  parameters: unknown;
  placeholders: Placeholder[];
}

/** How a run ended; `failure` says why there was no answer, which runService turns into DTBase's 403/502. */
interface Executed {
  outcome: ServiceRunOutcome;
  failure?: { refusal?: string };
  /** The service was deleted while it was being called: nothing is left to log against. */
  gone?: boolean;
}

const MAX_ERROR_CHARS = 2000;

/** The run's error from its written requests, or undefined when all of them were written. */
function writeError(written: readonly WrittenRequest[]): string | undefined {
  const failed = written.filter((w) => !isWritten(w));
  if (failed.length === 0) return undefined;
  const first = failed[0];
  return (
    `${failed.length} of ${written.length} returned requests failed; the first: ${first.endpoint} ` +
    `${first.status === null ? 'not sent' : `answered ${first.status}`}: ${first.error ?? ''}`
  ).slice(0, MAX_ERROR_CHARS);
}

/** The registry of external services (ingress, models) and the calls made to them. */
export function createServicesService(deps: ServicesServiceDeps) {
  const { db, events, callService, clock } = deps;
  const reads = servicesRepository(db);
  const publish = (q: Queryable, ...changes: EntityChanged[]) => events.publish(q, changes);

  /** Looks up what a run needs and refuses bad input (400 unknown service or set, 422 placeholders) before anything is logged. */
  async function prepare(request: RunServiceInput): Promise<PreparedRun> {
    const service = await reads.findService(request.serviceName);
    if (!service) throw missingRecord(SERVICE_OR_SET_MISSING);
    let parameterSet: ParameterSetRow | undefined;
    if (request.parameterSetName != null) {
      parameterSet = await reads.findParameterSet(service.name, request.parameterSetName);
      if (!parameterSet) throw missingRecord(SERVICE_OR_SET_MISSING);
    }
    const explicit = request.parameters != null;
    const parameters = explicit ? request.parameters : (parameterSet?.parameters ?? null);
    // A set's series were checked when it was stored; explicit parameters are checked now.
    const placeholders = explicit ? await checkPlaceholders(parameters, deps.series) : findPlaceholders(parameters);
    checkWindowNeeds(placeholders, request.window);
    return { service, parameterSet, parameters, placeholders };
  }

  async function logStart(q: Queryable, prepared: PreparedRun, request: RunServiceInput, status: 'queued' | 'running') {
    const runId = await servicesRepository(q).insertRun({
      serviceId: prepared.service.id,
      parameterSetId: prepared.parameterSet?.id ?? null,
      parameterSetName: prepared.parameterSet?.name ?? null,
      parameters: prepared.parameters,
      status,
      trigger: (request.trigger ?? 'request') satisfies RunTrigger,
      actorUserId: request.actor?.userId ?? null,
      actorApiKeyId: request.actor?.apiKeyId ?? null,
      at: clock(),
      scheduleId: request.scheduleId ?? null,
    });
    if (runId !== undefined) await publish(q, changed('service_run', 'created', runId));
    return runId;
  }

  async function finish(runId: number, run: Omit<FinishedRun, 'at'>): Promise<boolean> {
    const done = await reads.finishRun(runId, { ...run, at: clock() });
    if (done) await publish(db, changed('service_run', 'updated', runId));
    return done;
  }

  async function fail(runId: number, error: string): Promise<Executed> {
    const gone = !(await finish(runId, { status: 'failed', responseStatusCode: null, responseJson: null, error, written: null }));
    return { outcome: { runId, ok: false, error }, ...(gone ? { gone } : {}) };
  }

  async function runAndRecord(request: RunServiceInput): Promise<Executed> {
    const prepared = await prepare(request);
    const runId = await logStart(db, prepared, request, 'running');
    if (runId === undefined) throw missingRecord(SERVICE_OR_SET_MISSING);
    return execute(runId, prepared.service, prepared.parameters, prepared.placeholders, request);
  }

  /** Resolves the placeholders, calls the service, writes what it returned and records how it all went. */
  async function execute(
    runId: number,
    service: ServiceRow,
    parameters: unknown,
    placeholders: readonly Placeholder[],
    context: { window?: RunWindow | undefined; actor?: RunActor | undefined; signal?: AbortSignal | undefined },
  ): Promise<Executed> {
    let resolved: unknown;
    try {
      resolved = await resolvePlaceholders(parameters, placeholders, { window: context.window, now: clock(), series: deps.series });
    } catch (error) {
      return fail(runId, `Placeholders could not be resolved: ${error instanceof Error ? error.message : String(error)}`);
    }
    const headers = windowHeaders(context.window);
    const result: ServiceCallResult = await callService({
      url: service.url,
      method: service.httpMethod,
      parameters: resolved,
      ...(headers ? { headers } : {}),
      ...(context.signal ? { signal: context.signal } : {}),
    });
    if (!result.reached) {
      const aborted = result.refusal === undefined && context.signal?.aborted;
      const done = await fail(runId, aborted ? ABORTED_ERROR : result.error);
      return { ...done, failure: result.refusal === undefined ? {} : { refusal: result.refusal } };
    }
    const answered = { responseStatusCode: result.statusCode, responseJson: result.json };
    let error: string | undefined;
    let written: WrittenRequest[] | null = null;
    if (result.statusCode < 200 || result.statusCode >= 300) {
      error = result.note ?? `The service answered with status ${result.statusCode}.`;
    } else {
      const data = returnedData(result.json);
      if (data.kind === 'invalid') error = data.error;
      if (data.kind === 'requests') {
        written = await deps.writeBack(context.actor, data.requests);
        error = writeError(written);
      }
    }
    const ok = error === undefined;
    const done = await finish(runId, {
      status: ok ? 'succeeded' : 'failed',
      ...answered,
      // A 2xx answer too large (or deep) to keep is still a success: the note says why it is missing.
      error: error ?? result.note ?? null,
      written,
    });
    return { outcome: { runId, ok, ...(ok ? {} : { error }) }, ...(done ? {} : { gone: true }) };
  }

  return {
    async insertService(service: ServiceInput): Promise<void> {
      checkServiceUrl(service.url);
      await conflictOnRace(SERVICE_EXISTS, () =>
        db.transaction(async (tx) => {
          const inserted = await servicesRepository(tx).insertService(service.name, service.url, service.httpMethod);
          if (!inserted) throw conflict(SERVICE_EXISTS);
          await publish(tx, changed('service', 'created', inserted.name));
        }),
      );
    },

    /**
     * Registers a service or points the one of that name at this URL and method: what a
     * deployment runs on every install and upgrade (`mirrorbase service register`), so running
     * it again changes nothing. Its parameter sets, schedules and run log stay.
     */
    async registerService(service: ServiceInput): Promise<'created' | 'updated' | 'unchanged'> {
      checkServiceUrl(service.url);
      return db.transaction(async (tx) => {
        const repo = servicesRepository(tx);
        if (await repo.insertService(service.name, service.url, service.httpMethod)) {
          await publish(tx, changed('service', 'created', service.name));
          return 'created';
        }
        if (await repo.updateService(service.name, service.url, service.httpMethod)) {
          await publish(tx, changed('service', 'updated', service.name));
          return 'updated';
        }
        // Neither inserted nor changed: it is there as asked, unless deleted in between (then try again).
        if (await repo.findService(service.name)) return 'unchanged';
        throw conflict('Service was deleted while it was being registered; try again.');
      });
    },

    /** Deletes a service; its parameter sets and run log go with it (one event for the service stands for them). */
    async deleteService(name: string): Promise<void> {
      await db.transaction(async (tx) => {
        if (!(await servicesRepository(tx).deleteService(name))) throw missingRecord(SERVICE_MISSING);
        await publish(tx, changed('service', 'deleted', name));
      });
    },

    async insertParameterSet(set: ParameterSetInput): Promise<void> {
      await checkPlaceholders(set.parameters, deps.series);
      await conflictOnRace(PARAMETER_SET_EXISTS, () =>
        db.transaction(async (tx) => {
          const repo = servicesRepository(tx);
          const service = await repo.findService(set.serviceName);
          if (!service) throw missingRecord(SERVICE_MISSING);
          const id = await repo.insertParameterSet(service.id, set.name, set.parameters);
          if (id === undefined) throw conflict(PARAMETER_SET_EXISTS);
          await publish(tx, changed('service_parameter_set', 'created', id));
        }),
      );
    },

    async deleteParameterSet(serviceName: string, name: string): Promise<void> {
      await db.transaction(async (tx) => {
        const id = await servicesRepository(tx).deleteParameterSet(serviceName, name);
        if (id === undefined) throw missingRecord(PARAMETER_SET_MISSING);
        await publish(tx, changed('service_parameter_set', 'deleted', id));
      });
    },

    async editParameterSet(set: ParameterSetInput): Promise<void> {
      await checkPlaceholders(set.parameters, deps.series);
      await db.transaction(async (tx) => {
        const id = await servicesRepository(tx).updateParameterSet(set.serviceName, set.name, set.parameters);
        if (id === undefined) throw missingRecord(PARAMETER_SET_MISSING);
        await publish(tx, changed('service_parameter_set', 'updated', id));
      });
    },

    /**
     * Calls a service and logs the run: logged as running before the call, finished after it
     * (an entity event each time), with no transaction open while the service takes its time.
     * Explicit `parameters` win over the set's; the set is recorded either way. Placeholders
     * are resolved at call time; what the service returns as data is written as `actor`.
     * After logging the run it throws, for DTBase's route, a 403 when the address policy
     * refused the service's address and a 502 (the same for every reason) when there was no answer.
     */
    async runService(request: RunServiceInput): Promise<ServiceRunOutcome> {
      const executed = await runAndRecord(request);
      if (executed.gone) throw missingRecord(SERVICE_OR_SET_MISSING);
      if (executed.failure?.refusal) throw new AppError('DESTINATION_REFUSED', `Service address refused: ${executed.failure.refusal}.`);
      if (executed.failure) throw new AppError('UPSTREAM_FAILED', 'Service could not be reached.');
      return executed.outcome;
    },

    /** The same run, never throwing for the service's failures (the resource API answers with the run). */
    async runAndRecord(request: RunServiceInput): Promise<ServiceRunOutcome> {
      const executed = await runAndRecord(request);
      if (executed.gone) throw missingRecord(SERVICE_OR_SET_MISSING);
      return executed.outcome;
    },

    /**
     * Logs the run as queued and enqueues it on the job runner (one transaction): it survives
     * a restart and is run once across replicas. Bad input is refused here, as for a run now.
     */
    async queueRun(request: RunServiceInput): Promise<number> {
      const prepared = await prepare(request);
      return db.transaction(async (tx) => {
        const runId = await logStart(tx, prepared, request, 'queued');
        if (runId === undefined) throw missingRecord(SERVICE_OR_SET_MISSING);
        const window = request.window && { from: request.window.from?.toISOString() ?? null, to: request.window.to.toISOString() };
        await deps.enqueueRun({ runId, ...(window ? { window } : {}) }, tx);
        return runId;
      });
    },

    /**
     * The `services.run` job: makes a queued run. Idempotent: a finished run is left alone; a
     * run whose worker died while it was running is made again.
     */
    async runQueued(job: QueuedRunJob): Promise<ServiceRunOutcome | { skipped: string }> {
      const run = await reads.findRun(job.runId);
      if (!run || run.status === 'succeeded' || run.status === 'failed') return { skipped: run ? `run ${run.status}` : 'run gone' };
      const service = await reads.findService(run.serviceName);
      if (!service || !(await reads.startQueuedRun(run.id, clock()))) return { skipped: 'run gone' };
      await publish(db, changed('service_run', 'updated', run.id));
      const window = job.window && { from: job.window.from === null ? null : new Date(job.window.from), to: new Date(job.window.to) };
      let placeholders: Placeholder[];
      try {
        placeholders = findPlaceholders(run.parameters);
      } catch (error) {
        return (await fail(run.id, error instanceof AppError ? error.detail : String(error))).outcome;
      }
      const actor = run.actorUserId === null ? undefined : { userId: run.actorUserId, apiKeyId: run.actorApiKeyId };
      const executed = await execute(run.id, service, run.parameters, placeholders, { window, actor });
      return executed.outcome;
    },

    /** Marks a run failed (the job gave up on it: its last attempt failed or timed out). */
    async failRun(runId: number, error: string): Promise<void> {
      const run = await reads.findRun(runId);
      if (run && (run.status === 'queued' || run.status === 'running')) await fail(runId, error);
    },

    findRun: (id: number): Promise<RunRow | undefined> => reads.findRun(id),

    // Reads with a cursor (id > afterId) and a limit (all rows by default). A service's URL is
    // shown with its credentials redacted: they are used when calling, never shown back.
    listServices: async (page: Page = {}) => (await reads.listServices(page)).map(withoutCredentials),
    findService: async (name: string) => {
      const service = await reads.findService(name);
      return service && withoutCredentials(service);
    },
    listParameterSets: (filter: { serviceName?: string | null } & Page = {}) => reads.listParameterSets(filter),
    findParameterSet: (serviceName: string, name: string) => reads.findParameterSet(serviceName, name),
    listRuns: (filter: RunFilter = {}) => reads.listRuns(filter),
    /** Runs of every service, newest first (an overview's "what ran lately"). */
    listRecentRuns: (page: { beforeId?: number; limit?: number } = {}) => reads.listRecentRuns(page),
  };
}

export type ServicesService = ReturnType<typeof createServicesService>;
