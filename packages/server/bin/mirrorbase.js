#!/usr/bin/env node
// Runs the compiled server in dist/ (built at `npm install` by scripts/build.mjs). In a source
// checkout, a build that no longer matches the sources is rebuilt first (esbuild, about a
// second, in a child process so its memory never lands in the server), so that `git pull &&
// npm start` never runs stale code.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { staleReason } from '../scripts/build.mjs';

const reason = staleReason();
if (reason) {
  process.stderr.write(`mirrorbase: building (${reason})\n`);
  try {
    const script = fileURLToPath(new URL('../scripts/build.mjs', import.meta.url));
    // The build's own messages go to stderr: stdout may be the CSV of `mirrorbase export`.
    execFileSync(process.execPath, [script, '--if-stale'], { stdio: ['ignore', 2, 2] });
  } catch {
    process.exit(1);
  }
}

const { runCli } = await import('../dist/mirrorbase.js');
const code = await runCli(process.argv.slice(2));
if (code >= 0) process.exit(code);
