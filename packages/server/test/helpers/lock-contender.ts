// A process that tries to own a data folder, for the lock tests: node --import tsx lock-contender.ts DIR START_AT_MS HOLD_MS
// It waits until START_AT_MS (so that several start at the same moment), tries, prints the outcome
// as one line, holds the lock HOLD_MS, and releases it.
import { lockDataDir } from '../../src/db/data-dir-lock.ts';

const [dir, startAt, holdMs] = process.argv.slice(2);
await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(startAt) - Date.now())));
try {
  const lock = await lockDataDir(dir, 'lock contender');
  console.log('acquired');
  await new Promise((resolve) => setTimeout(resolve, Number(holdMs)));
  lock.release();
} catch (error) {
  console.log(`refused: ${(error as Error).message}`);
}
