import { ENTITY_KINDS, type EntityKind } from '../events/events.ts';
import type { Principal } from '../modules/auth/permissions.ts';
import type { StreamLogFilter } from './stream-log.repository.ts';
import type { StreamMessage } from './stream-messages.ts';

/** Entity events about people and their keys: only for those who manage them. */
const ADMIN_ENTITIES: ReadonlySet<string> = new Set<EntityKind>(['user', 'api_key']);

/** The kinds a stream may ask for (`entities=`), kept in events.ts. */
export { ENTITY_KINDS };

/**
 * The entity kinds a caller may follow: data entities with data:read, users and keys with
 * users:admin as well. Asking for more than that is not an error: the stream simply carries
 * what the caller may see (its readings need readings:read, which the route checks).
 */
export function visibleEntities(principal: Principal, wanted: readonly string[]): string[] {
  if (!principal.permissions.has('data:read')) return [];
  return wanted.filter((kind) => !ADMIN_ENTITIES.has(kind) || principal.permissions.has('users:admin'));
}

/** Whether a live message belongs to a stream: the same rule as the log query's (stream-log.repository.ts). */
export function matches(filter: StreamLogFilter, message: StreamMessage): boolean {
  if (message.kind === 'entity') return filter.entities.includes(message.entity!);
  if (!filter.readings) return false;
  if (filter.sensors.length > 0 && !filter.sensors.includes(message.sensor!)) return false;
  if (filter.measures.length > 0 && !filter.measures.includes(message.measure!)) return false;
  if (filter.sensorTypes.length > 0 && (message.sensorType === undefined || !filter.sensorTypes.includes(message.sensorType))) return false;
  return true;
}
