import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** The tests drive the built app as the server serves it: build it from the current sources first (about 2 s). */
export default async function buildWeb() {
  const webDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
  const vite = path.join(webDir, 'node_modules', '.bin', 'vite');
  const bin = (await import('node:fs')).existsSync(vite) ? vite : path.join(webDir, '..', '..', 'node_modules', '.bin', 'vite');
  await promisify(execFile)(bin, ['build', '--logLevel', 'warn'], { cwd: webDir });
}
