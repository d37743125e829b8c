import { AppError } from '../../../errors.ts';
import { mayWriteSensor, type Principal } from '../../auth/permissions.ts';
import { clipText } from '../../shared/preview.ts';

/**
 * Throws a 403 unless the caller may write readings of this sensor. Every ingest path asks it
 * for each sensor a request names, before the sensor is even looked up (a device key learns
 * nothing about sensors that are not its own) and before anything is committed: a request
 * naming one foreign sensor, however late in a streamed body, stores nothing.
 */
export type SensorWriteCheck = (sensorUid: string) => void;

export function sensorWriteCheck(principal: Principal): SensorWriteCheck {
  return (sensorUid) => {
    if (mayWriteSensor(principal, sensorUid)) return;
    const key = principal.apiKey;
    throw new AppError(
      'FORBIDDEN',
      key?.sensors
        ? `This API key (${key.name}) may write readings only of its own sensors, not of ${JSON.stringify(clipText(sensorUid))}`
        : 'Writing readings needs the permission readings:write',
    );
  };
}
