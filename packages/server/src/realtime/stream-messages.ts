import type { StreamLogRepository, StreamLogRow } from './stream-log.repository.ts';

/**
 * One event as every stream sends it, built once per process however many streams take it:
 * the JSON text (a WebSocket message, and an SSE frame's data) and what filters look at.
 */
export interface StreamMessage {
  id: number;
  kind: 'readings' | 'entity';
  sensor?: string;
  measure?: string;
  sensorType?: string;
  entity?: string;
  /** Who the entity event is about, for closing streams whose credentials changed. */
  key?: string;
  action?: string;
  json: string;
  /**
   * `id:`, `event:` and `data:` lines of Server-Sent Events, blank line included, encoded once:
   * a thousand streams write the same bytes instead of encoding the text a thousand times.
   */
  sse: Buffer;
}

/** More readings than this in one event's window are not sent; the event says so (`readings_omitted`). */
export const DEFAULT_MAX_READINGS_PER_EVENT = 10_000;

const frame = (id: number, event: string, json: string) => Buffer.from(`id: ${id}\nevent: ${event}\ndata: ${json}\n\n`);

function entityMessage(row: StreamLogRow): StreamMessage {
  const json = JSON.stringify({ type: 'entity', id: row.id, entity: row.entity, action: row.action, key: row.key });
  return { id: row.id, kind: 'entity', entity: row.entity!, key: row.key!, action: row.action!, json, sse: frame(row.id, 'entity', json) };
}

/**
 * Messages of log rows, oldest first: readings events with the readings of their window (read
 * in one query for all of them), entity events as they are. A readings event whose sensor or
 * measure no longer exists is dropped: its readings went with it.
 */
export async function buildMessages(
  repo: StreamLogRepository,
  rows: readonly (StreamLogRow & { measureId: number | null })[],
  maxReadingsPerEvent: number,
): Promise<StreamMessage[]> {
  const live = rows.filter((r) => r.entity !== null || (r.sensor !== null && r.measure !== null));
  const windows = await repo.windows(
    live
      .filter((r) => r.entity === null && (r.count ?? 0) <= maxReadingsPerEvent)
      .map((r) => ({ id: r.id, sensorId: r.sensorId!, measureId: r.measureId!, datatype: r.datatype!, first: r.first!, last: r.last! })),
    maxReadingsPerEvent + 1,
  );
  return live.map((row) => {
    if (row.entity !== null) return entityMessage(row);
    const head = {
      type: 'readings',
      id: row.id,
      sensor: row.sensor,
      sensor_type: row.sensorType,
      measure: row.measure,
      units: row.units,
      datatype: row.datatype,
      count: row.count,
      first: row.first,
      last: row.last,
    };
    const window = windows.get(row.id);
    const headText = JSON.stringify(head);
    // The window holds the readings the event stored, and any stored before within it (a
    // back-fill between older readings): a client redrawing the window gets it whole.
    const json =
      window && window.count <= maxReadingsPerEvent
        ? `${headText.slice(0, -1)},"timestamps":${window.timestamps},"values":${window.values}}`
        : `${headText.slice(0, -1)},"readings_omitted":true}`;
    return {
      id: row.id,
      kind: 'readings',
      sensor: row.sensor!,
      measure: row.measure!,
      ...(row.sensorType !== null ? { sensorType: row.sensorType } : {}),
      json,
      sse: frame(row.id, 'readings', json),
    };
  });
}
