import { AppError, conflict, missingRecord, unprocessable } from '../../errors.ts';
import { PG_UNIQUE_VIOLATION, pgErrorCode, type Database, type Queryable } from '../../db/database.ts';
import type { HttpMethod } from '../../db/schema/common.ts';
import type { EntityChanged, EntityKind, Events } from '../../events/events.ts';
import type { CallService } from './service-caller.ts';
import { redactUrlCredentials } from '../../outbound/redact-url.ts';
import { servicesRepository, type Page, type ParameterSetRow, type RunFilter, type ServiceRow } from './services.repository.ts';

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
}

/** The registry of external services (ingress, models) and the calls made to them. */
export function createServicesService(deps: ServicesServiceDeps) {
  const { db, events, callService, clock } = deps;
  const reads = servicesRepository(db);
  const publish = (q: Queryable, ...changes: EntityChanged[]) => events.publish(q, changes);

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

    /** Deletes a service; its parameter sets and run log go with it (one event for the service stands for them). */
    async deleteService(name: string): Promise<void> {
      await db.transaction(async (tx) => {
        if (!(await servicesRepository(tx).deleteService(name))) throw missingRecord(SERVICE_MISSING);
        await publish(tx, changed('service', 'deleted', name));
      });
    },

    async insertParameterSet(set: ParameterSetInput): Promise<void> {
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
      await db.transaction(async (tx) => {
        const id = await servicesRepository(tx).updateParameterSet(set.serviceName, set.name, set.parameters);
        if (id === undefined) throw missingRecord(PARAMETER_SET_MISSING);
        await publish(tx, changed('service_parameter_set', 'updated', id));
      });
    },

    /**
     * Calls a service and logs the run. Look up, call, then write the log: no transaction
     * stays open while the service takes its time. Explicit `parameters` win over the set's;
     * the set is recorded either way. After logging the run it throws a 403 when the address
     * policy refused the service's address, and a 502 (the same for every reason) when there
     * was no answer. Otherwise it resolves to the run's id and whether the service answered 2xx;
     * `window` goes to the service as headers, `signal` aborts the call.
     */
    async runService(request: RunServiceInput): Promise<ServiceRunOutcome> {
      const service = await reads.findService(request.serviceName);
      if (!service) throw missingRecord(SERVICE_OR_SET_MISSING);
      let parameterSet: ParameterSetRow | undefined;
      if (request.parameterSetName != null) {
        parameterSet = await reads.findParameterSet(service.name, request.parameterSetName);
        if (!parameterSet) throw missingRecord(SERVICE_OR_SET_MISSING);
      }
      const parameters = request.parameters ?? parameterSet?.parameters ?? null;

      const headers = windowHeaders(request.window);
      const result = await callService({
        url: service.url,
        method: service.httpMethod,
        parameters,
        ...(headers ? { headers } : {}),
        ...(request.signal ? { signal: request.signal } : {}),
      });
      const unreachableError = !result.reached && !result.refusal && request.signal?.aborted ? ABORTED_ERROR : undefined;

      const logged = await reads.insertRun({
        serviceId: service.id,
        parameterSetId: parameterSet?.id ?? null,
        parameterSetName: parameterSet?.name ?? null,
        parameters,
        responseStatusCode: result.reached ? result.statusCode : null,
        responseJson: result.reached ? result.json : null,
        error: result.reached ? (result.note ?? null) : (unreachableError ?? result.error),
        timestamp: clock(),
        scheduleId: request.scheduleId ?? null,
      });
      // The service was deleted while we were calling it: there is nothing left to log against.
      if (logged === undefined) throw missingRecord(SERVICE_OR_SET_MISSING);
      await publish(db, changed('service_run', 'created', logged));
      if (!result.reached && result.refusal) throw new AppError('DESTINATION_REFUSED', `Service address refused: ${result.refusal}.`);
      if (!result.reached) throw new AppError('UPSTREAM_FAILED', unreachableError ?? 'Service could not be reached.');
      const ok = result.statusCode >= 200 && result.statusCode < 300;
      return { runId: logged, ok, ...(ok ? {} : { error: `The service answered with status ${result.statusCode}.` }) };
    },

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
  };
}

export type ServicesService = ReturnType<typeof createServicesService>;
