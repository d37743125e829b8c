// The browser-safe entry: nothing here imports a node: module (serve() and runCli() load the
// Node entry lazily; @mirrorbase/sdk/node exports them directly).
export { MirrorbaseClient, type MirrorbaseClientOptions, type RequestOptions } from './client.ts';
export { MirrorbaseError } from './errors.ts';
export type { components, operations, paths } from './generated/openapi.ts';
export {
  BaseIngress,
  type BaseIngressOptions,
  BaseModel,
  checkRequests,
  postRequests,
  type RequestOutcome,
  type RunSummary,
  type RunWindow,
  type ServeHandle,
  type ServeOptions,
  type ServiceContext,
  type ServiceRequest,
} from './ingress.ts';
export type {
  ExportQuery,
  ExportRow,
  IngestOptions,
  IngestSource,
  IngestSummary,
  ReadingRow,
  ReadingsApi,
  ReadingsQuery,
  RealtimeEvent,
  RealtimeSubscription,
  Series,
  SeriesRow,
  StreamFilters,
} from './readings.ts';
export type { RetryOptions } from './retry.ts';
export type { TokenPair, TokenStore } from './tokens.ts';
