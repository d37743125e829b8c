#!/usr/bin/env node
/**
 * Builds the web app into the server's static root when its sources changed since the last
 * build (`--if-stale`), or always. `npm install` builds it (the root's `prepare`); the server's
 * `mirrorbase serve` calls this in a source checkout, so that `git pull && npm start` never
 * serves a stale app. Plain JavaScript: it runs before anything is compiled.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants as zlibConstants, gzipSync } from 'node:zlib';

const WEB_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.resolve(WEB_DIR, '..', 'server', 'public');
// A dotfile: the server does not serve it.
const STAMP = path.join(OUT, '.build-signature');
const INPUTS = ['src', 'public', 'index.html', 'vite.config.ts', 'package.json', path.join('..', 'sdk', 'dist')];

/** Path, size and modification time of every input file: any edit, addition or removal changes it. */
function sourceSignature() {
  const hash = createHash('sha256');
  const files = [];
  for (const input of INPUTS) {
    const full = path.join(WEB_DIR, input);
    if (!existsSync(full)) continue;
    if (statSync(full).isDirectory()) {
      for (const entry of readdirSync(full, { recursive: true, withFileTypes: true })) {
        if (entry.isFile()) files.push(path.join(entry.parentPath, entry.name));
      }
    } else files.push(full);
  }
  for (const file of files.sort()) {
    const { size, mtimeMs } = statSync(file);
    hash.update(`${path.relative(WEB_DIR, file)}\0${size}\0${mtimeMs}\n`);
  }
  return hash.digest('hex');
}

/** Why the app must be (re)built, or undefined when the build matches the sources. */
export function webStaleReason() {
  if (!existsSync(path.join(WEB_DIR, 'src'))) return undefined;
  try {
    return readFileSync(STAMP, 'utf8').trim() === sourceSignature() ? undefined : 'the web app changed since the last build';
  } catch {
    return 'the web app is not built yet';
  }
}

/** The files the server sends compressed (its src/http/web-app.ts: these types, over 1 KB). */
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.json', '.svg', '.txt', '.webmanifest']);

/**
 * Writes `<file>.br` and `<file>.gz` beside each compressible file, at the best levels: done
 * here once rather than by the server at every start, where it cost seconds of CPU.
 */
function precompress() {
  for (const entry of readdirSync(OUT, { recursive: true, withFileTypes: true })) {
    const file = path.join(entry.parentPath, entry.name);
    if (!entry.isFile() || !COMPRESSIBLE.has(path.extname(file).toLowerCase())) continue;
    const body = readFileSync(file);
    if (body.length <= 1024) continue;
    writeFileSync(`${file}.gz`, gzipSync(body, { level: 9 }));
    writeFileSync(`${file}.br`, brotliCompressSync(body, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 11 } }));
  }
}

/** Builds with Vite (a development dependency: absent from a production install, where the build ships). */
export function buildWeb() {
  const signature = sourceSignature();
  const viteDir = path.dirname(createRequire(path.join(WEB_DIR, 'package.json')).resolve('vite/package.json'));
  const vite = path.join(viteDir, 'bin', 'vite.js');
  // NODE_ENV=production whoever calls (vitest's global setup runs with NODE_ENV=test, which would
  // build React's development version into the app the tests and the benchmark measure).
  execFileSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], {
    cwd: WEB_DIR,
    stdio: ['ignore', 2, 2],
    env: { ...process.env, NODE_ENV: 'production' },
  });
  precompress();
  writeFileSync(STAMP, `${signature}\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (!process.argv.includes('--if-stale') || webStaleReason()) buildWeb();
}
