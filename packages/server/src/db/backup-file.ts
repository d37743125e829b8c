/**
 * The Mirrorbase backup file: an envelope around the engine's own dump, so that a restore can
 * tell, before it changes anything, that the file is ours, complete, undamaged and not from a
 * newer Mirrorbase.
 *
 *   magic (16 bytes) | header length (uint32, big-endian) | header (UTF-8 JSON) | payload |
 *   trailer magic (8 bytes) | SHA-256 of everything from the header length to the payload's end
 *
 * The payload is `pg_dump --format=custom` of a PostgreSQL database, or the gzipped tar of a PGlite data
 * directory (PGlite's dumpDataDir). The header says which, and how long the payload is, so a
 * truncated file is known by its size alone; the digest covers the header too, so a flipped byte
 * in the migration level is caught like one in the data.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';

/** PNG's trick: a high byte and CR LF / ^Z / LF catch a file mangled as text. */
const MAGIC = Buffer.from('\x89MIRRORBASE\r\n\x1a\n\0\0', 'latin1');
const TRAILER_MAGIC = Buffer.from('MBSHA256', 'latin1');
const DIGEST_BYTES = 32;
export const TRAILER_BYTES = TRAILER_MAGIC.length + DIGEST_BYTES;
/** A header is a few hundred bytes; anything near this is not ours. */
const MAX_HEADER_BYTES = 64 * 1024;
export const BACKUP_FORMAT_VERSION = 1;

export type BackupPayloadKind = 'pg_dump-custom' | 'pglite-datadir-tar-gz';

export interface BackupHeader {
  format: number;
  engine: 'postgres' | 'pglite';
  payload: BackupPayloadKind;
  /** The migrations applied to the database, in order: its schema level. */
  migrations: string[];
  createdAt: string;
  mirrorbaseVersion: string;
  payloadLength: number;
}

/** A file that is not a complete, undamaged Mirrorbase backup this version can read. */
export class BackupFileError extends Error {}

/**
 * Writes the envelope around `payload` (exactly `header.payloadLength` bytes) to `out`, with
 * backpressure: the payload streams through, never held whole.
 */
export async function writeBackup(
  header: BackupHeader,
  payload: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  out: NodeJS.WritableStream,
): Promise<void> {
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(headerBytes.length);
  const digest = createHash('sha256');
  const write = (chunk: Uint8Array) =>
    new Promise<void>((resolve, reject) => {
      // The callback reports a write error; 'drain' is waited for when the buffer is full.
      const ok = out.write(chunk, (error) => (error ? reject(error) : ok && resolve()));
      if (!ok) out.once('drain', resolve);
    });
  await write(MAGIC);
  for (const part of [length, headerBytes]) {
    digest.update(part);
    await write(part);
  }
  let written = 0;
  for await (const chunk of payload) {
    written += chunk.length;
    digest.update(chunk);
    await write(chunk);
  }
  if (written !== header.payloadLength) {
    throw new Error(`the payload was ${written} bytes, not the ${header.payloadLength} announced`);
  }
  await write(TRAILER_MAGIC);
  await write(digest.digest());
}

/** What a foreign file looks like, for the message. */
function describeForeign(start: Buffer): string {
  if (start.subarray(0, 5).toString('latin1') === 'PGDMP') return 'it is a plain pg_dump file; restore it with pg_restore';
  if (start.length >= 262 && start.subarray(257, 262).toString('latin1') === 'ustar') return 'it is a tar archive';
  if (start[0] === 0x1f && start[1] === 0x8b) return 'it is gzip-compressed';
  return 'it does not start with the Mirrorbase backup header';
}

export interface VerifiedBackup {
  file: string;
  header: BackupHeader;
  /** Where the payload starts in the file. */
  payloadOffset: number;
  /** Reads the payload again (after verification), streaming. */
  payload(): Readable;
}

function parseHeader(text: string): BackupHeader {
  let header: BackupHeader;
  try {
    header = JSON.parse(text) as BackupHeader;
  } catch {
    throw new BackupFileError('its header is not readable JSON (the file is damaged)');
  }
  const valid =
    header !== null &&
    typeof header === 'object' &&
    Number.isInteger(header.format) &&
    (header.engine === 'postgres' || header.engine === 'pglite') &&
    (header.payload === 'pg_dump-custom' || header.payload === 'pglite-datadir-tar-gz') &&
    Array.isArray(header.migrations) &&
    header.migrations.every((name) => typeof name === 'string') &&
    Number.isSafeInteger(header.payloadLength) &&
    header.payloadLength >= 0;
  if (!valid) throw new BackupFileError('its header lacks fields a backup has (the file is damaged)');
  if (header.format > BACKUP_FORMAT_VERSION) {
    throw new BackupFileError(
      `it is in backup format ${header.format}, newer than this Mirrorbase reads (${BACKUP_FORMAT_VERSION}); use a newer Mirrorbase`,
    );
  }
  return header;
}

/**
 * Checks the whole file: the magic, the header, the size the header promises, and the digest
 * (reading every byte once, streaming). Throws a BackupFileError saying what is wrong.
 */
export async function verifyBackup(file: string): Promise<VerifiedBackup> {
  const size = (await stat(file)).size;
  const handle = await open(file, 'r');
  let header: BackupHeader;
  let headerLength: number;
  try {
    const start = Buffer.alloc(Math.min(size, 512));
    await handle.read(start, 0, start.length, 0);
    if (start.length < MAGIC.length + 4 || !start.subarray(0, MAGIC.length).equals(MAGIC)) {
      throw new BackupFileError(size === 0 ? 'the file is empty' : `it is not a Mirrorbase backup: ${describeForeign(start)}`);
    }
    headerLength = start.readUInt32BE(MAGIC.length);
    if (headerLength > MAX_HEADER_BYTES) throw new BackupFileError('its header is implausibly long (the file is damaged)');
    if (size < MAGIC.length + 4 + headerLength) throw new BackupFileError(`it is truncated (${size} bytes, cut inside the header)`);
    const headerBytes = Buffer.alloc(headerLength);
    await handle.read(headerBytes, 0, headerLength, MAGIC.length + 4);
    header = parseHeader(headerBytes.toString('utf8'));
  } finally {
    await handle.close();
  }
  const payloadOffset = MAGIC.length + 4 + headerLength;
  const expectedSize = payloadOffset + header.payloadLength + TRAILER_BYTES;
  if (size < expectedSize) throw new BackupFileError(`it is truncated: ${size} bytes of the ${expectedSize} its header announces`);
  if (size > expectedSize)
    throw new BackupFileError(`it has ${size - expectedSize} bytes more than its header announces (the file is damaged)`);

  const digest = createHash('sha256');
  for await (const chunk of createReadStream(file, { start: MAGIC.length, end: payloadOffset + header.payloadLength - 1 })) {
    digest.update(chunk as Buffer);
  }
  const trailer = Buffer.alloc(TRAILER_BYTES);
  const tail = await open(file, 'r');
  try {
    await tail.read(trailer, 0, TRAILER_BYTES, size - TRAILER_BYTES);
  } finally {
    await tail.close();
  }
  if (!trailer.subarray(0, TRAILER_MAGIC.length).equals(TRAILER_MAGIC))
    throw new BackupFileError('its trailer is missing (the file is damaged)');
  if (!trailer.subarray(TRAILER_MAGIC.length).equals(digest.digest())) {
    throw new BackupFileError('its SHA-256 does not match its contents (the file is damaged)');
  }
  const payloadEnd = payloadOffset + header.payloadLength - 1;
  return {
    file,
    header,
    payloadOffset,
    // An empty range (payloadLength 0) would make createReadStream read to the end; no backup has one.
    payload: () => createReadStream(file, { start: payloadOffset, end: payloadEnd }),
  };
}
