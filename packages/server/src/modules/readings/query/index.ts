import type { Database } from '../../../db/database.ts';
import { resolveSeries } from '../series.ts';
import { readingsQueryRepository } from './readings-query.repository.ts';
import { downsampleRepository } from './downsample.repository.ts';
import { readingsExportRepository } from './readings-export.repository.ts';
import { createReadingsQueryService, type ReadingsQueryDeps } from './readings-query.service.ts';

/** Wires the read side of the readings module to a database. */
export function readingsQueryModule(db: Database, options: Pick<ReadingsQueryDeps, 'rawPointsCap' | 'pageRows' | 'spool'> = {}) {
  return createReadingsQueryService({
    resolveSeries: (lookup) => resolveSeries(db, lookup),
    reads: readingsQueryRepository(db),
    downsample: downsampleRepository(db),
    exports: readingsExportRepository(db),
    ...options,
  });
}
