export type { ServicesService } from './services.service.ts';
export type { ParameterSetRow, RunRow as ServiceRunRow, ServiceRow } from './services.repository.ts';
