import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { Nullable, ref } from '../http/schemas.ts';
import { ApiError } from '../modules/api/api.schemas.ts';
import { BAD_REASONS } from './mqtt-stats.ts';
import type { MqttService } from './mqtt.service.ts';

const MqttStatusSchema = Type.Object(
  {
    mode: Type.Union([Type.Literal('off'), Type.Literal('bridge'), Type.Literal('embedded')], {
      description: 'off (neither MQTT_URL nor MQTT_EMBEDDED), bridge (to the broker at MQTT_URL) or embedded (the built-in broker)',
    }),
    connected: Type.Boolean({ description: 'bridge: connected to its broker; embedded: listening' }),
    clients: Type.Integer({ description: 'devices connected to the embedded broker' }),
    received: Type.Integer({ description: 'messages received by this process since it started' }),
    stored_messages: Type.Integer(),
    stored_readings: Type.Integer({ description: 'readings inserted (duplicates excluded)' }),
    duplicate_readings: Type.Integer({ description: 'readings skipped because their series already had one at that timestamp' }),
    bad_messages: Type.Object(Object.fromEntries(BAD_REASONS.map((reason) => [reason, Type.Integer()])), {
      description: 'messages refused, by reason (each is logged and, but forbidden ones, published to <root>/errors/<sensor>)',
    }),
    error_reports_suppressed: Type.Integer({ description: 'reports not published because over 200 came in one second' }),
    batches: Type.Integer({ description: 'transactions written' }),
    failed_writes: Type.Integer({ description: 'batch writes that failed and were retried' }),
    pending_messages: Type.Integer({ description: 'received, not yet stored nor acknowledged' }),
    last_batch_at: Nullable(Type.String()),
    last_error: Nullable(Type.Object({ at: Type.String(), message: Type.String() })),
  },
  { $id: 'MqttStatus', description: 'the MQTT ingest counters of the process that answers (each replica keeps its own)' },
);

/** The named schemas of the MQTT route (registered at the root, see app.ts). */
export const mqttApiSchemas = [MqttStatusSchema];

/** GET /api/v1/mqtt: the MQTT ingest's counters, for admins. */
export const mqttApiRoutes: FastifyPluginAsyncTypebox<{ mqtt: Pick<MqttService, 'stats'> }> = async (app, { mqtt }) => {
  app.get(
    '/mqtt',
    {
      config: { access: 'audit:read' },
      schema: {
        tags: ['mqtt'],
        operationId: 'getMqttStatus',
        summary:
          "The MQTT ingest's counters in this process: messages received, readings stored, bad messages by reason, batches, the last error",
        response: { 200: ref(MqttStatusSchema), 401: ApiError, 403: ApiError },
      },
    },
    async () => {
      const s = mqtt.stats();
      return {
        mode: s.mode,
        connected: s.connected,
        clients: s.clients,
        received: s.received,
        stored_messages: s.storedMessages,
        stored_readings: s.storedReadings,
        duplicate_readings: s.duplicateReadings,
        bad_messages: s.badMessages,
        error_reports_suppressed: s.errorReportsSuppressed,
        batches: s.batches,
        failed_writes: s.failedWrites,
        pending_messages: s.pendingMessages,
        last_batch_at: s.lastBatchAt,
        last_error: s.lastError,
      };
    },
  );
};
