export type {
  InstallationAtRow,
  MeasureRow,
  SensorDetails,
  SensorLocationRow,
  SensorRow,
  SensorsService,
  SensorTypeWithMeasures,
} from './sensors.service.ts';
