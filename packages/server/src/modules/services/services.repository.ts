import type { HttpMethod } from '../../db/schema/common.ts';
import type { Queryable } from '../../db/database.ts';

export interface ServiceRow {
  id: number;
  name: string;
  url: string;
  httpMethod: HttpMethod;
  createdAt: string;
}

export interface ParameterSetRow {
  id: number;
  serviceId: number;
  serviceName: string;
  name: string;
  parameters: unknown;
  createdAt: string;
  updatedAt: string | null;
}

export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed';
export type RunTrigger = 'request' | 'schedule';

export interface RunRow {
  id: number;
  serviceId: number;
  serviceName: string;
  parameterSetId: number | null;
  parameterSetName: string | null;
  parameters: unknown;
  responseStatusCode: number | null;
  responseJson: unknown;
  error: string | null;
  timestamp: string;
  status: RunStatus;
  trigger: RunTrigger;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  written: unknown;
  actorUserId: number | null;
  actorApiKeyId: number | null;
}

export interface NewRun {
  serviceId: number;
  parameterSetId: number | null;
  parameterSetName: string | null;
  parameters: unknown;
  /** running (called now) or queued (in the background). */
  status: 'queued' | 'running';
  trigger: RunTrigger;
  actorUserId: number | null;
  actorApiKeyId: number | null;
  at: Date;
  /** The schedule that made the run (a schedule deleted meanwhile is left out). */
  scheduleId?: number | null;
}

export interface FinishedRun {
  status: 'succeeded' | 'failed';
  responseStatusCode: number | null;
  responseJson: unknown;
  error: string | null;
  written: unknown;
  at: Date;
}

export type RunFilter = {
  serviceName?: string | null;
  parameterSetName?: string | null;
  scheduleId?: number | null;
  /** Newest first: afterId is then the last (smallest) id seen, 0 meaning from the newest. */
  newestFirst?: boolean;
} & Page;

export interface Page {
  afterId?: number;
  limit?: number;
}

// JSON goes in as text cast to jsonb: postgres.js would JSON-encode a string bound straight to a
// jsonb parameter a second time, while text::jsonb behaves the same on PGlite and PostgreSQL.
const toJsonParam = (value: unknown) => (value === null || value === undefined ? null : JSON.stringify(value));

const SERVICE_COLUMNS = `s.id, s.name, s.url, s.http_method AS "httpMethod", mb_iso(s.created_at) AS "createdAt"`;
const PARAMETER_SET_COLUMNS = `p.id, p.service_id AS "serviceId", s.name AS "serviceName", p.name, p.parameters,
  mb_iso(p.created_at) AS "createdAt", mb_iso(p.updated_at) AS "updatedAt"`;
const RUN_COLUMNS = `r.id, r.service_id AS "serviceId", s.name AS "serviceName", r.parameter_set_id AS "parameterSetId",
  r.parameter_set_name AS "parameterSetName", r.parameters, r.response_status_code AS "responseStatusCode",
  r.response_json AS "responseJson", r.error, mb_iso(r.timestamp) AS timestamp, r.status, r.trigger,
  mb_iso(r.started_at) AS "startedAt", mb_iso(r.finished_at) AS "finishedAt",
  round(extract(epoch FROM r.finished_at - r.started_at) * 1000)::integer AS "durationMs", r.written,
  r.actor_user_id AS "actorUserId", r.actor_api_key_id AS "actorApiKeyId"`;

/** All SQL of the service registry: services, their parameter sets and the log of their runs. */
export function servicesRepository(db: Queryable) {
  return {
    async findService(name: string): Promise<ServiceRow | undefined> {
      const rows = await db.query<ServiceRow>(`SELECT ${SERVICE_COLUMNS} FROM service s WHERE s.name = $1`, [name]);
      return rows[0];
    },

    listServices(page: Page = {}): Promise<ServiceRow[]> {
      return db.query<ServiceRow>(`SELECT ${SERVICE_COLUMNS} FROM service s WHERE s.id > $1 ORDER BY s.id LIMIT $2`, [
        page.afterId ?? 0,
        page.limit ?? null,
      ]);
    },

    /** Inserts unless the name is taken; returns the new row or undefined. */
    async insertService(name: string, url: string, httpMethod: HttpMethod): Promise<ServiceRow | undefined> {
      const rows = await db.query<ServiceRow>(
        `INSERT INTO service AS s (name, url, http_method) VALUES ($1, $2, $3::http_method)
         ON CONFLICT (name) DO NOTHING RETURNING ${SERVICE_COLUMNS}`,
        [name, url, httpMethod],
      );
      return rows[0];
    },

    /** Points a service at another URL or method; returns the row when something changed, undefined when nothing did (or there is none). */
    async updateService(name: string, url: string, httpMethod: HttpMethod): Promise<ServiceRow | undefined> {
      const rows = await db.query<ServiceRow>(
        `UPDATE service AS s SET url = $2, http_method = $3::http_method
         WHERE s.name = $1 AND (s.url, s.http_method) IS DISTINCT FROM ($2, $3::http_method) RETURNING ${SERVICE_COLUMNS}`,
        [name, url, httpMethod],
      );
      return rows[0];
    },

    /** Deletes a service with its parameter sets and run log (foreign keys cascade); false when there was none. */
    async deleteService(name: string): Promise<boolean> {
      const rows = await db.query(`DELETE FROM service WHERE name = $1 RETURNING id`, [name]);
      return rows.length > 0;
    },

    async findParameterSet(serviceName: string, name: string): Promise<ParameterSetRow | undefined> {
      const rows = await db.query<ParameterSetRow>(
        `SELECT ${PARAMETER_SET_COLUMNS} FROM service_parameter_set p JOIN service s ON s.id = p.service_id
         WHERE s.name = $1 AND p.name = $2`,
        [serviceName, name],
      );
      return rows[0];
    },

    listParameterSets(filter: { serviceName?: string | null } & Page = {}): Promise<ParameterSetRow[]> {
      return db.query<ParameterSetRow>(
        `SELECT ${PARAMETER_SET_COLUMNS} FROM service_parameter_set p JOIN service s ON s.id = p.service_id
         WHERE ($1::text IS NULL OR s.name = $1) AND p.id > $2 ORDER BY p.id LIMIT $3`,
        [filter.serviceName ?? null, filter.afterId ?? 0, filter.limit ?? null],
      );
    },

    /** Inserts unless the service already has a set of that name; returns the new id or undefined. */
    async insertParameterSet(serviceId: number, name: string, parameters: unknown): Promise<number | undefined> {
      const rows = await db.query<{ id: number }>(
        `INSERT INTO service_parameter_set (service_id, name, parameters) VALUES ($1, $2, $3::text::jsonb)
         ON CONFLICT (service_id, name) DO NOTHING RETURNING id`,
        [serviceId, name, toJsonParam(parameters)],
      );
      return rows[0]?.id;
    },

    /** Returns the set's id, or undefined when there is no such set. */
    async updateParameterSet(serviceName: string, name: string, parameters: unknown): Promise<number | undefined> {
      const rows = await db.query<{ id: number }>(
        `UPDATE service_parameter_set p SET parameters = $3::text::jsonb, updated_at = now()
         FROM service s WHERE s.id = p.service_id AND s.name = $1 AND p.name = $2 RETURNING p.id`,
        [serviceName, name, toJsonParam(parameters)],
      );
      return rows[0]?.id;
    },

    /**
     * Deletes a set; its past runs stay in the log with the set's name (parameter_set_id becomes
     * null). Returns the set's id, or undefined when there was no such set.
     */
    async deleteParameterSet(serviceName: string, name: string): Promise<number | undefined> {
      const rows = await db.query<{ id: number }>(
        `DELETE FROM service_parameter_set p USING service s
         WHERE s.id = p.service_id AND s.name = $1 AND p.name = $2 RETURNING p.id`,
        [serviceName, name],
      );
      return rows[0]?.id;
    },

    /**
     * Logs a run as it starts (running) or is queued. The set may have been deleted meanwhile:
     * it is then recorded by name only. Undefined when the service is gone.
     */
    async insertRun(run: NewRun): Promise<number | undefined> {
      const rows = await db.query<{ id: number }>(
        `INSERT INTO service_run_log (service_id, parameter_set_id, parameter_set_name, parameters,
           status, trigger, actor_user_id, actor_api_key_id, timestamp, started_at, schedule_id)
         SELECT s.id, (SELECT p.id FROM service_parameter_set p WHERE p.id = $2 AND p.service_id = s.id),
           $3::text, $4::text::jsonb, $5::text, $6::text, $7::integer, $8::integer, $9::timestamptz,
           CASE WHEN $5::text = 'running' THEN $9::timestamptz END,
           (SELECT sc.id FROM service_schedule sc WHERE sc.id = $10::integer)
         FROM service s WHERE s.id = $1
         RETURNING id`,
        [
          run.serviceId,
          run.parameterSetId,
          run.parameterSetName,
          toJsonParam(run.parameters),
          run.status,
          run.trigger,
          run.actorUserId,
          run.actorApiKeyId,
          run.at.toISOString(),
          run.scheduleId ?? null,
        ],
      );
      return rows[0]?.id;
    },

    /**
     * A queued run starts (or a run whose worker died starts again); false when it has
     * finished already or is gone.
     */
    async startQueuedRun(id: number, at: Date): Promise<boolean> {
      const rows = await db.query(
        `UPDATE service_run_log SET status = 'running', started_at = $2::timestamptz
         WHERE id = $1 AND status IN ('queued', 'running') RETURNING id`,
        [id, at.toISOString()],
      );
      return rows.length > 0;
    },

    /** Records how a run ended; its timestamp becomes the end (DTBase logged runs when they ended). False when it is gone. */
    async finishRun(id: number, run: FinishedRun): Promise<boolean> {
      const rows = await db.query(
        `UPDATE service_run_log SET status = $2::text, response_status_code = $3::integer, response_json = $4::text::jsonb,
           error = $5::text, written = $6::text::jsonb, timestamp = $7::timestamptz, finished_at = $7::timestamptz
         WHERE id = $1 RETURNING id`,
        [id, run.status, run.responseStatusCode, toJsonParam(run.responseJson), run.error, toJsonParam(run.written), run.at.toISOString()],
      );
      return rows.length > 0;
    },

    async findRun(id: number): Promise<RunRow | undefined> {
      const rows = await db.query<RunRow>(
        `SELECT ${RUN_COLUMNS} FROM service_run_log r JOIN service s ON s.id = r.service_id WHERE r.id = $1`,
        [id],
      );
      return rows[0];
    },

    /** Runs of every service, newest first, keyset-paged: ids below `beforeId` (0: from the newest). */
    listRecentRuns(page: { beforeId?: number; limit?: number } = {}): Promise<RunRow[]> {
      return db.query<RunRow>(
        `SELECT ${RUN_COLUMNS} FROM service_run_log r JOIN service s ON s.id = r.service_id
         WHERE ($1::integer = 0 OR r.id < $1)
         ORDER BY r.id DESC LIMIT $2`,
        [page.beforeId ?? 0, page.limit ?? null],
      );
    },

    listRuns(filter: RunFilter = {}): Promise<RunRow[]> {
      // The order is spelled out, not bound: an index scan in either direction, no sort.
      const position = filter.newestFirst ? '($3 = 0 OR r.id < $3) ORDER BY r.id DESC' : 'r.id > $3 ORDER BY r.id';
      return db.query<RunRow>(
        `SELECT ${RUN_COLUMNS} FROM service_run_log r JOIN service s ON s.id = r.service_id
         WHERE ($1::text IS NULL OR s.name = $1) AND ($2::text IS NULL OR r.parameter_set_name = $2)
           AND ($5::integer IS NULL OR r.schedule_id = $5)
           AND ${position} LIMIT $4`,
        [filter.serviceName ?? null, filter.parameterSetName ?? null, filter.afterId ?? 0, filter.limit ?? null, filter.scheduleId ?? null],
      );
    },
  };
}

export type ServicesRepository = ReturnType<typeof servicesRepository>;
