import { AppError, conflict, missingRecord, unprocessable } from '../../errors.ts';
import { PG_UNIQUE_VIOLATION, pgErrorCode, type Database } from '../../db/database.ts';
import type { Events } from '../../events/events.ts';
import type { CallService } from './service-caller.ts';
import { servicesRepository, type Page, type ParameterSetRow, type RunRow, type ServiceRow } from './services.repository.ts';
import type { ParameterSetBody, RunServiceBody, ServiceBody } from './services.schemas.ts';

const SERVICE_EXISTS = 'Service already exists.';
const SERVICE_MISSING = 'Service does not exist.';
const PARAMETER_SET_EXISTS = 'Parameter set already exists.';
const PARAMETER_SET_MISSING = 'Parameter set does not exist.';
const SERVICE_OR_SET_MISSING = 'Service or parameter set does not exist.';

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

const toDtbaseService = (s: ServiceRow): ServiceBody => ({ name: s.name, url: s.url, http_method: s.httpMethod });

const toDtbaseParameterSet = (p: ParameterSetRow) => ({
  service_name: p.serviceName,
  name: p.name,
  parameters: p.parameters as Record<string, unknown>,
});

const toDtbaseRun = (r: RunRow) => ({
  service_name: r.serviceName,
  parameter_set_name: r.parameterSetName,
  parameters: r.parameters,
  response_json: r.responseJson,
  response_status_code: r.responseStatusCode,
  timestamp: r.timestamp,
});

export interface ServicesServiceDeps {
  db: Database;
  events: Events;
  callService: CallService;
  clock: () => Date;
}

/** The registry of external services (ingress, models) and the calls made to them. */
export function createServicesService(deps: ServicesServiceDeps) {
  const { db, callService, clock } = deps;
  const reads = servicesRepository(db);

  return {
    async insertService(service: ServiceBody): Promise<void> {
      checkServiceUrl(service.url);
      await conflictOnRace(SERVICE_EXISTS, () =>
        db.transaction(async (tx) => {
          const inserted = await servicesRepository(tx).insertService(service.name, service.url, service.http_method);
          if (!inserted) throw conflict(SERVICE_EXISTS);
        }),
      );
    },

    async listDtbaseServices() {
      return (await reads.listServices()).map(toDtbaseService);
    },

    async deleteService(name: string): Promise<void> {
      await db.transaction(async (tx) => {
        if (!(await servicesRepository(tx).deleteService(name))) throw missingRecord(SERVICE_MISSING);
      });
    },

    async insertParameterSet(set: ParameterSetBody): Promise<void> {
      await conflictOnRace(PARAMETER_SET_EXISTS, () =>
        db.transaction(async (tx) => {
          const repo = servicesRepository(tx);
          const service = await repo.findService(set.service_name);
          if (!service) throw missingRecord(SERVICE_MISSING);
          const id = await repo.insertParameterSet(service.id, set.name, set.parameters);
          if (id === undefined) throw conflict(PARAMETER_SET_EXISTS);
        }),
      );
    },

    async deleteParameterSet(serviceName: string, name: string): Promise<void> {
      await db.transaction(async (tx) => {
        if (!(await servicesRepository(tx).deleteParameterSet(serviceName, name))) throw missingRecord(PARAMETER_SET_MISSING);
      });
    },

    async editParameterSet(set: ParameterSetBody): Promise<void> {
      await db.transaction(async (tx) => {
        const updated = await servicesRepository(tx).updateParameterSet(set.service_name, set.name, set.parameters);
        if (!updated) throw missingRecord(PARAMETER_SET_MISSING);
      });
    },

    async listDtbaseParameterSets(serviceName?: string | null) {
      return (await reads.listParameterSets({ serviceName })).map(toDtbaseParameterSet);
    },

    /**
     * Calls a service and logs the run. Look up, call, then write the log: no transaction
     * stays open while the service takes its time. Explicit `parameters` win over the set's;
     * the set is recorded either way. Throws a 502 (after logging) when there was no answer.
     */
    async runService(request: RunServiceBody): Promise<void> {
      const service = await reads.findService(request.service_name);
      if (!service) throw missingRecord(SERVICE_OR_SET_MISSING);
      let parameterSet: ParameterSetRow | undefined;
      if (request.parameter_set_name != null) {
        parameterSet = await reads.findParameterSet(service.name, request.parameter_set_name);
        if (!parameterSet) throw missingRecord(SERVICE_OR_SET_MISSING);
      }
      const parameters = request.parameters ?? parameterSet?.parameters ?? null;

      const result = await callService({ url: service.url, method: service.httpMethod, parameters });

      const logged = await reads.insertRun({
        serviceId: service.id,
        parameterSetId: parameterSet?.id ?? null,
        parameterSetName: parameterSet?.name ?? null,
        parameters,
        responseStatusCode: result.reached ? result.statusCode : null,
        responseJson: result.reached ? result.json : null,
        error: result.reached ? null : result.error,
        timestamp: clock(),
      });
      // The service was deleted while we were calling it: there is nothing left to log against.
      if (logged === undefined) throw missingRecord(SERVICE_OR_SET_MISSING);
      if (!result.reached) throw new AppError('UPSTREAM_FAILED', `Service could not be reached: ${result.error}`);
    },

    async listDtbaseRuns(filter: { serviceName?: string | null; parameterSetName?: string | null }) {
      return (await reads.listRuns(filter)).map(toDtbaseRun);
    },

    // Reads with a cursor (id > afterId) and a limit, for the resource API.
    listServices: (page: Page = {}) => reads.listServices(page),
    findService: (name: string) => reads.findService(name),
    listParameterSets: (filter: { serviceName?: string | null } & Page = {}) => reads.listParameterSets(filter),
    findParameterSet: (serviceName: string, name: string) => reads.findParameterSet(serviceName, name),
    listRuns: (filter: { serviceName?: string | null; parameterSetName?: string | null } & Page = {}) => reads.listRuns(filter),
  };
}

export type ServicesService = ReturnType<typeof createServicesService>;
