import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { brotliCompressSync, constants as zlibConstants, gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * Paths that belong to the API (DTBase's and the resource API), the docs and the probes: a GET
 * there that matches no route is the API's 404 (or 405), never the web app's page.
 */
const SERVER_PREFIXES = [
  '/api',
  '/auth',
  '/user',
  '/sensor',
  '/location',
  '/model',
  '/service',
  '/docs',
  '/healthz',
  '/readyz',
  '/metrics',
];

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webmanifest': 'application/manifest+json',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.json', '.svg', '.txt', '.webmanifest']);

/** Vite names every built asset after its content's hash: such a file never changes under its name. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** index.html names the current assets: the browser checks it every time (cheap, by ETag). */
const REVALIDATE = 'no-cache';

interface WebFile {
  body: Buffer;
  gzip?: Buffer;
  br?: Buffer;
  contentType: string;
  cacheControl: string;
  etag: string;
}

/** The web build's own compressed copy of `file` (`.br`, `.gz` beside it), unless older than the file. */
function precompressed(file: string, suffix: '.br' | '.gz'): Buffer | undefined {
  try {
    return statSync(file + suffix).mtimeMs >= statSync(file).mtimeMs ? readFileSync(file + suffix) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The built files, read once at start: a few hundred kilobytes that every page load asks for,
 * so they are answered from memory, compressed as the browser accepts. The web build writes the
 * compressed copies (brotli at its best quality costs seconds of CPU, which a start must not
 * spend: a container is expected ready within 3 s); files without them are compressed here.
 */
function loadWebFiles(root: string): Map<string, WebFile> {
  const files = new Map<string, WebFile>();
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || entry.name.startsWith('.')) continue; // .build-signature is the build's, not the browser's
    if (/\.(br|gz)$/.test(entry.name)) continue; // a compressed copy, served in place of its original
    const file = path.join(entry.parentPath, entry.name);
    const urlPath = `/${path.relative(root, file).split(path.sep).join('/')}`;
    const ext = path.extname(file).toLowerCase();
    const body = readFileSync(file);
    const compress = COMPRESSIBLE.has(ext) && body.length > 1024;
    files.set(urlPath, {
      body,
      ...(compress
        ? {
            gzip: precompressed(file, '.gz') ?? gzipSync(body, { level: 9 }),
            br: precompressed(file, '.br') ?? brotliCompressSync(body, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 11 } }),
          }
        : {}),
      contentType: CONTENT_TYPES[ext] ?? 'application/octet-stream',
      cacheControl: urlPath.startsWith('/assets/') ? IMMUTABLE : REVALIDATE,
      etag: `"${createHash('sha1').update(body).digest('base64url')}"`,
    });
  }
  return files;
}

/** A browser's navigation asks for text/html by name; fetch, curl and HTTP libraries do not. */
function acceptsHtml(request: FastifyRequest): boolean {
  return /\btext\/html\b/.test(String(request.headers.accept ?? ''));
}

function isServerPath(urlPath: string): boolean {
  return SERVER_PREFIXES.some((prefix) => urlPath === prefix || urlPath.startsWith(`${prefix}/`));
}

function send(request: FastifyRequest, reply: FastifyReply, file: WebFile) {
  reply.header('content-type', file.contentType).header('cache-control', file.cacheControl).header('etag', file.etag);
  reply.header('vary', 'accept-encoding');
  if (request.headers['if-none-match'] === file.etag) return reply.status(304).send();
  const accepted = String(request.headers['accept-encoding'] ?? '');
  if (file.br && /\bbr\b/.test(accepted)) return reply.header('content-encoding', 'br').send(file.br);
  if (file.gzip && /\bgzip\b/.test(accepted)) return reply.header('content-encoding', 'gzip').send(file.gzip);
  return reply.send(file.body);
}

/**
 * Serves the web app (packages/web, built into `root`) at /: its files by path, and index.html
 * for / and any other page path a browser asks for, so that a deep link (/sensors/abc) or a
 * reload opens the app, whose router then shows the page. API paths, and requests that do not
 * ask for HTML, keep the API's own 404 and 405 answers.
 *
 * Registered at the root, outside the authenticated scope: the page and its scripts are public;
 * every piece of data the app shows comes from the API, which checks each request.
 */
export function registerWebApp(app: FastifyInstance, root: string): boolean {
  if (!existsSync(path.join(root, 'index.html'))) {
    app.log.warn({ root }, 'the web app is not built (npm run build -w @mirrorbase/web): / serves nothing');
    return false;
  }
  const files = loadWebFiles(root);
  const index = files.get('/index.html')!;
  app.get('/*', { config: { access: 'public' }, schema: { hide: true } }, async (request, reply) => {
    let urlPath: string;
    try {
      urlPath = decodeURIComponent(request.url.split('?')[0]);
    } catch {
      return reply.callNotFound(); // a malformed escape names no file and no page
    }
    if (isServerPath(urlPath)) return reply.callNotFound();
    const file = urlPath === '/' ? undefined : files.get(urlPath);
    if (file) return send(request, reply, file);
    // A page of the app's router (no file extension in its last segment), asked for by a
    // browser. An API client asking for a path that is not there (Accept: application/json or
    // */*) gets the API's JSON 404, as DTBase's FastAPI answers it.
    if (!path.posix.basename(urlPath).includes('.') && acceptsHtml(request)) return send(request, reply, index);
    return reply.callNotFound();
  });
  return true;
}
