/**
 * PostgreSQL's own client tools (pg_dump, pg_restore, psql) for backups of a PostgreSQL server:
 * they know every object kind and version quirk, which no dump of our own would.
 */
import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

export const PG_TOOLS_HINT =
  'install PostgreSQL client tools of the server version or newer (Debian/Ubuntu: apt-get install postgresql-client; ' +
  'macOS: brew install libpq); the Mirrorbase image carries them';

/** A missing tool or a tool that failed: one line, with its last complaint. */
export class PgToolError extends Error {}

/**
 * The URL without its password, and the password in PGPASSWORD: a password on the command line
 * would be visible to every user of the machine in the process list.
 */
export function toolConnection(databaseUrl: string): { url: string; env: NodeJS.ProcessEnv } {
  const parsed = new URL(databaseUrl);
  const password = decodeURIComponent(parsed.password);
  parsed.password = '';
  return { url: parsed.toString(), env: { ...process.env, ...(password ? { PGPASSWORD: password } : {}) } };
}

export interface ToolRun {
  stdout: Readable;
  stdin: Writable;
  /** Resolves when the tool exits 0; rejects with its last stderr line otherwise. */
  done: Promise<void>;
}

/** Starts a tool; a missing binary becomes a PgToolError that says how to get it. */
export function runTool(tool: 'pg_dump' | 'pg_restore' | 'psql', args: string[], env: NodeJS.ProcessEnv): ToolRun {
  const child = spawn(tool, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });
  // A tool that exits early closes its stdin; the writer's EPIPE is reported through `done`.
  child.stdin.on('error', () => {});
  const done = new Promise<void>((resolve, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'ENOENT' ? new PgToolError(`${tool} is not installed: ${PG_TOOLS_HINT}`) : error);
    });
    child.once('close', (code, signal) => {
      if (code === 0) return resolve();
      const last = stderr.trim().split('\n').filter(Boolean).slice(-2).join('; ');
      reject(new PgToolError(`${tool} failed (${signal ?? `exit code ${code}`})${last ? `: ${last}` : ''}`));
    });
  });
  return { stdout: child.stdout, stdin: child.stdin, done };
}
