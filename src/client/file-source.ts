// A file on disk as an UploadSource. Each slice opens, reads the range and
// closes, so nothing holds the whole file, nothing leaks a descriptor, and a
// file changed since it was opened is noticed. Node-only.
import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import mime from 'mime-types';
import { UploadError } from './errors.js';
import type { UploadSource } from './types.js';

export interface FileSourceOptions {
  /** Name sent to the broker; default the path's basename. */
  name?: string;
  type?: string;
}

export async function fileSource(path: string, options: FileSourceOptions = {}): Promise<UploadSource> {
  const info = await stat(path);
  if (!info.isFile()) throw new UploadError({ code: 'source_changed', message: `${path} is not a regular file` });
  const type = options.type ?? (mime.lookup(path) || undefined);
  const readAt = async (start: number, target: Uint8Array): Promise<number> => {
    const handle = await open(path, 'r');
    try {
      const now = await handle.stat();
      // The whole-file MD5 was computed once; bytes read later must be the same file's.
      if (now.size !== info.size || now.mtimeMs !== info.mtimeMs) {
        throw new UploadError({ code: 'source_changed', message: `${path} changed during the upload (size or modification time differs); upload it again` });
      }
      let filled = 0;
      while (filled < target.length) {
        const { bytesRead } = await handle.read(target, filled, target.length - filled, start + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      return filled;
    } finally {
      await handle.close();
    }
  };
  return {
    name: options.name ?? basename(path),
    size: info.size,
    ...(type ? { type } : {}),
    async slice(start, end) {
      const buffer = Buffer.allocUnsafe(Math.max(0, end - start));
      const filled = await readAt(start, buffer);
      return new Uint8Array(buffer.buffer, buffer.byteOffset, filled);
    },
    readInto: readAt,
  };
}
