#!/usr/bin/env node
/**
 * Builds the server into dist/: our TypeScript sources bundled by esbuild into ES modules (the
 * packages stay in node_modules), with the SQL migrations beside them, so a start loads
 * JavaScript and never transpiles. It runs at install (the root package's `prepare`) and, in a
 * source checkout, from bin/mirrorbase.js whenever the sources differ from what was built.
 *
 * Plain JavaScript on purpose: it must run before anything is compiled.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SERVER_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SRC = path.join(SERVER_DIR, 'src');
export const DIST = path.join(SERVER_DIR, 'dist');
const STAMP = path.join(DIST, '.build-signature');
const LOCK = path.join(SERVER_DIR, '.build.lock');

/**
 * What the build depends on, cheaply: path, size and modification time of every source file
 * (tests excluded), of package.json and of this script. Any edit, addition or removal changes it.
 */
function sourceSignature() {
  const hash = createHash('sha256');
  const files = readdirSync(SRC, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && !entry.name.endsWith('.test.ts'))
    .map((entry) => path.join(entry.parentPath ?? entry.path, entry.name));
  files.push(path.join(SERVER_DIR, 'package.json'), fileURLToPath(import.meta.url));
  for (const file of files.sort()) {
    const { size, mtimeMs } = statSync(file);
    hash.update(`${path.relative(SERVER_DIR, file)}\0${size}\0${mtimeMs}\n`);
  }
  return hash.digest('hex');
}

/** Why dist/ must be (re)built, or undefined when it matches the sources. */
export function staleReason() {
  if (!existsSync(SRC)) return undefined; // an installed build without its sources
  let built;
  try {
    built = readFileSync(STAMP, 'utf8').trim();
  } catch {
    return 'there is no build yet';
  }
  return built === sourceSignature() ? undefined : 'the sources changed since the last build';
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/**
 * One build at a time per checkout (two commands started together after a `git pull` both find
 * the build stale): the lock file is created exclusively; the others wait for it to go, then
 * find the build fresh. A lock left by a dead process is removed.
 */
async function withBuildLock(fn) {
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      writeFileSync(LOCK, String(process.pid), { flag: 'wx' });
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(LOCK, 'utf8').trim() || 'NaN');
      if (Number.isInteger(holder) && !isAlive(holder)) {
        rmSync(LOCK, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`another build (process ${holder}) holds ${LOCK}`);
      await sleep(100);
    }
  }
  try {
    return await fn();
  } finally {
    unlinkSync(LOCK);
  }
}

/**
 * Builds into a fresh folder and swaps it in, so a process starting meanwhile finds either the
 * old build or the new one, never half of one.
 */
export async function buildServer({ force = false } = {}) {
  return withBuildLock(async () => {
    if (!force && !staleReason()) return false; // built by whoever held the lock before us
    const { build } = await import('esbuild');
    const signature = sourceSignature();
    const staging = `${DIST}.tmp-${process.pid}`;
    rmSync(staging, { recursive: true, force: true });
    await build({
      entryPoints: { mirrorbase: path.join(SRC, 'cli', 'main.ts') },
      outdir: staging,
      bundle: true,
      packages: 'external',
      platform: 'node',
      format: 'esm',
      target: 'node20.19',
      // Modules imported only when needed (PGlite, the import and export commands) become chunks
      // of their own. Every file stays at the top of dist/: src/db/migrate.ts finds the migrations
      // beside the module it is bundled into (dist/migrations), and src/version.ts reads
      // ../package.json from there.
      splitting: true,
      entryNames: '[name]',
      chunkNames: '[name]-[hash]',
      sourcemap: 'linked',
      logLevel: 'warning',
    });
    mkdirSync(path.join(staging, 'migrations'));
    for (const file of readdirSync(path.join(SRC, 'db', 'migrations')).filter((f) => f.endsWith('.sql'))) {
      cpSync(path.join(SRC, 'db', 'migrations', file), path.join(staging, 'migrations', file));
    }
    writeFileSync(path.join(staging, '.build-signature'), `${signature}\n`);
    const old = `${DIST}.old-${process.pid}`;
    if (existsSync(DIST)) renameSync(DIST, old);
    renameSync(staging, DIST);
    rmSync(old, { recursive: true, force: true });
    return true;
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  const force = !process.argv.includes('--if-stale');
  try {
    if (await buildServer({ force })) {
      process.stderr.write(
        `mirrorbase: built ${path.relative(process.cwd(), DIST) || DIST} in ${Math.round(performance.now() - started)} ms\n`,
      );
    }
  } catch (error) {
    process.stderr.write(`mirrorbase: the build failed: ${error.message}\n`);
    process.exit(1);
  }
}
