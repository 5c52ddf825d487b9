// compose() and `signpost compose` before and around the broker: range
// arguments parsed, plans that seed 004's copy rules would refuse refused up
// front (nothing sent), the calls a good plan makes (initiate with the first
// range's size as part size, one copy per range, complete with or without a
// digest), and the broker's refusals passed on with the upload destroyed.
import { describe, expect, it } from 'vitest';
import { compose, planComposition, UploadError, V1Client, type ComposeRange } from '../../src/client/node.js';
import { parseRangeArg } from '../../src/client/cli-compose.js';
import { runCli } from '../../src/client/cli.js';
import { json } from './client-v1-fake.js';

const MiB = 1024 * 1024;
const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const DIGEST = 'c'.repeat(64);

interface Call {
  method: string;
  path: string;
  body: unknown;
}

/** A fake v1 broker: plans what it is asked for, copies, completes; `script` may answer a call instead. */
function fakeBroker(script: (call: Call) => Response | undefined = () => undefined) {
  const calls: Call[] = [];
  const fetchFn: typeof fetch = async (input, init = {}) => {
    const url = new URL(String(input));
    const call = { method: init.method ?? 'GET', path: url.pathname.replace(/^\/api\/v1/, '') + url.search, body: init.body === undefined ? undefined : JSON.parse(String(init.body)) };
    calls.push(call);
    const scripted = script(call);
    if (scripted) return scripted;
    if (call.method === 'POST' && call.path === '/uploads') {
      const { size, part_size } = call.body as { size: number; part_size: number };
      return json({ id: 'uploads-c', upload_token: 't', strategy: 'multipart', part_size, part_count: Math.ceil(size / part_size), expires_at: '2030-01-01T00:00:00.000Z' }, 202);
    }
    const copy = /^\/uploads\/uploads-c\/parts\/(\d+)\/copy$/.exec(call.path);
    if (call.method === 'POST' && copy) return json({ number: Number(copy[1]), size: 0, md5: 'd41d8cd98f00b204e9800998ecf8427e' });
    if (call.method === 'POST' && call.path.startsWith('/uploads/uploads-c/complete')) return json({ id: 'uploads-c', sha256: DIGEST, size: 1, verified: 'read-back' }, 201);
    if (call.method === 'DELETE') return new Response(null, { status: 204 });
    return json({ error: 'not_found', message: `no route ${call.method} ${call.path}` }, 404);
  };
  return { fetch: fetchFn, calls };
}

const options = (fake: ReturnType<typeof fakeBroker>, extra = {}) => ({ url: 'http://broker.test', headers: { 'X-API-Key': 'k' }, filename: 'out.mp4', fetch: fake.fetch, retryDelayMs: 1, parallel: 1, ...extra });

describe('parseRangeArg (signpost compose <sha256>:<first>-<last>)', () => {
  it('reads both forms, with bytes= or without; the digest in lower case', () => {
    expect(parseRangeArg(`${A}:0-6291455`)).toEqual({ sha256: A, first: 0, last: 6291455 });
    expect(parseRangeArg(`${B.toUpperCase()}:bytes=1048576-2097151`)).toEqual({ sha256: B, first: MiB, last: 2 * MiB - 1 });
  });

  it('refuses what is not one range of a SHA-256 with both ends, saying the expected form', () => {
    const cases: Array<[string, RegExp]> = [
      ['0-100', /is not a range: expected <sha256>:<first>-<last>/],
      [`${A.slice(1)}:0-100`, /is not a SHA-256 \(64 hex digits\)/],
      [`sha256:${A}:0-100`, /"sha256" is not a SHA-256/],
      [`${A}:bytes=0-`, /"bytes=0-" is not one range with both ends/],
      [`${A}:-100`, /is not one range with both ends/],
      [`${A}:0-10,20-30`, /is not one range with both ends/],
      [`${A}:bytes=a-b`, /is not one range with both ends/],
      [`${A}:`, /is not one range with both ends/],
    ];
    for (const [text, message] of cases) expect(() => parseRangeArg(text), text).toThrow(message);
  });
});

describe('planComposition', () => {
  it('one part per range: the first range sets the part size, the last may be shorter; sources by sha256 or upload id', () => {
    const plan = planComposition([
      { sha256: A.toUpperCase(), first: MiB, last: 7 * MiB - 1 },
      { uploadId: 'uploads-x', first: 0, last: 6 * MiB - 1 },
      { sha256: B, first: 2 * MiB, last: 3 * MiB },
    ]);
    expect(plan).toEqual({
      size: 13 * MiB + 1,
      partSize: 6 * MiB,
      parts: [
        { number: 1, source: { sha256: A }, range: `bytes=${MiB}-${7 * MiB - 1}` },
        { number: 2, source: { upload_id: 'uploads-x' }, range: `bytes=0-${6 * MiB - 1}` },
        { number: 3, source: { sha256: B }, range: `bytes=${2 * MiB}-${3 * MiB}` },
      ],
    });
    // The last range as long as the others is a full last part.
    expect(planComposition([{ sha256: A, first: 0, last: 5 * MiB - 1 }, { sha256: B, first: 0, last: 5 * MiB - 1 }])).toMatchObject({ size: 10 * MiB, partSize: 5 * MiB });
  });

  it("refuses, naming the range, what seed 004's copy rules or the part plan would refuse", () => {
    const six = (sha256 = A, first = 0): ComposeRange => ({ sha256, first, last: first + 6 * MiB - 1 });
    const cases: Array<[ComposeRange[], RegExp]> = [
      [[], /at least one range \(got 0\)/],
      [[six(), { sha256: B, first: MiB + 1, last: 2 * MiB }], /range 2: bytes=1048577-2097152 must start on a multiple of 1 MiB/],
      [[six(), { sha256: B, first: 3 * MiB, last: MiB }], /range 2: bytes=3145728-1048576 ends before it starts/],
      [[six(), { sha256: B, first: -MiB, last: MiB }], /range 2: first and last must be whole byte offsets/],
      [[six(), { sha256: B, first: 0, last: 1.5 }], /range 2: first and last must be whole byte offsets/],
      [[six(), { sha256: B, first: 0, last: 5 * MiB - 1 }, six()], /range 2: bytes=0-5242879 has 5242880 bytes; every range but the last must have the first's 6291456/],
      [[six(), { sha256: B, first: 0, last: 6 * MiB }], /range 2: bytes=0-6291456 has 6291457 bytes, more than the first's 6291456; the last range may be shorter/],
      [[{ sha256: A, first: 0, last: 4 * MiB - 1 }, { sha256: B, first: 0, last: MiB - 1 }], /range 1: bytes=0-4194303 has 4194304 bytes; every range but the last is a part of at least 5242880 bytes/],
      [[six(), { sha256: 'abc', first: 0, last: 10 }], /range 2: sha256 must be 64 hex digits, not "abc"/],
      [[six(), { first: 0, last: 10 } as unknown as ComposeRange], /range 2: name its source by sha256 or by uploadId/],
      [[six(), { sha256: B, uploadId: 'u', first: 0, last: 10 } as unknown as ComposeRange], /range 2: name its source by sha256 or by uploadId \(one of them\)/],
      [Array.from({ length: 10_001 }, () => six()), /at most 10000 ranges/],
    ];
    for (const [ranges, message] of cases) {
      expect(() => planComposition(ranges), String(message)).toThrow(message);
      try {
        planComposition(ranges);
      } catch (error) {
        expect(error).toBeInstanceOf(UploadError);
        expect(error).toMatchObject({ code: 'bad_request' });
      }
    }
  });

  it("takes smaller parts where the storage's policy does (minPartSize)", () => {
    expect(planComposition([{ sha256: A, first: 0, last: MiB - 1 }, { sha256: B, first: 0, last: 9 }], MiB)).toMatchObject({ size: MiB + 10, partSize: MiB });
  });
});

describe('compose', () => {
  const ranges: ComposeRange[] = [
    { sha256: A, first: MiB, last: 7 * MiB - 1 },
    { sha256: B, first: 2 * MiB, last: 6 * MiB - 1 },
  ];

  it('initiates the concatenation with the first range as part size, copies each range into its part, completes without a digest', async () => {
    const fake = fakeBroker();
    const result = await compose(ranges, options(fake, { storageId: 's3', tags: ['clip'] }));
    expect(result).toEqual({ id: 'uploads-c', sha256: DIGEST, size: 1, verified: 'read-back' });
    expect(fake.calls).toEqual([
      { method: 'POST', path: '/uploads', body: { filename: 'out.mp4', size: 10 * MiB, part_size: 6 * MiB, storage_id: 's3', tags: ['clip'] } },
      { method: 'POST', path: '/uploads/uploads-c/parts/1/copy', body: { source: { sha256: A }, range: `bytes=${MiB}-${7 * MiB - 1}` } },
      { method: 'POST', path: '/uploads/uploads-c/parts/2/copy', body: { source: { sha256: B }, range: `bytes=${2 * MiB}-${6 * MiB - 1}` } },
      { method: 'POST', path: '/uploads/uploads-c/complete', body: undefined },
    ]);
  });

  it('completes with the digest when the caller knows it', async () => {
    const fake = fakeBroker();
    await compose(ranges, options(fake, { sha256: DIGEST.toUpperCase() }));
    expect(fake.calls.at(-1)).toMatchObject({ path: `/uploads/uploads-c/complete?digest=sha-256%3A${DIGEST}` });
  });

  it('a refused plan or digest sends nothing', async () => {
    const fake = fakeBroker();
    await expect(compose([], options(fake))).rejects.toMatchObject({ code: 'bad_request', message: expect.stringMatching(/at least one range/) });
    await expect(compose(ranges, options(fake, { sha256: 'xyz' }))).rejects.toMatchObject({ code: 'bad_request', message: expect.stringMatching(/sha256 must be 64 hex digits/) });
    expect(fake.calls).toEqual([]);
  });

  it("a copy the broker refuses stops the rest, destroys the upload and rejects with the broker's code and words", async () => {
    const fake = fakeBroker((call) => (call.path.endsWith('/parts/2/copy') ? json({ error: 'not_found', message: 'no blob you may read' }, 404) : undefined));
    const three = [...ranges.slice(0, 1), { sha256: B, first: 0, last: 6 * MiB - 1 }, { sha256: B, first: 0, last: 9 }];
    const failure = compose(three, options(fake));
    await expect(failure).rejects.toBeInstanceOf(UploadError);
    await expect(failure).rejects.toMatchObject({ status: 404, code: 'not_found', brokerMessage: 'no blob you may read' });
    expect(fake.calls.map((c) => `${c.method} ${c.path}`)).toEqual(['POST /uploads', 'POST /uploads/uploads-c/parts/1/copy', 'POST /uploads/uploads-c/parts/2/copy', 'DELETE /uploads/uploads-c']);
  });

  it('a store failure (502) is retried, then surfaces with its status and words', async () => {
    const fake = fakeBroker((call) => (call.path.endsWith('/copy') ? json({ error: 'store_failed', message: 'Put Block From URL failed: 501' }, 502) : undefined));
    await expect(compose(ranges, options(fake, { retries: 1 }))).rejects.toMatchObject({ status: 502, code: 'store_failed', brokerMessage: 'Put Block From URL failed: 501' });
    expect(fake.calls.filter((c) => c.path.endsWith('/parts/1/copy'))).toHaveLength(2);
    expect(fake.calls.at(-1)).toMatchObject({ method: 'DELETE' });
  });

  it('a digest refused at complete (422) destroys the upload; a lost answer to complete does not', async () => {
    const wrong = fakeBroker((call) => (call.path.includes('/complete') ? json({ error: 'verification_failed', message: 'the digest does not match' }, 422) : undefined));
    await expect(compose(ranges, options(wrong, { sha256: DIGEST }))).rejects.toMatchObject({ status: 422, code: 'verification_failed' });
    expect(wrong.calls.at(-1)).toMatchObject({ method: 'DELETE' });
    const lost = fakeBroker((call) => (call.path.includes('/complete') ? json({ error: 'unavailable', message: 'try later' }, 503) : undefined));
    await expect(compose(ranges, options(lost, { retries: 0 }))).rejects.toMatchObject({ status: 503 });
    expect(lost.calls.some((c) => c.method === 'DELETE')).toBe(false);
  });

  it('a broker plan other than one part per range is refused and destroyed', async () => {
    const fake = fakeBroker((call) => (call.path === '/uploads' ? json({ id: 'uploads-c', upload_token: 't', strategy: 'multipart', part_size: 5 * MiB, part_count: 2, expires_at: 'x' }, 202) : undefined));
    await expect(compose(ranges, options(fake))).rejects.toMatchObject({ code: 'bad_response', message: expect.stringMatching(/planned 2 multipart part\(s\) of 5242880 bytes for 2 ranges of 6291456/) });
    expect(fake.calls.map((c) => c.method)).toEqual(['POST', 'DELETE']);
  });

  it('cancelled through its signal: the copies stop, the upload is destroyed', async () => {
    const controller = new AbortController();
    const fake = fakeBroker((call) => {
      if (call.path.endsWith('/parts/1/copy')) controller.abort();
      return undefined;
    });
    await expect(compose(ranges, options(fake, { signal: controller.signal }))).rejects.toMatchObject({ code: 'cancelled' });
    expect(fake.calls.some((c) => c.path.endsWith('/parts/2/copy'))).toBe(false);
    expect(fake.calls.at(-1)).toMatchObject({ method: 'DELETE' });
  });

  it("V1Client.copyPart refuses an answer that is not the copied part's", async () => {
    const fake = fakeBroker((call) => (call.path.endsWith('/copy') ? json({ number: 2, size: 5 }) : undefined));
    await expect(new V1Client({ url: 'http://broker.test', fetch: fake.fetch }).copyPart('u', 1, { source: { sha256: A }, range: 'bytes=0-4' })).rejects.toMatchObject({ code: 'bad_response' });
  });
});

describe('signpost compose (arguments)', () => {
  function io() {
    const out = { stdout: '', stderr: '' };
    const stream = (key: 'stdout' | 'stderr') => ({ isTTY: false, write: (text: string) => ((out[key] += text), true) }) as unknown as NodeJS.WriteStream;
    return { out, io: { stdout: stream('stdout'), stderr: stream('stderr'), env: {} as NodeJS.ProcessEnv } };
  }

  it('a bad range, a refused plan or no URL: exit 1, "signpost: compose: <reason>", nothing sent', async () => {
    const fake = fakeBroker();
    const cases: Array<[string[], RegExp]> = [
      [['--url', 'http://broker.test', 'out.mp4', `${A}:0-6291455`, `${B}:bytes=0-`], /^signpost: compose: ".*" is not one range with both ends/],
      [['--url', 'http://broker.test', 'out.mp4', `${A}:0-6291455`, `${B}:100-200`], /^signpost: compose: range 2: bytes=100-200 must start on a multiple of 1 MiB/],
      [['out.mp4', `${A}:0-6291455`, `${B}:0-200`], /^signpost: compose: no broker URL: pass --url or set SIGNPOST_URL/],
    ];
    for (const [args, message] of cases) {
      const { out, io: streams } = io();
      expect(await runCli(['node', 'signpost', 'compose', ...args], { ...streams, fetch: fake.fetch }), args.join(' ')).toBe(1);
      expect(out.stderr).toMatch(message);
      expect(out.stdout).toBe('');
    }
    expect(fake.calls).toEqual([]);
  });

  it('prints the new blob, or its JSON with --json', async () => {
    const fake = fakeBroker();
    const args = ['compose', '--url', 'http://broker.test', 'out.mp4', `${A}:${MiB}-${7 * MiB - 1}`, `${B}:bytes=0-9`];
    const plain = io();
    expect(await runCli(['node', 'signpost', ...args], { ...plain.io, fetch: fake.fetch })).toBe(0);
    expect(plain.out.stdout).toBe(`out.mp4: composed uploads-c (1 B from 2 ranges, sha256 ${DIGEST}, verified read-back)\n`);
    const asJson = io();
    expect(await runCli(['node', 'signpost', ...args, '--json'], { ...asJson.io, fetch: fake.fetch })).toBe(0);
    expect(JSON.parse(asJson.out.stdout)).toEqual({ id: 'uploads-c', sha256: DIGEST, size: 1, verified: 'read-back' });
  });
});
