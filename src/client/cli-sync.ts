// signpost sync <dir>: a folder into the store through one upload session
// (API v1). Hashes every file, sends only the blobs the store lacks, writes
// the manifest (name → sha256, size, id). Run it again: nothing is sent.
import { join } from 'node:path';
import type { Command } from 'commander';
import { connection, positiveInt, reasonOf, type CliIo, type ConnectionFlags } from './cli-common.js';
import { syncBarView, syncLineView } from './cli-sync-view.js';
import { formatBytes } from './cli-view.js';
import { syncFolder, type SyncResult } from './v1/sync.js';

interface SyncFlags extends ConnectionFlags {
  manifest?: string;
  parallel: number;
  jobs: number;
  retries: number;
  temporary?: boolean;
}

export function syncCommand(program: Command, io: CliIo, setExit: (code: number) => void): Command {
  return program
    .command('sync')
    .argument('<dir>', 'folder to sync (recursively; dotfiles and symbolic links are left out)')
    .description('sync a folder through one upload session (API v1): only what the store lacks is sent; writes a manifest')
    .option('--manifest <path>', 'where the manifest goes (default <dir>/.signpost-manifest.json)')
    .option('--parallel <n>', 'parts in flight per file', positiveInt, 4)
    .option('--jobs <n>', 'files hashed, and uploaded, at once', positiveInt, 2)
    .option('--retries <n>', 'retries per request', (v) => (v === '0' ? 0 : positiveInt(v)), 5)
    .option('--temporary', "blobs get the broker's temporary lifetime")
    .action(async (dir: string, flags: SyncFlags) => setExit(await sync(dir, flags, io)));
}

async function sync(dir: string, flags: SyncFlags, io: CliIo): Promise<number> {
  const target = connection(flags, io); // fail on a missing URL before drawing anything
  const view = io.stdout.isTTY ? syncBarView(io.stdout) : syncLineView(io.stdout);
  // Ctrl-C: blobs verified so far stay in the store; a rerun skips them.
  const onInterrupt = () => {
    view.stop();
    io.stderr.write('signpost: interrupted; run the same command again to send the rest\n');
    process.exit(130);
  };
  process.once('SIGINT', onInterrupt);
  let result: SyncResult;
  try {
    result = await syncFolder(dir, {
      ...target,
      parallel: flags.parallel,
      jobs: flags.jobs,
      retries: flags.retries,
      ...(flags.manifest === undefined ? {} : { manifest: flags.manifest }),
      ...(flags.temporary ? { temporary: true } : {}),
      observer: view,
    });
  } catch (error) {
    view.stop();
    io.stderr.write(`signpost: ${dir}: ${reasonOf(error)}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onInterrupt);
  }
  view.stop();
  report(dir, result, io);
  return result.failures.length === 0 ? 0 : 1;
}

function report(dir: string, result: SyncResult, io: CliIo): void {
  const firstName = new Map<string, string>();
  for (const file of result.files) if (file.outcome !== 'duplicate') firstName.set(file.sha256, file.name);
  for (const file of result.files) {
    const how = file.outcome === 'uploaded' ? `uploaded ${file.id}` : file.outcome === 'present' ? `skipped: already in the store (${file.id})` : `skipped: same bytes as ${firstName.get(file.sha256)} (${file.id})`;
    io.stdout.write(`${file.name}: ${how}\n`);
  }
  for (const failure of result.failures) io.stderr.write(`signpost: ${join(dir, failure.name)}: ${reasonOf(failure.error)}\n`);
  const uploaded = result.files.filter((f) => f.outcome === 'uploaded').length;
  const present = result.files.length - uploaded;
  const summary = `${result.files.length} file${result.files.length === 1 ? '' : 's'}: ${uploaded} uploaded (${formatBytes(result.bytesSent)}), ${present} already in the store`;
  if (result.manifestPath) io.stdout.write(`synced ${summary}; manifest ${result.manifestPath}\n`);
  else io.stderr.write(`signpost: ${dir}: not synced (${summary}, ${result.failures.length} failed); no manifest written; run it again to send the rest\n`);
}
