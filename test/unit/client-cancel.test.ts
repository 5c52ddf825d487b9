// Cancel tells the truth: when the broker discards the upload the task ends
// 'cancelled'; when it does not (the DELETE failed), the task still stops
// sending but its result says so (cancel_incomplete) instead of claiming it.
import { describe, expect, it } from 'vitest';
import { upload, UploadError } from '../../src/client/index.js';

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

function world(deleteStatus: number) {
  const deletes: string[] = [];
  const fetchFn: typeof fetch = async (input, init = {}) => {
    const url = new URL(String(input));
    const method = init.method ?? 'GET';
    if (url.host === 'broker.test') {
      const path = url.pathname.replace('/api/engine/v2/uploads', '');
      if (method === 'POST' && path === '/') return json({ type: 'chunked_upload', upload_id: 'uploads-1', residence: 'AzureStorage', signature: { verb: 'PUT', url: '', headers: {} }, part_size: 1000, part_count: 3 });
      if (method === 'PATCH') return json({ type: 'part_upload', upload_id: 'uploads-1', signature: { verb: 'PUT', url: 'http://store.test/o?part', headers: {} } });
      if (method === 'DELETE') {
        deletes.push(path);
        return deleteStatus < 300 ? new Response(null, { status: deleteStatus }) : json({ error: 'store_failed', message: 'Azure Delete Blob failed: 403 AuthenticationFailed' }, deleteStatus);
      }
    }
    // The store holds every part until the request is aborted (the cancel).
    return new Promise<Response>((_resolve, reject) => init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))));
  };
  return { fetchFn, deletes };
}

async function cancelMidUpload(deleteStatus: number) {
  const { fetchFn, deletes } = world(deleteStatus);
  const task = upload(new Blob([new Uint8Array(3000)]), { url: 'http://broker.test', fetch: fetchFn, retries: 0 });
  await new Promise<void>((resolve) => task.on('state', (state) => state === 'uploading' && resolve()));
  const outcome = task.done.then(() => undefined, (error: unknown) => error);
  await task.cancel();
  return { error: await outcome, state: task.state, deletes };
}

describe('cancel', () => {
  it('ends cancelled when the broker discarded the upload', async () => {
    const { error, state, deletes } = await cancelMidUpload(202);
    expect(deletes).toEqual(['/uploads-1']);
    expect(state).toBe('cancelled');
    expect(error).toMatchObject({ code: 'cancelled' });
  });

  it('never reports a failed DELETE as done: cancel_incomplete with the broker’s reason', async () => {
    const { error, state, deletes } = await cancelMidUpload(502);
    expect(deletes).toEqual(['/uploads-1']);
    expect(state).toBe('cancelled');
    expect(error).toBeInstanceOf(UploadError);
    expect(error).toMatchObject({ code: 'cancel_incomplete', message: expect.stringMatching(/did not discard the upload: Azure Delete Blob failed: 403/) });
  });
});
