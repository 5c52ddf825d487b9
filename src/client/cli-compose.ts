// signpost compose <out-name> <sha256>:<first>-<last> …: a new blob made of
// byte ranges of blobs the store holds, copied by the store itself (API v1,
// seed 004's copied parts). Prints the new blob's id and SHA-256.
import type { Command } from 'commander';
import { connection, positiveInt, reasonOf, type CliIo, type ConnectionFlags } from './cli-common.js';
import { formatBytes } from './cli-view.js';
import { UploadError } from './errors.js';
import { compose, type ComposeRange } from './v1/compose.js';

interface ComposeFlags extends ConnectionFlags {
  storage?: string;
  json?: boolean;
  retries: number;
}

const RANGE_FORM = '<sha256>:<first>-<last> (or <sha256>:bytes=<first>-<last>)';

/** One range argument: `<sha256>:<first>-<last>` or `<sha256>:bytes=<first>-<last>`, both ends given. */
export function parseRangeArg(text: string): ComposeRange {
  const colon = text.indexOf(':');
  if (colon < 0) throw new UploadError({ code: 'usage', message: `${JSON.stringify(text)} is not a range: expected ${RANGE_FORM}` });
  const sha256 = text.slice(0, colon);
  const range = text.slice(colon + 1);
  if (!/^[0-9a-fA-F]{64}$/.test(sha256)) throw new UploadError({ code: 'usage', message: `${JSON.stringify(text)}: ${JSON.stringify(sha256)} is not a SHA-256 (64 hex digits); expected ${RANGE_FORM}` });
  const ends = /^(?:bytes=)?(\d{1,16})-(\d{1,16})$/.exec(range);
  if (!ends) throw new UploadError({ code: 'usage', message: `${JSON.stringify(text)}: ${JSON.stringify(range)} is not one range with both ends; expected ${RANGE_FORM}` });
  return { sha256: sha256.toLowerCase(), first: Number(ends[1]), last: Number(ends[2]) };
}

export function composeCommand(program: Command, io: CliIo, setExit: (code: number) => void): Command {
  return program
    .command('compose')
    .argument('<out-name>', 'name of the new blob')
    .argument('<ranges...>', `ranges of stored blobs, in order: ${RANGE_FORM}; every range but the last the same size`)
    .description("compose a new blob from ranges of stored blobs (API v1): the store copies them, no byte is sent; prints the new blob's id and sha256")
    .option('--storage <id>', "the sources' storage (default: the broker chooses)")
    .option('--json', 'print {id, sha256, size, verified} as JSON')
    .option('--retries <n>', 'retries per request', (v) => (v === '0' ? 0 : positiveInt(v)), 5)
    .action(async (outName: string, args: string[], flags: ComposeFlags) => setExit(await composeOut(outName, args, flags, io)));
}

async function composeOut(outName: string, args: string[], flags: ComposeFlags, io: CliIo): Promise<number> {
  try {
    const target = connection(flags, io);
    const ranges = args.map(parseRangeArg);
    const result = await compose(ranges, { ...target, filename: outName, retries: flags.retries, ...(flags.storage ? { storageId: flags.storage } : {}) });
    if (flags.json) io.stdout.write(`${JSON.stringify(result)}\n`);
    else io.stdout.write(`${outName}: composed ${result.id} (${formatBytes(result.size)} from ${ranges.length} ranges, sha256 ${result.sha256}, verified ${result.verified})\n`);
    return 0;
  } catch (error) {
    io.stderr.write(`signpost: compose: ${reasonOf(error)}\n`);
    return 1;
  }
}
