import type { Config } from '../../config.ts';
import type { Database } from '../../db/database.ts';
import { createServiceCaller } from './service-caller.ts';
import { createServicesService } from './services.service.ts';

/** The service registry wired to the real outbound caller and clock. */
export function servicesModule(db: Database, config: Config) {
  return createServicesService({
    db,
    callService: createServiceCaller({ timeoutMs: config.serviceCallTimeoutMs }),
    clock: () => new Date(),
  });
}

export type { ServicesService } from './services.service.ts';
export type { ParameterSetRow, RunRow as ServiceRunRow, ServiceRow } from './services.repository.ts';
