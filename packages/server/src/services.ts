/**
 * The composition root: every service of Mirrorbase is built here, once, from the database,
 * the config, a clock and the ports (events, outbound calls). Route layers, the CLI and the
 * process entry receive what they need from the object this returns; none of them builds a
 * service or holds `db` itself.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Config } from './config.ts';
import type { Database } from './db/database.ts';
import type { Events } from './events/events.ts';
import { createJobRunner, type JobLog } from './jobs/job-runner.ts';
import { sessionsJobs } from './modules/auth/sessions.jobs.ts';
import { createSessionsService } from './modules/auth/sessions.service.ts';
import { auditJobs } from './modules/audit/audit.jobs.ts';
import { createBackupService } from './modules/backup/backup.service.ts';
import { createAuditService, type AuditServiceDeps } from './modules/audit/audit.service.ts';
import { createApiKeyLookup } from './modules/api-keys/api-key-lookup.ts';
import { createApiKeysService } from './modules/api-keys/api-keys.service.ts';
import { createLoginThrottle, loginThrottleJobs } from './modules/auth/login-throttle.ts';
import { decoyPasswordHash } from './modules/auth/passwords.ts';
import { createLoginService, type LoggedIn } from './modules/auth/login.service.ts';
import { createTokenIssuer } from './modules/auth/tokens.ts';
import { createUserLookup } from './modules/auth/user-lookup.ts';
import { createLocationsService } from './modules/locations/locations.service.ts';
import { createModelsService } from './modules/models/models.service.ts';
import { createReadingsIngestApiService } from './modules/readings/ingest/readings-ingest-api.service.ts';
import { createReadingsIngest } from './modules/readings/ingest/readings-ingest.service.ts';
import { readingsExportModule } from './modules/readings/query/readings-export.service.ts';
import { createPartitionsService } from './modules/readings/partitions/partitions.service.ts';
import { readingsQueryModule } from './modules/readings/query/index.ts';
import { readingsJobs } from './modules/readings/readings.jobs.ts';
import { createDtbaseReadingsService } from './modules/readings/readings.service.ts';
import { createRetentionService } from './modules/readings/retention/retention.service.ts';
import { createRunDetailsService } from './modules/api/run-details.service.ts';
import { createSkillService } from './modules/skill/skill.service.ts';
import { createSensorDetailsService } from './modules/api/sensor-details.service.ts';
import { createSensorsService } from './modules/sensors/sensors.service.ts';
import { createServiceCaller, type CallService } from './modules/services/service-caller.ts';
import { createServicesService, type ServicesService } from './modules/services/services.service.ts';
import { createInProcessDispatcher, createWriteBack } from './modules/services/in-process.ts';
import { placeholderSeries } from './modules/services/placeholder-series.ts';
import { SERVICE_RUN_JOB, servicesJobs } from './modules/services/services.jobs.ts';
import { createUsersService } from './modules/users/users.service.ts';
import { schedulesJobs } from './modules/schedules/schedules.jobs.ts';
import { createSchedulesService } from './modules/schedules/schedules.service.ts';
import { createMqttService } from './mqtt/mqtt.service.ts';
import { createAddressPolicy } from './outbound/address-policy.ts';
import { realtimeJobs } from './realtime/realtime.jobs.ts';
import { createStreamHub } from './realtime/stream-hub.ts';
import { createOutboundCaller } from './outbound/outbound-caller.ts';
import { measuredDatabase } from './observability/database-metrics.ts';
import { createMetrics, type Metrics } from './observability/metrics.ts';
import type { MetricsRecorder } from './observability/metrics-recorder.ts';

/** The current instant; tests move it. */
export type Clock = () => Date;

export interface ServicesDeps {
  db: Database;
  config: Config;
  events: Events;
  /** The resolved HS256 secret (from config, or the development secret). */
  jwtSecret: string;
  clock?: Clock;
  /** The outbound HTTP port of the service registry; the real caller unless a test swaps it. */
  callService?: CallService;
  /** Where the job runner and the audit log's writer report runs and failures, and the outbound caller refusals and failures. */
  log?: JobLog;
  /** The audit log's write batching (tests shorten it). */
  auditBuffer?: AuditServiceDeps['buffer'];
}

export function createServices(deps: ServicesDeps) {
  const { config, events } = deps;
  const clock = deps.clock ?? (() => new Date());
  // This server's metrics (GET /metrics): every service below talks to the database through
  // the measured wrapper, and gets the narrow recorder, never prom-client itself.
  const metrics: Metrics = createMetrics({ databasePoolSize: deps.db.engine === 'postgres' ? config.databasePoolSize : 1 });
  const db = measuredDatabase(deps.db, metrics.database);
  // What a service run returns is written through the app's own routes (in-process.ts); its
  // readings are counted as service_run rather than under the route they pass through.
  const writingBack = new AsyncLocalStorage<true>();
  const readingsMetrics: MetricsRecorder = {
    ...metrics.recorder,
    readingsIngested: (path, count) => metrics.recorder.readingsIngested(writingBack.getStore() ? 'service_run' : path, count),
  };

  const users = createUsersService({ db, events, clock });
  // The decoy hash behind unknown e-mails, computed now rather than at the first unknown login,
  // which would otherwise take two hashes' time. Here, not in the users service: the CLI builds
  // that service for one command and never checks a password.
  void decoyPasswordHash();
  const loginThrottle = createLoginThrottle({
    db,
    clock,
    settings: {
      maxFailuresPerAccount: config.loginMaxFailuresPerAccount,
      maxFailuresPerAddress: config.loginMaxFailuresPerAddress,
      windowSeconds: config.loginFailureWindowSeconds,
    },
  });
  const tokens = createTokenIssuer({
    secret: deps.jwtSecret,
    accessTokenSeconds: config.accessTokenSeconds,
    refreshGraceSeconds: config.refreshGraceSeconds,
    now: () => Math.floor(clock().getTime() / 1000),
  });
  const sessions = createSessionsService({ db, users, tokens, clock, ...(deps.log ? { log: deps.log } : {}) });
  // Each module asks only those before it: models -> sensors -> locations. The reverse checks
  // (a location or sensor still referenced) are the database's foreign keys.
  const locations = createLocationsService({ db, events });
  const sensors = createSensorsService({ db, events, locations });
  const models = createModelsService({ db, events, sensors });
  const apiKeys = createApiKeysService({
    db,
    events,
    now: clock,
    users,
    sensorExists: async (uid) => (await sensors.findSensor(uid)) !== undefined,
  });
  // Every call the server makes to an address a user chose goes through this one caller.
  const outbound = createOutboundCaller({
    policy: createAddressPolicy(config.serviceAllowedHosts),
    timeoutMs: config.serviceCallTimeoutMs,
    maxResponseBytes: config.serviceResponseLimitBytes,
    ...(deps.log ? { log: deps.log } : {}),
  });
  const partitions = createPartitionsService({ db });
  const ingest = createReadingsIngest({ db, events, monthlyPartitions: partitions });
  const readingsQuery = readingsQueryModule(db);

  // Late-bound to the app's own inject by buildApp: what services return is written through
  // the server's routes, as the run's actor (modules/services/in-process.ts).
  const inProcess = createInProcessDispatcher();
  const registry: ServicesService = createServicesService({
    db,
    events,
    clock,
    callService: deps.callService ?? createServiceCaller(outbound),
    series: placeholderSeries(db, readingsQuery),
    writeBack: createWriteBack({
      dispatcher: { post: (request) => writingBack.run(true, () => inProcess.post(request)) },
      tokens,
      findUser: (id) => users.findById(id),
      clock,
    }),
    enqueueRun: async (job, tx) => void (await jobs.enqueue(SERVICE_RUN_JOB, job, { tx })),
  });
  const retention = createRetentionService({ db, forgetPartitions: ingest.forgetPartitions });

  // Every write, login and refresh; written in batches, flushed when the app closes.
  const audit = createAuditService({
    db,
    clock,
    retentionDays: config.auditRetentionDays,
    ...(deps.log ? { log: deps.log } : {}),
    ...(deps.auditBuffer ? { buffer: deps.auditBuffer } : {}),
  });

  // Recurring and queued work, run on one replica at a time; main.ts starts and stops it.
  /** Which key (or key-backed token) a request carries, cached and kept in step by the events port. */
  const apiKeyLookup = createApiKeyLookup({
    keys: apiKeys,
    events,
    now: clock,
    onError: (error) => deps.log?.warn({ err: error }, 'recording the use of an API key failed'),
  });
  // An API key of that user given as the password logs in as the key (tokens with its scope).
  const logInWithKey = async (email: string, key: string): Promise<LoggedIn | undefined> => {
    const keyPrincipal = await apiKeyLookup.logIn(email, key);
    const owner = keyPrincipal && (await users.findByEmail(email));
    return owner ? { user: owner, keyPrincipal } : undefined;
  };

  const retentionEveryMs = config.retentionIntervalMinutes * 60_000;
  const readingsWork = readingsJobs({ retention, partitions, clock, retentionEveryMs });
  const sessionsWork = sessionsJobs({ sessions, clock });
  const auditWork = auditJobs({ audit, clock, retentionEveryMs });
  const throttleWork = loginThrottleJobs(loginThrottle);
  const realtimeWork = realtimeJobs({ db, clock, historyMinutes: config.streamHistoryMinutes });
  const servicesWork = servicesJobs({ registry: () => registry });
  const schedulesWork = schedulesJobs({
    db,
    registry,
    backoffMs: config.scheduleRetryBackoffSeconds * 1000,
    ...(deps.log ? { log: deps.log } : {}),
  });
  const jobs = createJobRunner({
    db,
    events,
    definitions: [
      ...readingsWork.definitions,
      ...sessionsWork.definitions,
      ...auditWork.definitions,
      ...throttleWork.definitions,
      ...realtimeWork.definitions,
      ...servicesWork.definitions,
      ...schedulesWork.definitions,
    ],
    sources: schedulesWork.sources,
    concurrency: config.jobsConcurrency,
    recurring: [
      ...readingsWork.recurring,
      ...sessionsWork.recurring,
      ...auditWork.recurring,
      ...throttleWork.recurring,
      ...realtimeWork.recurring,
    ],
    pollMs: config.jobsPollMs,
    leaseMs: config.jobsLeaseSeconds * 1000,
    historyDays: config.jobsHistoryDays,
    metrics: metrics.recorder,
    ...(deps.log ? { log: deps.log } : {}),
  });

  const mqtt = createMqttService({
    db,
    ingest,
    events,
    keys: apiKeyLookup,
    settings: config.mqtt,
    ...(deps.log ? { log: deps.log } : {}),
  });
  const streams = createStreamHub({
    db,
    events,
    heartbeatMs: config.streamHeartbeatSeconds * 1000,
    maxBufferedBytes: config.streamMaxBufferBytes,
    maxReadingsPerEvent: config.streamMaxReadingsPerEvent,
    now: () => clock().getTime(),
    ...(deps.log ? { onError: (error: unknown) => deps.log?.error({ err: error }, 'realtime stream failed') } : {}),
  });
  metrics.watch({
    streamSubscribers: () => streams.sizeByTransport(),
    mqtt: () => ({ enabled: mqtt.enabled, ...mqtt.stats() }),
  });

  return {
    clock,
    events,
    /** Prometheus metrics of this server (the registry, the recorders; GET /metrics serves them). */
    metrics,
    /** Readiness: whether the database answers. */
    ping: async () => void (await db.query('SELECT 1')),
    users,
    /** Who a token's subject is, cached and kept in step with user changes by the events port. */
    userLookup: createUserLookup({ users, events }),
    /** Logins (a password, or an API key as the password), throttled per account and per address across replicas. */
    login: createLoginService({ authenticate: users.authenticate, logInWithKey, throttle: loginThrottle }),
    loginThrottle,
    tokens,
    /** Login, refresh (rotation, reuse detection), logout: the one place token pairs are issued. */
    sessions,
    apiKeys,
    /** Which key (or key-backed token) a request carries, cached and kept in step by the events port. */
    apiKeyLookup,
    sensors,
    sensorDetails: createSensorDetailsService({ sensors, readings: readingsQuery }),
    locations,
    models,
    runDetails: createRunDetailsService({ models, readings: readingsQuery }),
    /** Forecast skill: runs' outputs scored against the observations of their sensor measures. */
    skill: createSkillService({ db, models }),
    registry,
    /** The in-process dispatcher that buildApp binds to its own inject (services' returned data is written through it). */
    inProcess,
    /** Cron schedules of services, run on the job runner. */
    schedules: createSchedulesService({ db, events, registry, jobs, clock }),
    readings: {
      ingest,
      ingestApi: createReadingsIngestApiService({ db, ingest, bodyLimitBytes: config.bodyLimitBytes, metrics: readingsMetrics }),
      dtbase: createDtbaseReadingsService({ db, ingest, metrics: readingsMetrics }),
      query: readingsQuery,
      export: readingsExportModule(db),
      retention,
      partitions,
    },
    /** The audit log: recorded by the app's audit hooks, read by admins, pruned by its job. */
    audit,
    /** Backups of the whole database taken by this process (GET /api/v1/backup). */
    backup: createBackupService({ db, databaseUrl: config.databaseUrl }),
    /** The job runner: start/stop (main.ts), enqueue, and the run history (read-only). */
    jobs,
    /** MQTT ingest (bridge or embedded broker): main.ts starts and stops it; GET /api/v1/mqtt reads its counters. */
    mqtt,
    /** The guarded caller of user-chosen addresses (address policy, redirects, deadline, size cap). */
    outbound,
    /** Realtime streams' fan-out, fed by the events port; the app closes it when it closes. */
    streams,
  };
}

export type Services = ReturnType<typeof createServices>;
