/**
 * The composition root: every service of Mirrorbase is built here, once, from the database,
 * the config, a clock and the ports (events, outbound calls). Route layers, the CLI and the
 * process entry receive what they need from the object this returns; none of them builds a
 * service or holds `db` itself.
 */
import type { Config } from './config.ts';
import type { Database } from './db/database.ts';
import type { Events } from './events/events.ts';
import { createJobRunner, type JobLog } from './jobs/job-runner.ts';
import { createLoginThrottle, loginThrottleJobs } from './modules/auth/login-throttle.ts';
import { createLoginService } from './modules/auth/login.service.ts';
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
import { createSensorDetailsService } from './modules/api/sensor-details.service.ts';
import { createSensorsService } from './modules/sensors/sensors.service.ts';
import { createServiceCaller, type CallService } from './modules/services/service-caller.ts';
import { createServicesService } from './modules/services/services.service.ts';
import { createUsersService } from './modules/users/users.service.ts';

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
  /** Where the job runner reports runs and failures. */
  log?: JobLog;
}

export function createServices(deps: ServicesDeps) {
  const { db, config, events } = deps;
  const clock = deps.clock ?? (() => new Date());

  const users = createUsersService({ db, events });
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
  // Each module asks only those before it: models -> sensors -> locations. The reverse checks
  // (a location or sensor still referenced) are the database's foreign keys.
  const locations = createLocationsService({ db, events });
  const sensors = createSensorsService({ db, events, locations });
  const models = createModelsService({ db, events, sensors });
  const registry = createServicesService({
    db,
    events,
    clock,
    callService: deps.callService ?? createServiceCaller({ timeoutMs: config.serviceCallTimeoutMs }),
  });

  const partitions = createPartitionsService({ db });
  const ingest = createReadingsIngest({ db, events, monthlyPartitions: partitions });
  const readingsQuery = readingsQueryModule(db);
  const retention = createRetentionService({ db, forgetPartitions: ingest.forgetPartitions });

  // Recurring and queued work, run on one replica at a time; main.ts starts and stops it.
  const readingsWork = readingsJobs({ retention, partitions, clock, retentionEveryMs: config.retentionIntervalMinutes * 60_000 });
  const throttleWork = loginThrottleJobs(loginThrottle);
  const jobs = createJobRunner({
    db,
    events,
    definitions: [...readingsWork.definitions, ...throttleWork.definitions],
    recurring: [...readingsWork.recurring, ...throttleWork.recurring],
    pollMs: config.jobsPollMs,
    leaseMs: config.jobsLeaseSeconds * 1000,
    historyDays: config.jobsHistoryDays,
    ...(deps.log ? { log: deps.log } : {}),
  });

  return {
    clock,
    events,
    /** Readiness: whether the database answers. */
    ping: async () => void (await db.query('SELECT 1')),
    users,
    /** Who a token's subject is, cached and kept in step with user changes by the events port. */
    userLookup: createUserLookup({ users, events }),
    /** Password logins, throttled per account and per address across replicas. */
    login: createLoginService({ authenticate: users.authenticate, throttle: loginThrottle }),
    loginThrottle,
    tokens,
    sensors,
    sensorDetails: createSensorDetailsService({ sensors, readings: readingsQuery }),
    locations,
    models,
    runDetails: createRunDetailsService({ models, readings: readingsQuery }),
    registry,
    readings: {
      ingest,
      ingestApi: createReadingsIngestApiService({ db, ingest, bodyLimitBytes: config.bodyLimitBytes }),
      dtbase: createDtbaseReadingsService({ db, ingest }),
      query: readingsQuery,
      export: readingsExportModule(db),
      retention,
      partitions,
    },
    /** The job runner: start/stop (main.ts), enqueue, and the run history (read-only). */
    jobs,
  };
}

export type Services = ReturnType<typeof createServices>;
