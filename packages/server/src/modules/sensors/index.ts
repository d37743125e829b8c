export type {
  MeasureRow,
  SensorDetails,
  SensorLocationRow,
  SensorRow,
  SensorsService,
  SensorTypeWithMeasures,
} from './sensors.service.ts';
