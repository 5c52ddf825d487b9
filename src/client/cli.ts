// signpost: upload files through a Signpost broker from a shell.
//   signpost upload <files…> --url <broker> [--token <jwt> | --api-key <key>] [--parallel N] [--api v1]
//   signpost sync <dir>     signpost status <id>    signpost abort <id>
//   signpost compose <out-name> <sha256>:<first>-<last> …
// Rerunning the same upload resumes it (PlaceOS API): the broker finds the unfinished
// upload by owner, name, size and MD5 and answers with the parts it already has.
// With --api v1 a file the store already holds (same SHA-256) is not sent again.
import { pathToFileURL } from 'node:url';
import { Command, Option } from 'commander';
import { connection, positiveInt, reasonOf, type CliIo, type ConnectionFlags } from './cli-common.js';
import { barView, formatBytes, lineView, type ProgressView } from './cli-view.js';
import { composeCommand } from './cli-compose.js';
import { syncCommand } from './cli-sync.js';
import { BrokerClient, fileSource, upload, uploadBlob, type BlobUploadResult, type UploadResult } from './node.js';

export { reasonOf, type CliIo } from './cli-common.js';

interface UploadFlags extends ConnectionFlags {
  parallel: number;
  jobs: number;
  retries: number;
  storage?: string;
  tags?: string;
  public?: boolean;
  api: 'placeos' | 'v1';
  /** v1: hash first so a file the store holds is not sent (--no-dedupe: one read, no check). */
  dedupe: boolean;
  temporary?: boolean;
}

async function uploadOne(path: string, flags: UploadFlags, io: CliIo, view: ProgressView): Promise<string> {
  const source = await fileSource(path);
  const file = view.file(path, source.size);
  const common = {
    ...connection(flags, io),
    parallel: flags.parallel,
    retries: flags.retries,
    ...(flags.storage ? { storageId: flags.storage } : {}),
    ...(flags.tags ? { tags: flags.tags.split(',').map((t) => t.trim()).filter(Boolean) } : {}),
  };
  const task =
    flags.api === 'v1'
      ? uploadBlob(source, { ...common, dedupe: flags.dedupe, ...(flags.temporary ? { temporary: true } : {}) })
      : upload(source, { ...common, ...(flags.public ? { public: true } : {}) });
  task.on('hashing', file.hashing).on('progress', file.progress).on('state', file.state);
  task.on('part', (e) => {
    if (e.status === 'retry') file.log(`${path}: part ${e.part} retry ${e.attempt} (${e.reason ?? 'error'})`);
  });
  const result: UploadResult | BlobUploadResult = await task.done;
  return 'alreadyPresent' in result ? blobLine(path, result) : placeosLine(path, result);
}

function placeosLine(path: string, r: UploadResult): string {
  const how = r.resumed ? `resumed: sent ${r.partsSent} parts, skipped ${r.partsSkipped}` : `sent ${r.partsSent} part${r.partsSent === 1 ? '' : 's'}`;
  return `${path}: uploaded ${r.uploadId} to ${r.residence} (${formatBytes(r.size)}, ${how})`;
}

function blobLine(path: string, r: BlobUploadResult): string {
  if (r.alreadyPresent) return `${path}: skipped: already in the store (${r.id}, sha256 ${r.sha256})`;
  return `${path}: uploaded ${r.id} (${formatBytes(r.size)}, sent ${r.partsSent} part${r.partsSent === 1 ? '' : 's'}, sha256 ${r.sha256}, verified ${r.verified ?? '?'})`;
}

async function uploadAll(paths: string[], flags: UploadFlags, io: CliIo): Promise<number> {
  connection(flags, io); // fail on a missing URL before drawing anything
  const view = io.stdout.isTTY ? barView(io.stdout) : lineView(io.stdout);
  // Ctrl-C leaves the upload resumable on the broker (no DELETE): say how to continue.
  const onInterrupt = () => {
    view.stop();
    io.stderr.write('signpost: interrupted; run the same command again to resume\n');
    process.exit(130);
  };
  process.once('SIGINT', onInterrupt);
  const queue = [...paths];
  const lines: string[] = [];
  let failures = 0;
  const worker = async () => {
    for (let path = queue.shift(); path !== undefined; path = queue.shift()) {
      try {
        lines.push(await uploadOne(path, flags, io, view));
      } catch (error) {
        failures++;
        lines.push(`\0signpost: ${path}: ${reasonOf(error)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(flags.jobs, paths.length) }, worker));
  process.off('SIGINT', onInterrupt);
  view.stop();
  for (const line of lines) {
    if (line.startsWith('\0')) io.stderr.write(`${line.slice(1)}\n`);
    else io.stdout.write(`${line}\n`);
  }
  return failures === 0 ? 0 : 1;
}

export function buildProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command('signpost').description('Upload files straight to S3 or Azure Blob through a Signpost broker').exitOverride();
  const common = (command: Command, basePath = '/api/engine/v2/uploads; /api/v1 with --api v1') =>
    command
      // Flags win over the environment; read in connection().
      .option('--url <broker>', 'broker origin, e.g. http://127.0.0.1:8080 (env SIGNPOST_URL)')
      .option('--token <jwt>', 'bearer token (env SIGNPOST_TOKEN)')
      .option('--api-key <key>', 'API key, used when no token is given (env SIGNPOST_API_KEY)')
      .option('--base-path <path>', `API base path (default ${basePath})`);

  common(program.command('upload').argument('<files...>', 'files to upload').description('upload files; rerun the same command to resume'))
    .option('--parallel <n>', 'parts in flight per file', positiveInt, 4)
    .option('--jobs <n>', 'files uploading at once', positiveInt, 2)
    .option('--retries <n>', 'retries per request', (v) => (v === '0' ? 0 : positiveInt(v)), 5)
    .option('--storage <id>', 'storage id (default: the broker chooses)')
    .option('--tags <a,b>', 'comma-separated tags')
    .option('--public', 'make the object publicly readable (PlaceOS API)')
    .addOption(new Option('--api <name>', 'placeos: resumable by file identity; v1: by SHA-256, skips what the store holds').choices(['placeos', 'v1']).default('placeos'))
    .option('--no-dedupe', 'v1: send without hashing first (one read of the file; never skipped)')
    .option('--temporary', "v1: the upload gets the broker's temporary lifetime")
    .action(async (files: string[], flags: UploadFlags) => setExit(await uploadAll(files, flags, io)));

  common(syncCommand(program, io, setExit), '/api/v1');
  common(composeCommand(program, io, setExit), '/api/v1');

  common(program.command('status').argument('<id>', 'upload id').description("print the broker's record of an upload as JSON")).action(async (id: string, flags: ConnectionFlags) => {
    const status = await new BrokerClient(connection(flags, io)).status(id);
    io.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
  });

  common(program.command('abort').argument('<id>', 'upload id').description('abort an upload (DELETE)')).action(async (id: string, flags: ConnectionFlags) => {
    await new BrokerClient(connection(flags, io)).abort(id);
    io.stdout.write(`aborted ${id}\n`);
  });
  return program;
}

/** Runs the CLI; resolves with the exit code. */
export async function runCli(argv: string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr, env: process.env }): Promise<number> {
  let exitCode = 0;
  const program = buildProgram(io, (code) => (exitCode = code));
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    // commander already printed usage errors and help.
    if (error instanceof Error && 'exitCode' in error && typeof error.exitCode === 'number') return error.exitCode;
    io.stderr.write(`signpost: ${reasonOf(error)}\n`);
    return 1;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await runCli(process.argv);
}
