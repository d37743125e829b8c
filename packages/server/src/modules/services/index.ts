import type { Database } from '../../db/database.ts';
import { createEvents, type Events } from '../../events/events.ts';
import { UNREACHABLE_ERROR } from './service-caller.ts';
import { createServicesService } from './services.service.ts';

export type { ServicesService } from './services.service.ts';
export type { ParameterSetRow, RunRow as ServiceRunRow, ServiceRow } from './services.repository.ts';

/**
 * The service registry on its own, for the CLI (the server builds it in services.ts): lookups
 * and changes, published as the server's are; it never calls a service, a server does.
 */
export function servicesModule(db: Database, events: Events = createEvents({ db })) {
  const unavailable = async (): Promise<never> => {
    throw new Error('the CLI does not run services: a server runs them');
  };
  return createServicesService({
    db,
    events,
    clock: () => new Date(),
    callService: async () => ({ reached: false, error: UNREACHABLE_ERROR }),
    series: { problem: async () => undefined, read: unavailable },
    writeBack: unavailable,
    enqueueRun: unavailable,
  });
}
