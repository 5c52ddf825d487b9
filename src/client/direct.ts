// direct_upload: one presigned PUT of the whole file (small files only: the
// broker's threshold, 5 MiB by default, bounds what is read into memory).
import { UploadError } from './errors.js';
import { readRange } from './source.js';
import { sendSigned, type StoreFailure } from './store-request.js';
import { withStoreRetries } from './store-retry.js';
import { RETRY_REASON, type TransferContext } from './transfer-context.js';
import type { CreateResponse, WireSignature } from './wire.js';

/**
 * Sends the file. An expired signature is renewed by POSTing again: the broker
 * finds this unfinished upload by owner, name, size and MD5 and signs afresh.
 */
export async function sendDirect(ctx: TransferContext, created: CreateResponse, recreate: (signal: AbortSignal) => Promise<CreateResponse>, signal: AbortSignal): Promise<void> {
  const { source } = ctx;
  let signature: WireSignature = created.signature;
  let bytes: Uint8Array | undefined;
  let attempt = 0;
  const sendOnce = async (previous: StoreFailure | undefined) => {
    attempt++;
    if (previous === 'reread') bytes = undefined;
    if (previous === 'resign') {
      const again = await recreate(signal);
      if (again.type !== 'direct_upload' || again.upload_id !== created.upload_id) {
        throw new UploadError({ code: 'bad_response', message: `asked to re-sign direct upload ${created.upload_id}, the broker answered ${again.type} for ${again.upload_id}` });
      }
      signature = again.signature;
    }
    bytes ??= await readRange(source, 0, source.size);
    await sendSigned(ctx.fetch, signature, bytes, signal);
  };
  try {
    await withStoreRetries({ retries: ctx.retries, baseDelayMs: ctx.retryDelayMs, signal, onRetry: (n, failure) => ctx.events.retry(1, n, RETRY_REASON[failure]) }, sendOnce);
  } catch (error) {
    // A create-only signature (Azure) refuses a second PUT once the first one landed,
    // e.g. when its answer was lost. Let finalize judge: it verifies size and MD5.
    if (error instanceof UploadError && error.status === 403 && attempt > 1) return;
    throw error;
  }
  ctx.events.partDone(1, source.size, attempt);
}
