import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import { Nullable, ZonedDatetime, ref } from '../../http/schemas.ts';
import { IdParam, listErrors, Timestamp } from '../api/api.schemas.ts';
import { PageOf, PageQuery, readPage, sendPage } from '../api/pagination.ts';
import type { AuditFilter, AuditRow, AuditService } from './audit.service.ts';

const tags = ['audit'];

const AuditEntrySchema = Type.Object(
  {
    id: Type.Integer(),
    at: Timestamp,
    user_id: Nullable(Type.Integer({ description: 'null when nobody was authenticated (a failed login, a call without credentials)' })),
    user_email: Nullable(Type.String({ description: "the user's e-mail address at the time" })),
    api_key_id: Nullable(Type.Integer({ description: 'the API key the call used, if any' })),
    api_key_name: Nullable(Type.String({ description: "the key's name at the time" })),
    method: Type.String(),
    route: Type.String({ description: 'the route pattern, e.g. /sensor/insert-sensor or /api/v1/users/:email' }),
    operation_id: Nullable(Type.String()),
    target: Nullable(Type.String({ description: 'what the call named, as field=value pairs, e.g. unique_identifier=s-1' })),
    ip: Nullable(Type.String({ description: "the client's address (behind a proxy: as MIRRORBASE_TRUST_PROXY allows)" })),
    status: Type.Integer({ description: 'the HTTP status of the answer; 499 when the client left before it' }),
    request_id: Nullable(Type.String()),
  },
  { $id: 'AuditEntry', description: 'a write, login or refresh, allowed or refused' },
);
const AuditEntryPageSchema = PageOf(AuditEntrySchema);

/** The named schemas of the audit log's routes (registered at the root, see app.ts). */
export const auditApiSchemas = [AuditEntrySchema, AuditEntryPageSchema];

const AuditQuery = Type.Object({
  ...PageQuery,
  user: Type.Optional(Type.String({ minLength: 1, description: "the user's e-mail address (as it was at the time)" })),
  api_key: Type.Optional({ ...IdParam, description: 'the id of an API key' }),
  from: Type.Optional({ ...ZonedDatetime, description: 'entries at or after this time' }),
  to: Type.Optional({ ...ZonedDatetime, description: 'entries before this time' }),
  route: Type.Optional(Type.String({ minLength: 1, description: 'a route pattern, e.g. /sensor/insert-sensor' })),
  operation: Type.Optional(Type.String({ minLength: 1, description: 'an operationId, e.g. dtbaseInsertSensor' })),
  status: Type.Optional(
    Type.String({ pattern: '^[1-5]([0-9]{2}|xx)$', description: 'a status class (2xx, 4xx, ...) or one status code (403)' }),
  ),
});
type AuditQuery = Static<typeof AuditQuery>;

/** `4xx` is 400..499; `403` is itself. */
function statusRange(status: string): { from: number; to: number } {
  if (status.endsWith('xx')) {
    const hundreds = Number(status[0]) * 100;
    return { from: hundreds, to: hundreds + 99 };
  }
  return { from: Number(status), to: Number(status) };
}

function toFilter(query: AuditQuery): AuditFilter {
  return {
    ...(query.user !== undefined ? { userEmail: query.user } : {}),
    ...(query.api_key !== undefined ? { apiKeyId: query.api_key } : {}),
    ...(query.from !== undefined ? { from: query.from } : {}),
    ...(query.to !== undefined ? { to: query.to } : {}),
    ...(query.route !== undefined ? { route: query.route } : {}),
    ...(query.operation !== undefined ? { operationId: query.operation } : {}),
    ...(query.status !== undefined ? { status: statusRange(query.status) } : {}),
  };
}

const toAuditEntry = (row: AuditRow) => ({
  id: row.id,
  at: row.at,
  user_id: row.userId,
  user_email: row.userEmail,
  api_key_id: row.apiKeyId,
  api_key_name: row.apiKeyName,
  method: row.method,
  route: row.route,
  operation_id: row.operationId,
  target: row.target,
  ip: row.ip,
  status: row.status,
  request_id: row.requestId,
});

/** GET /api/v1/audit: the audit log, newest first, for admins (read-only: there is no other route). */
export const auditApiRoutes: FastifyPluginAsyncTypebox<{ audit: AuditService }> = async (app, { audit }) => {
  app.get(
    '/audit',
    {
      config: { access: 'audit:read' },
      schema: {
        tags,
        operationId: 'listAuditEntries',
        summary: 'List the audit log, newest first: writes, logins and refreshes, allowed or refused',
        description: [
          'Every call of a route that changes something (not a GET, and its permission is data:write, readings:write,',
          'services:write, account or users:admin), every login and refresh, with who made it, which API key, the route,',
          'what it named, the address and the status, refused calls included. Entries reach the log within about 200 ms',
          'of the answer.',
          'Filters combine; `to` is exclusive. Paged by `next_cursor`, newest first.',
        ].join('\n'),
        querystring: AuditQuery,
        response: { 200: ref(AuditEntryPageSchema), ...listErrors },
      },
    },
    async (request, reply) => {
      const { limit, cursor, ...filters } = request.query;
      const filter = toFilter(filters);
      const page = await readPage(
        { ...(limit !== undefined ? { limit } : {}), ...(cursor !== undefined ? { cursor } : {}) },
        ({ afterId, limit: rows }) => audit.list(filter, { beforeId: afterId, limit: rows }),
        { maxId: Number.MAX_SAFE_INTEGER },
      );
      return sendPage(reply, page, toAuditEntry);
    },
  );
};
