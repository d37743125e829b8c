import type { Database } from '../../db/database.ts';
import { createSensorsService } from './sensors.service.ts';

/** The sensor metadata service (types, measures, sensors, installations), for the DTBase routes and the resource API. */
export function sensorsModule(db: Database) {
  return createSensorsService({ db });
}

export type {
  MeasureRow,
  SensorDetails,
  SensorLocationRow,
  SensorRow,
  SensorsService,
  SensorTypeWithMeasures,
} from './sensors.service.ts';
