// A folder into the store through one upload session (API v1): every file is
// hashed first (a session is addressed by SHA-256), the broker answers which
// blobs the store already holds, only the others are sent, each is verified
// (PUT /upload-sessions/:sid/blobs/:sha256), the session is completed, and a
// manifest (name → sha256, size, id) is written. Running it again sends
// nothing: every blob is then present. Node-only (it walks the file system).
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import mime from 'mime-types';
import { UploadError } from '../errors.js';
import { forEachChunk } from '../hasher.js';
import { fileSource } from '../file-source.js';
import type { HashingEvent, ProgressEvent, UploadState } from '../types.js';
import { BlobUploadTask } from './blob-task.js';
import { V1Client } from './broker.js';
import { toHex, type DigestFactory } from './digests.js';
import { listFolder, type FolderFile, type SkippedEntry } from './folder.js';
import { nodeDigests } from './node-digests.js';
import type { BlobUploadOptions } from './types.js';
import type { CreatedSession, SessionBlob } from './wire.js';

export const DEFAULT_MANIFEST = '.signpost-manifest.json';

export interface SyncOptions extends Pick<BlobUploadOptions, 'url' | 'basePath' | 'headers' | 'parallel' | 'readAhead' | 'signBatch' | 'retries' | 'retryDelayMs' | 'fetch' | 'temporary'> {
  /** Where the manifest goes; default <dir>/.signpost-manifest.json. */
  manifest?: string;
  /** Files hashed, and blobs uploaded, at once; default 2. */
  jobs?: number;
  digests?: DigestFactory;
  observer?: SyncObserver;
}

export type SyncPhase = 'hashing' | 'uploading';

export interface SyncProgress {
  phase: SyncPhase;
  bytesDone: number;
  bytesTotal: number;
  filesDone: number;
  filesTotal: number;
}

/** What one file's progress goes to (cli-view's FileView fits). */
export interface SyncFileObserver {
  hashing(event: HashingEvent): void;
  progress(event: ProgressEvent): void;
  state(state: UploadState): void;
  log(line: string): void;
}

export interface SyncObserver {
  skipped?(entry: SkippedEntry): void;
  /** A file starts hashing or uploading; what it returns gets that file's events. */
  file?(name: string, size: number, phase: SyncPhase): SyncFileObserver | undefined;
  /** A file is done with a phase (its bar can go). */
  fileDone?(name: string, phase: SyncPhase): void;
  overall?(progress: SyncProgress): void;
}

export interface ManifestEntry {
  sha256: string;
  size: number;
  /** The upload record holding this blob for the caller. */
  id: string;
}

export type Manifest = Record<string, ManifestEntry>;

export interface SyncedFile extends ManifestEntry {
  name: string;
  /** uploaded: sent now; present: the store held it; duplicate: the same bytes as another file of this sync. */
  outcome: 'uploaded' | 'present' | 'duplicate';
}

export interface SyncFailure {
  name: string;
  error: unknown;
}

export interface SyncResult {
  /** Undefined when there was nothing to sync (no file, or none could be read). */
  sessionId: string | undefined;
  files: SyncedFile[];
  skipped: SkippedEntry[];
  failures: SyncFailure[];
  /** Bytes sent to the store. */
  bytesSent: number;
  /** Written only when every file synced. */
  manifestPath: string | undefined;
}

interface Hashed extends FolderFile {
  sha256: string;
}

export async function syncFolder(dir: string, options: SyncOptions): Promise<SyncResult> {
  const observer = options.observer ?? {};
  const jobs = Math.max(1, Math.floor(options.jobs ?? 2));
  const manifestPath = resolve(options.manifest ?? join(dir, DEFAULT_MANIFEST));
  const { files, skipped } = await listFolder(dir, [manifestPath, `${manifestPath}.tmp`]);
  for (const entry of skipped) observer.skipped?.(entry);
  const failures: SyncFailure[] = [];

  const hashed = await hashAll(files, jobs, options.digests ?? nodeDigests, observer, failures);
  if (hashed.length === 0) {
    // Nothing to sync (an empty folder, or no file could be read): no session.
    const written = failures.length === 0 ? await writeManifest(manifestPath, []) : undefined;
    return { sessionId: undefined, files: [], skipped, failures, bytesSent: 0, manifestPath: written };
  }

  // One session entry per distinct blob: two files with the same bytes are one blob.
  const first = new Map<string, Hashed>();
  for (const file of hashed) if (!first.has(file.sha256)) first.set(file.sha256, file);
  const broker = new V1Client(options);
  const session = await broker.createSession({
    blobs: [...first.values()].map((f) => ({ sha256: f.sha256, size: f.size, name: f.name, ...mimeOf(f.name) })),
    ...(options.temporary === undefined ? {} : { temporary: options.temporary }),
  });
  const blobs = new Map(session.blobs.map((b) => [b.sha256, b]));
  const missing = [...first.values()].filter((f) => blobs.get(f.sha256)?.alreadyPresent === false);
  const ids = new Map<string, string>();
  const bytesSent = await uploadMissing(missing, session, blobs, jobs, options, observer, failures, ids);

  if (failures.length === 0) await broker.completeSession(session.uploadSessionId);
  const present = failures.length === 0 ? await presentIds(broker, session, first, ids, await readManifest(manifestPath)) : ids;
  const synced: SyncedFile[] = hashed.flatMap((file) => {
    const id = present.get(file.sha256);
    if (id === undefined) return [];
    const outcome = first.get(file.sha256) !== file ? 'duplicate' : blobs.get(file.sha256)?.alreadyPresent ? 'present' : 'uploaded';
    return [{ name: file.name, sha256: file.sha256, size: file.size, id, outcome }];
  });
  const written = failures.length === 0 ? await writeManifest(manifestPath, synced) : undefined;
  return { sessionId: session.uploadSessionId, files: synced, skipped, failures, bytesSent, manifestPath: written };
}

function mimeOf(name: string): { mime?: string } {
  const type = mime.lookup(name);
  return type ? { mime: type } : {};
}

/** Runs `work` over `items`, `jobs` at a time. */
async function eachLimited<T>(items: T[], jobs: number, work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  const worker = async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
  };
  await Promise.all(Array.from({ length: Math.min(jobs, queue.length) }, worker));
}

/** SHA-256 of every file, `jobs` at a time; a file that cannot be read is a failure, the others go on. */
async function hashAll(files: FolderFile[], jobs: number, digests: DigestFactory, observer: SyncObserver, failures: SyncFailure[]): Promise<Hashed[]> {
  const progress: SyncProgress = { phase: 'hashing', bytesDone: 0, bytesTotal: files.reduce((sum, f) => sum + f.size, 0), filesDone: 0, filesTotal: files.length };
  observer.overall?.({ ...progress });
  const sums = new Map<FolderFile, string>();
  await eachLimited(files, jobs, async (file) => {
    const view = observer.file?.(file.name, file.size, 'hashing');
    try {
      const source = await fileSource(file.path, { name: file.name });
      if (source.size !== file.size) throw new UploadError({ code: 'source_changed', message: `${file.path} changed while the folder was read` });
      const hash = await digests.sha256();
      let done = 0;
      await forEachChunk(source, 0, source.size, (bytes) => {
        hash.update(bytes);
        done += bytes.length;
        progress.bytesDone += bytes.length;
        view?.hashing({ bytesHashed: done, bytesTotal: file.size });
        observer.overall?.({ ...progress });
      });
      sums.set(file, toHex(hash.digest()));
    } catch (error) {
      failures.push({ name: file.name, error });
    } finally {
      progress.filesDone++;
      observer.fileDone?.(file.name, 'hashing');
      observer.overall?.({ ...progress });
    }
  });
  return files.flatMap((f) => (sums.has(f) ? [{ ...f, sha256: sums.get(f)! }] : []));
}

/** Sends each missing blob through its session upload; returns the bytes sent. */
async function uploadMissing(
  missing: Hashed[],
  session: CreatedSession,
  blobs: Map<string, SessionBlob>,
  jobs: number,
  options: SyncOptions,
  observer: SyncObserver,
  failures: SyncFailure[],
  ids: Map<string, string>,
): Promise<number> {
  const progress: SyncProgress = { phase: 'uploading', bytesDone: 0, bytesTotal: missing.reduce((sum, f) => sum + f.size, 0), filesDone: 0, filesTotal: missing.length };
  observer.overall?.({ ...progress });
  await eachLimited(missing, jobs, async (file) => {
    const upload = blobs.get(file.sha256)!.upload!;
    const view = observer.file?.(file.name, file.size, 'uploading');
    let counted = 0;
    try {
      const source = await fileSource(file.path, { name: file.name });
      const task = new BlobUploadTask(source, {
        ...options,
        digests: options.digests ?? nodeDigests,
        sha256: file.sha256,
        session: { id: session.uploadSessionId, upload, uploadToken: session.uploadToken },
      });
      task.on('state', (s) => view?.state(s));
      task.on('progress', (p) => {
        view?.progress(p);
        progress.bytesDone += p.bytesDone - counted;
        counted = p.bytesDone;
        observer.overall?.({ ...progress });
      });
      task.on('part', (e) => e.status === 'retry' && view?.log(`${file.name}: part ${e.part} retry ${e.attempt} (${e.reason ?? 'error'})`));
      const result = await task.done;
      ids.set(file.sha256, result.id);
    } catch (error) {
      failures.push({ name: file.name, error });
    } finally {
      progress.filesDone++;
      observer.fileDone?.(file.name, 'uploading');
      observer.overall?.({ ...progress });
    }
  });
  return progress.bytesDone;
}

/**
 * The upload id of every blob. The ones sent now are known. A present blob
 * also has a record of the caller's (the broker makes one pointing at the
 * stored object), but API v1 names it nowhere in a session's answers; so it is
 * taken from the answer if a broker gives it, else from the last manifest (the
 * same blob, synced before), else from POST /uploads with the digest, which
 * answers already_present with a record id.
 */
async function presentIds(broker: V1Client, session: CreatedSession, first: Map<string, Hashed>, ids: Map<string, string>, previous: Manifest): Promise<Map<string, string>> {
  const all = new Map(ids);
  const before = new Map(Object.values(previous).map((entry) => [entry.sha256, entry.id]));
  for (const blob of session.blobs as Array<SessionBlob & { uploadId?: unknown; id?: unknown }>) {
    if (all.has(blob.sha256)) continue;
    const named = blob.upload?.id ?? blob.uploadId ?? blob.id;
    const id = typeof named === 'string' ? named : before.get(blob.sha256);
    if (id !== undefined) {
      all.set(blob.sha256, id);
      continue;
    }
    const file = first.get(blob.sha256)!;
    const type = mimeOf(file.name).mime;
    const answer = await broker.initiate({ filename: file.name.split('/').at(-1)!, size: file.size, sha256: file.sha256, ...(type ? { content_type: type } : {}) });
    // Present a moment ago; if it is not now, the blob went away during the sync: say so rather than send it outside the session.
    if (answer.already_present !== true) {
      await broker.destroy(answer.id).catch(() => undefined);
      throw new UploadError({ code: 'conflict', message: `${file.name}: the store no longer holds blob ${file.sha256}; run the sync again` });
    }
    all.set(blob.sha256, answer.id);
  }
  return all;
}

/** The manifest a former sync wrote, or nothing (missing, unreadable, not a manifest). */
async function readManifest(path: string): Promise<Manifest> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
    return Object.fromEntries(
      Object.entries(parsed as Record<string, Partial<ManifestEntry>>).filter(([, e]) => typeof e?.sha256 === 'string' && typeof e.id === 'string' && typeof e.size === 'number'),
    ) as Manifest;
  } catch {
    return {};
  }
}

/** Sorted by name; written beside and renamed, so a reader never sees half a manifest. */
async function writeManifest(path: string, files: SyncedFile[]): Promise<string> {
  const manifest: Manifest = Object.fromEntries(files.map((f) => [f.name, { sha256: f.sha256, size: f.size, id: f.id }]));
  await writeFile(`${path}.tmp`, `${JSON.stringify(manifest, null, 2)}\n`);
  await rename(`${path}.tmp`, path);
  return path;
}
