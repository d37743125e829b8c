#!/usr/bin/env node
// Runs the compiled server in dist/ (built at `npm install` by scripts/build.mjs). In a source
// checkout, a build that no longer matches the sources is rebuilt first (esbuild, about a
// second, in a child process so its memory never lands in the server), so that `git pull &&
// npm start` never runs stale code.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
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

// `serve` in a source checkout: the web app it serves is rebuilt too when its sources changed.
if (process.argv[2] === 'serve' || process.argv[2] === undefined) {
  const webBuild = new URL('../../web/scripts/build.mjs', import.meta.url);
  if (existsSync(webBuild)) {
    const { webStaleReason } = await import(webBuild.href);
    const webReason = webStaleReason();
    if (webReason) {
      process.stderr.write(`mirrorbase: building the web app (${webReason})\n`);
      try {
        execFileSync(process.execPath, [fileURLToPath(webBuild)], { stdio: ['ignore', 2, 2] });
      } catch {
        process.stderr.write('mirrorbase: the web app could not be built; serving the API without it\n');
      }
    }
  }
}

const { runCli } = await import('../dist/mirrorbase.js');
const code = await runCli(process.argv.slice(2));
if (code >= 0) process.exit(code);
