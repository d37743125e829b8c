/**
 * One process at a time owns a data folder of the embedded database: PGlite keeps the database
 * in memory and writes it back, so a second process on the same folder works on a copy that
 * one of them later overwrites (a `mirrorbase user add` while the server runs "succeeded", and
 * was lost). The owner holds `mirrorbase.lock` in the folder, naming itself.
 *
 * - Creating the lock is exclusive: the owner's description is written to a file of its own and
 *   hard-linked to the lock's name, which fails when the name exists. Of any number of processes
 *   starting at once exactly one succeeds, and the lock never exists half-written.
 * - A lock whose owner is gone (a crash, a SIGKILL) is stale and is taken over. Whether the
 *   owner lives is asked of the system when its process id means something here (same machine
 *   boot and process-id namespace, and the same process start time, so a recycled id is not
 *   mistaken for the owner); otherwise (another container or host sharing the folder) the owner
 *   counts as gone once it has not refreshed the lock for HEARTBEAT_STALE_MS.
 * - Removing a stale lock happens under a second exclusive file (`mirrorbase.lock.takeover`),
 *   after checking again that the lock is still the stale one: two processes that find the same
 *   stale lock can never remove the lock the first of them has just created.
 */
import { randomUUID } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, readlinkSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const LOCK_FILE_NAME = 'mirrorbase.lock';
const HEARTBEAT_MS = 10_000;
/** Generous: PGlite runs queries on the main thread, so a long one delays the heartbeat. */
const HEARTBEAT_STALE_MS = 120_000;
/** A takeover holds its file for microseconds; one this old was left by a crash. */
const TAKEOVER_STALE_MS = 10_000;
const MAX_ATTEMPTS = 100;

export class DataDirInUseError extends Error {}

interface LockOwner {
  pid: number;
  /** What the owner is, for the message: "mirrorbase serve". */
  command: string;
  host: string;
  /** Where `pid` means something: machine boot and process-id namespace (Linux), else the host name. */
  scope: string;
  /** The owner's start time in clock ticks since boot (Linux), to tell it from a recycled pid. */
  startTicks?: string;
  nonce: string;
  since: string;
}

export interface DataDirLock {
  readonly path: string;
  /** Removes the lock if it is still ours. Idempotent, synchronous (also runs at process exit). */
  release(): void;
}

function readProc(file: string): string | undefined {
  try {
    return file.startsWith('/proc/self/ns/') ? readlinkSync(file) : readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Field 22 of /proc/PID/stat; the command name before it may hold spaces and parentheses. */
function startTicks(pid: number | 'self'): string | undefined {
  const stat = readProc(`/proc/${pid}/stat`);
  return stat?.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
}

function currentScope(): string {
  const bootId = readProc('/proc/sys/kernel/random/boot_id');
  const pidNamespace = readProc('/proc/self/ns/pid');
  return bootId && pidNamespace ? `linux:${bootId}:${pidNamespace}` : `host:${os.hostname()}`;
}

function processLives(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, someone else's
  }
}

/** Whether the lock's owner may still be running. */
function ownerLives(owner: LockOwner, file: string, scope: string): boolean {
  if (owner.scope !== scope) return ageMs(file) < HEARTBEAT_STALE_MS;
  if (owner.pid === process.pid) return false; // our pid, not us: an earlier process that had it
  if (!processLives(owner.pid)) return false;
  const ticks = owner.startTicks && startTicks(owner.pid);
  return !(ticks && ticks !== owner.startTicks);
}

function ageMs(file: string): number {
  try {
    return Date.now() - statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

/** The owner named in a lock file; undefined when it is gone, 'unreadable' when it is not ours. */
function readOwner(file: string): LockOwner | undefined | 'unreadable' {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const owner = JSON.parse(text) as LockOwner;
    return Number.isInteger(owner.pid) && typeof owner.nonce === 'string' ? owner : 'unreadable';
  } catch {
    return 'unreadable';
  }
}

function exclusiveLink(from: string, to: string): boolean {
  try {
    linkSync(from, to);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

function removeIfExists(file: string) {
  try {
    unlinkSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/** "./.mirrorbase" when the folder is under the working directory, its absolute path otherwise. */
function shown(dir: string): string {
  const relative = path.relative(process.cwd(), dir);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? `./${relative}` : dir;
}

const held = new Set<string>();

/**
 * Makes this process the owner of `dataDir`, or throws DataDirInUseError with a one-line
 * message naming the owner.
 */
export async function lockDataDir(dataDir: string, command: string): Promise<DataDirLock> {
  const lockPath = path.join(path.resolve(dataDir), LOCK_FILE_NAME);
  if (held.has(lockPath)) throw new DataDirInUseError(`the data folder ${shown(dataDir)} is already open in this process`);
  mkdirSync(dataDir, { recursive: true });

  const scope = currentScope();
  const me: LockOwner = {
    pid: process.pid,
    command,
    host: os.hostname(),
    scope,
    ...(startTicks('self') ? { startTicks: startTicks('self') } : {}),
    nonce: randomUUID(),
    since: new Date().toISOString(),
  };
  const mine = `${lockPath}.${me.nonce}`;
  writeFileSync(mine, `${JSON.stringify(me)}\n`, { mode: 0o644 });
  try {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (exclusiveLink(mine, lockPath)) return ownLock(lockPath, me);
      const owner = readOwner(lockPath);
      if (owner === undefined) continue; // released meanwhile: try again
      if (owner === 'unreadable') {
        throw new DataDirInUseError(
          `the data folder ${shown(dataDir)} has a lock file Mirrorbase did not write (${lockPath}); delete it if no other program uses the folder`,
        );
      }
      if (ownerLives(owner, lockPath, scope)) {
        const where = owner.scope === scope ? '' : ` on ${owner.host}`;
        throw new DataDirInUseError(
          `the data folder ${shown(dataDir)} is in use by process ${owner.pid}${where} (${owner.command}); stop it, or use DATABASE_URL`,
        );
      }
      await removeStaleLock(lockPath, owner, mine, scope);
    }
    throw new DataDirInUseError(`could not lock the data folder ${shown(dataDir)}: too many processes are starting on it at once`);
  } finally {
    removeIfExists(mine);
  }
}

/** Removes `stale` from `lockPath` unless it changed meanwhile; see the module comment. */
async function removeStaleLock(lockPath: string, stale: LockOwner, mine: string, scope: string) {
  const takeover = `${lockPath}.takeover`;
  if (!exclusiveLink(mine, takeover)) {
    const other = readOwner(takeover);
    const abandoned =
      other === 'unreadable' ||
      ageMs(takeover) > TAKEOVER_STALE_MS ||
      (other !== undefined && other.scope === scope && !processLives(other.pid));
    if (abandoned) removeIfExists(takeover);
    else await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 40));
    return;
  }
  try {
    const current = readOwner(lockPath);
    if (current !== undefined && current !== 'unreadable' && current.nonce === stale.nonce) removeIfExists(lockPath);
  } finally {
    removeIfExists(takeover);
  }
}

function ownLock(lockPath: string, me: LockOwner): DataDirLock {
  held.add(lockPath);
  const stillMine = () => {
    const owner = readOwner(lockPath);
    return owner !== undefined && owner !== 'unreadable' && owner.nonce === me.nonce;
  };
  // Owners elsewhere (another container on the same folder) judge us by this.
  const heartbeat = setInterval(() => {
    try {
      if (stillMine()) utimesSync(lockPath, new Date(), new Date());
    } catch {
      // the folder went away; nothing to refresh
    }
  }, HEARTBEAT_MS).unref();
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    clearInterval(heartbeat);
    process.removeListener('exit', release);
    held.delete(lockPath);
    try {
      if (stillMine()) unlinkSync(lockPath);
    } catch {
      // already gone
    }
  };
  // A process that exits without closing the database (process.exit on a fatal error) still
  // leaves the folder free; only a kill leaves a stale lock, taken over at the next start.
  process.once('exit', release);
  return { path: lockPath, release };
}
