/** Why a message was not stored (stable codes: they are counted, logged and reported). */
export const BAD_REASONS = [
  'topic',
  'payload_too_large',
  'payload',
  'timestamp',
  'unknown_sensor',
  'unknown_measure',
  'ambiguous_measure',
  'value',
  'forbidden',
] as const;
export type BadReason = (typeof BAD_REASONS)[number];

/** The counters of this process's MQTT ingest (GET /api/v1/mqtt, logs). */
export interface MqttStats {
  mode: 'off' | 'bridge' | 'embedded';
  /** The bridge's connection to its broker; the embedded broker: listening. */
  connected: boolean;
  /** Device connections (embedded broker only). */
  clients: number;
  received: number;
  storedMessages: number;
  storedReadings: number;
  /** Readings whose series already had a reading at that timestamp (a redelivery, a repeat). */
  duplicateReadings: number;
  badMessages: Record<BadReason, number>;
  /** Reports not published to the errors topic because more than the limit came in one second. */
  errorReportsSuppressed: number;
  batches: number;
  /** Write attempts that failed (the batch is retried, its messages not acknowledged meanwhile). */
  failedWrites: number;
  /** Messages received and not yet stored (nor acknowledged). */
  pendingMessages: number;
  lastBatchAt: string | null;
  lastError: { at: string; message: string } | null;
}

export function createMqttStats(mode: MqttStats['mode']): MqttStats {
  return {
    mode,
    connected: false,
    clients: 0,
    received: 0,
    storedMessages: 0,
    storedReadings: 0,
    duplicateReadings: 0,
    badMessages: Object.fromEntries(BAD_REASONS.map((reason) => [reason, 0])) as Record<BadReason, number>,
    errorReportsSuppressed: 0,
    batches: 0,
    failedWrites: 0,
    pendingMessages: 0,
    lastBatchAt: null,
    lastError: null,
  };
}
