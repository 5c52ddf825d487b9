// Test files on disk for the file picker: random bytes (incompressible, so
// nothing along the way can shortcut them) and their SHA-256 to compare with
// what the store ends up holding.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const MiB = 1024 * 1024;

export interface TestFile {
  path: string;
  name: string;
  size: number;
  sha256: string;
}

export interface FileDir {
  write(name: string, size: number): Promise<TestFile>;
  remove(): Promise<void>;
}

export async function fileDir(): Promise<FileDir> {
  const dir = await mkdtemp(join(tmpdir(), 'signpost-e2e-'));
  return {
    async write(name, size) {
      const bytes = randomBytes(size);
      const path = join(dir, name);
      await writeFile(path, bytes);
      return { path, name, size, sha256: createHash('sha256').update(bytes).digest('hex') };
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
