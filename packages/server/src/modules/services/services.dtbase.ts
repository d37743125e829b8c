/** DTBase's wire shapes of the service registry, made from the services service's domain values. */
import type { ParameterSetRow, RunRow, ServiceRow } from './services.repository.ts';

export const toDtbaseService = (s: ServiceRow) => ({ name: s.name, url: s.url, http_method: s.httpMethod });

export const toDtbaseParameterSet = (p: ParameterSetRow) => ({
  service_name: p.serviceName,
  name: p.name,
  parameters: p.parameters as Record<string, unknown>,
});

export const toDtbaseServiceRun = (r: RunRow) => ({
  service_name: r.serviceName,
  parameter_set_name: r.parameterSetName,
  parameters: r.parameters,
  response_json: r.responseJson,
  response_status_code: r.responseStatusCode,
  timestamp: r.timestamp,
});
