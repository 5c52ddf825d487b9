// The files of a folder to sync: regular files, recursively, named by their
// path below the folder with '/' separators. Dotfiles and dot-folders (.git,
// .DS_Store, the manifest itself), symbolic links (they may point outside the
// folder, or loop) and special files are left out, and each is said.
import { lstat, readdir } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';

export interface FolderFile {
  /** Path below the folder, '/'-separated: the manifest's key. */
  name: string;
  path: string;
  size: number;
}

export interface SkippedEntry {
  name: string;
  reason: string;
}

export interface FolderListing {
  files: FolderFile[];
  skipped: SkippedEntry[];
}

/** Lists `dir`, leaving out `exclude` (absolute paths, e.g. a manifest written inside it). Sorted by name. */
export async function listFolder(dir: string, exclude: string[] = []): Promise<FolderListing> {
  const root = resolve(dir);
  const excluded = new Set(exclude.map((p) => resolve(p)));
  const files: FolderFile[] = [];
  const skipped: SkippedEntry[] = [];
  const walk = async (folder: string): Promise<void> => {
    const entries = await readdir(folder, { withFileTypes: true });
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const path = join(folder, entry.name);
      const name = relative(root, path).split(sep).join('/');
      if (excluded.has(path)) continue;
      if (entry.name.startsWith('.')) skipped.push({ name, reason: entry.isDirectory() ? 'dot-folder' : 'dotfile' });
      else if (entry.isSymbolicLink()) skipped.push({ name, reason: 'symbolic link' });
      else if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) files.push({ name, path, size: (await lstat(path)).size });
      else skipped.push({ name, reason: 'not a regular file' });
    }
  };
  await walk(root);
  return { files, skipped };
}
