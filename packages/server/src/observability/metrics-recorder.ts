/**
 * What modules may tell the metrics about, and nothing more: module code depends on this
 * narrow interface, never on prom-client (the composition root, services.ts, hands in the
 * real recorder; code built without one, such as the CLI, gets `noMetrics`).
 */

/**
 * How readings came in: each ingest path counts what it stored under its own name. Data a
 * service run returns is written through the HTTP routes, but counted as `service_run`.
 */
export type IngestPath = 'dtbase_json' | 'api_json' | 'api_ndjson' | 'api_csv' | 'mqtt' | 'service_run';

/** What a job's handler did: returned, or threw (a timeout or an abort included). */
export type JobOutcome = 'succeeded' | 'failed';

export interface MetricsRecorder {
  /** `count` readings of one request, message batch or import were stored (committed; duplicates not counted). */
  readingsIngested(path: IngestPath, count: number): void;
  /** A job's handler finished after `seconds`. */
  jobRun(name: string, outcome: JobOutcome, seconds: number): void;
}

export const noMetrics: MetricsRecorder = {
  readingsIngested: () => {},
  jobRun: () => {},
};
