import type { Database } from '../../db/database.ts';
import { createEvents, type Events } from '../../events/events.ts';
import { createJobRunner } from '../../jobs/job-runner.ts';
import { servicesModule } from '../services/index.ts';
import { schedulesJobs } from './schedules.jobs.ts';
import { createSchedulesService } from './schedules.service.ts';

export type { SchedulesService, ScheduleRow } from './schedules.service.ts';

/**
 * The schedules service on its own, for the CLI (the server builds it in services.ts). Changes
 * are published as the server's are, so running servers plan a new beat at once; a run asked
 * for here is enqueued for whichever server's job runner claims it first (none runs here).
 */
export function schedulesModule(db: Database, events: Events = createEvents({ db })) {
  const clock = () => new Date();
  // The CLI never calls a service: lookups only, so nothing is called, read or written back here.
  const registry = servicesModule(db, events);
  const work = schedulesJobs({ db, registry, backoffMs: 30_000 });
  const jobs = createJobRunner({ db, events, definitions: work.definitions, pollMs: 0 });
  return createSchedulesService({ db, events, registry, jobs, clock });
}
