// Reads a file's parts once each, in order, and hashes them as they are read:
// MD5 and SHA-256 of each part for its signature, and the whole file's SHA-256
// fed in part order. Parts are then sent in any order, in parallel; the bytes
// sent are exactly the bytes hashed, so the file is never read twice.
import { UploadError } from '../errors.js';
import { toBase64 } from '../hasher.js';
import { readRange } from '../source.js';
import type { UploadSource } from '../types.js';
import { toHex, type DigestFactory, type IncrementalHash } from './digests.js';

export interface PartLayout {
  partSize: number;
  partCount: number;
}

export interface HashedPart {
  number: number;
  bytes: Uint8Array;
  /** Base64 MD5 of the part. */
  md5: string;
  /** Hex SHA-256 of the part. */
  sha256: string;
}

export class PartFeed {
  private nextNumber = 1;
  /** The read in progress: reads run one after another so the whole-file hash sees parts in order. */
  private previous: Promise<unknown> = Promise.resolve();
  private failure: unknown;
  private readonly whole: Promise<IncrementalHash>;
  private wholeHex: string | undefined;

  /** `expected`: the file's SHA-256 as hashed before; the last part's read fails if the file is no longer that, before it is signed or sent. */
  constructor(
    private readonly source: UploadSource,
    private readonly layout: PartLayout,
    private readonly digests: DigestFactory,
    private readonly expected?: string,
  ) {
    this.whole = digests.sha256();
    this.whole.catch(() => undefined);
  }

  /** Every part has been claimed by next(). */
  get exhausted(): boolean {
    return this.nextNumber > this.layout.partCount;
  }

  /** Claims the next part and resolves with its bytes and digests. */
  next(): Promise<HashedPart> {
    const number = this.nextNumber++;
    const read = this.previous.then(() => this.read(number));
    this.previous = read.catch(() => undefined);
    return read;
  }

  /** Hex SHA-256 of the whole file, once every part has been read. */
  async sha256(): Promise<string> {
    await this.previous;
    if (this.failure !== undefined) throw this.failure;
    if (this.wholeHex === undefined) throw new Error('PartFeed: the whole-file digest was asked for before every part was read');
    return this.wholeHex;
  }

  private finish(digest: string): void {
    if (this.expected !== undefined && digest !== this.expected) {
      throw new UploadError({ code: 'source_changed', message: `${this.source.name}: its SHA-256 is now ${digest}, not ${this.expected} as when it was hashed; the file changed` });
    }
    this.wholeHex = digest;
  }

  private async read(number: number): Promise<HashedPart> {
    // A failed read leaves a gap in the whole-file hash: every later part fails the same way.
    if (this.failure !== undefined) throw this.failure;
    try {
      const start = (number - 1) * this.layout.partSize;
      const end = number === this.layout.partCount ? this.source.size : Math.min(this.source.size, start + this.layout.partSize);
      const bytes = await readRange(this.source, start, end);
      const [md5, sha256, whole] = await Promise.all([this.digests.md5(), this.digests.sha256(), this.whole]);
      md5.update(bytes);
      sha256.update(bytes);
      whole.update(bytes);
      if (number === this.layout.partCount) this.finish(toHex(whole.digest()));
      return { number, bytes, md5: toBase64(md5.digest()), sha256: toHex(sha256.digest()) };
    } catch (error) {
      this.failure = error;
      throw error;
    }
  }
}
