import { randomUUID } from 'node:crypto';
import { open, unlink, type FileHandle } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export interface SpoolOptions {
  /** Bytes kept in memory before the rest goes to a file. */
  memoryBytes: number;
  /** Folder of the temporary file (the system's temporary folder by default). */
  dir?: string;
}

/** Chunks read back from a spool file. */
const FILE_CHUNK_BYTES = 256 * 1024;

/**
 * Bytes put aside to be sent later, in the order they came: in memory up to `memoryBytes`,
 * the rest in a temporary file. The file is unlinked as soon as it is open where the system
 * allows it (so nothing is left behind even by a crash), and at the latest on close().
 */
export class Spool {
  private memory: (Buffer | string)[] = [];
  private inMemory = 0;
  private file: FileHandle | undefined;
  private filePath: string | undefined;
  private fileBytes = 0;

  constructor(private readonly options: SpoolOptions) {}

  async append(chunk: Buffer | string): Promise<void> {
    const bytes = typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    if (bytes === 0) return;
    if (this.file === undefined && this.inMemory + bytes <= this.options.memoryBytes) {
      this.memory.push(chunk);
      this.inMemory += bytes;
      return;
    }
    const file = this.file ?? (await this.openFile());
    const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    // A FileHandle write may write less than asked: loop until all is written.
    for (let offset = 0; offset < data.length; ) {
      const { bytesWritten } = await file.write(data, offset, data.length - offset, this.fileBytes);
      offset += bytesWritten;
      this.fileBytes += bytesWritten;
    }
  }

  /** Everything appended, in order: memory first, then the file in chunks. */
  async *contents(): AsyncGenerator<Buffer | string> {
    yield* this.memory;
    if (this.file === undefined) return;
    for (let position = 0; position < this.fileBytes; ) {
      // A new buffer per chunk: the consumer (a socket) may still hold the one before.
      const buffer = Buffer.allocUnsafe(Math.min(FILE_CHUNK_BYTES, this.fileBytes - position));
      const { bytesRead } = await this.file.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) throw new Error('spool file ended early');
      position += bytesRead;
      yield bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead);
    }
  }

  /** Frees the memory and removes the file. */
  async close(): Promise<void> {
    this.memory = [];
    this.inMemory = 0;
    const { file, filePath } = this;
    this.file = undefined;
    this.filePath = undefined;
    await file?.close();
    if (filePath !== undefined) await unlink(filePath).catch(() => {});
  }

  private async openFile(): Promise<FileHandle> {
    const filePath = path.join(this.options.dir ?? os.tmpdir(), `mirrorbase-read-${randomUUID()}`);
    this.file = await open(filePath, 'wx+', 0o600);
    try {
      await unlink(filePath); // POSIX: the open handle keeps the data; the name is gone at once
    } catch {
      this.filePath = filePath; // Windows: an open file cannot be unlinked; close() removes it
    }
    return this.file;
  }
}
