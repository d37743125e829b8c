import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import websocket from '@fastify/websocket';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { OutgoingHttpHeaders } from 'node:http';
import { AppError, unprocessable } from '../errors.ts';
import { isZonedDatetime } from '../http/validation.ts';
import { withoutQueryToken } from '../http/request-log.ts';
import { listErrors } from '../modules/api/api.schemas.ts';
import type { Principal } from '../modules/auth/permissions.ts';
import { sseSink, webSocketSink } from './stream-connections.ts';
import { ENTITY_KINDS, visibleEntities } from './stream-filter.ts';
import type { StreamHub, StreamRequest, StreamSink, Subscription } from './stream-hub.ts';

const tags = ['realtime'];
const MAX_FILTER_VALUES = 1_000;

const names = (description: string) =>
  Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: MAX_FILTER_VALUES, description }));

const StreamQuery = Type.Object({
  sensor: names('only readings of these sensors (unique identifiers; repeat the parameter for several)'),
  measure: names('only readings of these measures (names)'),
  sensor_type: names('only readings of sensors of these types (names)'),
  readings: Type.Optional(Type.Boolean({ default: true, description: 'false: no readings events (entity events only)' })),
  entities: Type.Optional(
    Type.Array(Type.Union([...ENTITY_KINDS, 'all'].map((k) => Type.Literal(k))), {
      maxItems: ENTITY_KINDS.length + 1,
      description: 'also stream changes of these entities (created, updated, deleted), or all; users and API keys only for admins',
    }),
  ),
  since: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 40,
      description: 'resume: an event id (what Last-Event-ID carries) or an ISO-8601 instant with offset; missed events come first',
    }),
  ),
  access_token: Type.Optional(
    Type.String({ description: 'an access token or API key, for clients that cannot send headers (EventSource, browser WebSocket)' }),
  ),
});
type StreamQuery = Static<typeof StreamQuery>;

const EVENT_ID = /^\d{1,15}$/;

function resumePoint(query: StreamQuery, lastEventId: string | undefined): StreamRequest['since'] {
  // EventSource sends Last-Event-ID on its own when it reconnects; it wins over the URL's since.
  const given = lastEventId?.trim() || query.since;
  if (given === undefined) return undefined;
  if (EVENT_ID.test(given)) return { id: Number(given) };
  if (isZonedDatetime(given)) return { at: given };
  throw unprocessable(
    `${lastEventId ? 'Last-Event-ID' : 'since'} must be an event id or an ISO-8601 instant with an offset, got ${JSON.stringify(given.slice(0, 40))}`,
  );
}

function streamRequest(request: FastifyRequest<{ Querystring: StreamQuery }>): StreamRequest {
  const query = request.query;
  const principal = request.principal as Principal;
  const wanted = query.entities?.includes('all') ? ENTITY_KINDS : (query.entities ?? []);
  const header = request.headers['last-event-id'];
  const since = resumePoint(query, Array.isArray(header) ? header[0] : header);
  return {
    principal,
    filter: {
      sensors: query.sensor ?? [],
      measures: query.measure ?? [],
      sensorTypes: query.sensor_type ?? [],
      readings: query.readings ?? true,
      entities: visibleEntities(principal, wanted),
    },
    ...(since ? { since } : {}),
  };
}

const description = [
  'Every reading accepted by any ingest path (DTBase routes, `/api/v1/readings` in every format, CSV import, MQTT,',
  'services), on any replica, as one event per series per request: the series, how many readings were stored, the',
  'window they cover and the readings of that window (`timestamps`, `values`; more than the configured maximum are',
  'left out with `readings_omitted: true`). With `entities`, changes of sensors, services, runs and the rest too.',
  'Each event has an id; reconnect with `Last-Event-ID` (EventSource does it by itself) or `since=<id>` to get what',
  'was missed, then the live feed, nothing lost or repeated, as long as the server still keeps it',
  '(MIRRORBASE_STREAM_HISTORY_MINUTES; otherwise a `reset` event says to refetch). The server ends a stream with an',
  '`event: close` whose reason is `slow_consumer`, `credentials_changed`, `credentials_expired` or `server_shutdown`; reconnect to resume.',
  'A comment line every MIRRORBASE_STREAM_HEARTBEAT_SECONDS keeps idle connections open through proxies.',
].join('\n');

/** GET /api/v1/readings/stream (Server-Sent Events) and GET /api/v1/readings/ws (WebSocket). */
export const realtimeRoutes: FastifyPluginAsyncTypebox<{ hub: StreamHub; maxClients: number }> = async (app, { hub, maxClients }) => {
  await app.register(websocket, { options: { maxPayload: 4096 } });

  /** Everything that can refuse a stream runs before the answer starts (or the WebSocket upgrade). */
  const prepare = async (request: FastifyRequest) => {
    if (hub.size >= maxClients)
      throw new AppError('UNAVAILABLE', `This server already serves ${maxClients} streams; try another replica or later`);
    prepared.set(request, streamRequest(request as FastifyRequest<{ Querystring: StreamQuery }>));
  };
  const prepared = new WeakMap<FastifyRequest, StreamRequest>();

  app.get(
    '/stream',
    {
      config: { access: 'readings:read', tokenInQuery: true },
      preHandler: prepare,
      schema: {
        tags,
        operationId: 'streamReadings',
        summary: 'Stream readings (and entity changes) as they are stored, as Server-Sent Events',
        description,
        querystring: StreamQuery,
        response: {
          200: {
            description: 'Server-Sent Events: `event: readings` / `entity` / `reset` / `close`, each with an `id` and JSON `data`',
            content: { 'text/event-stream': { schema: Type.String() } },
          },
          ...listErrors,
          503: Type.Object({ detail: Type.String() }),
        },
      },
    },
    async (request, reply) => {
      const response = reply.raw;
      // The answer is written by hand from here (a stream has no end for Fastify to wait for),
      // with the headers the app's hooks set (security, CORS, request id) and those of SSE.
      const sink = sseSink(response, () => {
        reply.hijack();
        response.writeHead(200, {
          ...(reply.getHeaders() as OutgoingHttpHeaders),
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache, no-transform',
          'x-accel-buffering': 'no',
        });
      });
      const subscription = await hub.open(prepared.get(request)!, sink);
      sink.begin();
      const opened = performance.now();
      response.once('close', () => {
        subscription.close();
        request.log.info(
          { url: withoutQueryToken(request.url), ms: Math.round(performance.now() - opened), user: request.user?.email },
          'stream ended',
        );
      });
      return reply;
    },
  );

  app.get(
    '/ws',
    {
      websocket: true,
      config: { access: 'readings:read', tokenInQuery: true },
      preHandler: prepare,
      // A refused upgrade (401, 403, 422, 503) answers on a socket the HTTP server no longer
      // tracks: left open by the client, it would hold a shutdown. It is closed after the answer.
      onResponse: async (request, reply) => {
        if (reply.statusCode !== 101 && request.headers.upgrade) request.raw.socket.end();
      },
      schema: {
        tags,
        operationId: 'streamReadingsWebSocket',
        summary: 'Stream readings (and entity changes) over a WebSocket: the same filters and messages as the SSE stream',
        description: [
          'Upgrade to a WebSocket; each event is a text message holding the JSON that the SSE stream sends as `data`',
          '(with `type` and `id`). Resume with `since=<id>`. The server closes with 4008 (slow_consumer),',
          '4001 (credentials_changed), 4002 (credentials_expired) or 1001 (server_shutdown), and pings every MIRRORBASE_STREAM_HEARTBEAT_SECONDS.',
          'Messages from the client are ignored.',
        ].join('\n'),
        querystring: StreamQuery,
        response: { ...listErrors, 503: Type.Object({ detail: Type.String() }) },
      },
    },
    async (socket, request) => {
      let subscription: Subscription | undefined;
      let closed = false;
      socket.on('close', () => {
        closed = true;
        subscription?.close();
      });
      // Streams are one-way: a client's messages are dropped, not buffered.
      socket.on('message', () => {});
      try {
        const sink: StreamSink = webSocketSink(socket);
        const opened = await hub.open(prepared.get(request)!, sink);
        if (closed) opened.close();
        else subscription = opened;
      } catch (error) {
        const detail = error instanceof AppError ? error.detail : 'the stream could not start';
        if (!(error instanceof AppError)) request.log.error({ err: error }, 'websocket stream failed to start');
        socket.close(error instanceof AppError && error.statusCode === 503 ? 1013 : 1011, detail.slice(0, 120));
      }
    },
  );
};
