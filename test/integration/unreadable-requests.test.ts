// Requests the framework cannot read — a path parameter with a malformed percent-encoding,
// a body that is not what its Content-Encoding says — are refused with 400 {error, message}
// in the broker's words, on every protocol, and leave the upload they name as it was.
import type { Server } from 'node:http';
import { connect } from 'node:net';
import { deflateSync, gzipSync } from 'node:zlib';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBroker, freshStores, storageConfigs, USERS, type TestBroker } from '../support/broker.js';
import { brokerServer } from '../../src/main.js';
import { mintEndpoint, type UppyEndpoint } from '../support/companion-driver.js';
import { BASE, md5b64 } from '../support/protocol-driver.js';

const BAD_ENCODINGS = ['%E0%A4%A', '%', '%ZZ', '%C3%28', 'a%'];
const KEY = { 'X-API-Key': USERS.alice.key };

function expectRefusal(res: request.Response, status = 400, code = 'bad_request'): void {
  expect(res.status, res.text).toBe(status);
  expect(res.body).toEqual({ error: code, message: expect.any(String) });
}

describe('requests the framework cannot read', () => {
  let broker: TestBroker;
  let uppy: UppyEndpoint;
  let uploadId: string;
  let before: unknown;
  // Bodies go over a real socket with fetch: supertest re-serialises a Buffer sent as JSON.
  let server: Server;
  let origin: string;
  const send = (method: string, path: string, encoding: string, payload: Uint8Array, contentType = 'application/json') =>
    fetch(`${origin}${path}`, { method, headers: { ...KEY, 'Content-Type': contentType, ...(encoding === '' ? {} : { 'Content-Encoding': encoding }) }, body: payload as BodyInit });
  const post = (path: string, encoding: string, payload: Uint8Array, contentType?: string) => send('POST', path, encoding, payload, contentType);
  const refusal = async (res: Response, message?: string) => {
    const text = await res.text();
    expect(res.status, text).toBe(400);
    expect(JSON.parse(text)).toEqual({ error: 'bad_request', message: message ?? expect.any(String) });
  };

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  beforeAll(async () => {
    broker = buildBroker({ storages: storageConfigs(await freshStores()) });
    // The broker's own HTTP server (main.ts), which also answers what Node's parser refuses.
    server = brokerServer(broker.app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    uppy = await mintEndpoint(broker.app, 'alice');
    uploadId = (await broker.as('alice').create(Buffer.from('hello'), { file_name: 'hello.txt' })).upload_id;
    before = (await broker.as('alice').get(`/${uploadId}`)).body;
  });

  it.each(BAD_ENCODINGS)('PlaceOS: a path parameter %s on every per-upload route → 400 with a message naming the path', async (bad) => {
    const app = request(broker.app);
    for (const req of [
      app.get(`${BASE}/${bad}`),
      app.put(`${BASE}/${bad}`),
      app.patch(`${BASE}/${bad}?part=1&file_id=x`).send({}),
      app.delete(`${BASE}/${bad}`),
      app.get(`${BASE}/${bad}/edit?part=finish`),
      app.get(`${BASE}/${bad}/url`),
    ]) {
      const res = await req.set(KEY);
      expectRefusal(res);
      expect(res.body.message).toBe('request path has a malformed percent-encoding');
    }
  });

  it.each(BAD_ENCODINGS)('Uppy: a token, uploadId or partNumber %s → 400, not 500', async (bad) => {
    const app = request(broker.app);
    expectRefusal(await app.get(`/uppy/${bad}/s3/params?filename=a.txt`));
    expectRefusal(await app.get(`${uppy.endpoint}/s3/multipart/${bad}?key=k`));
    expectRefusal(await app.get(`${uppy.endpoint}/s3/multipart/${uploadId}/${bad}?key=k`));
    expectRefusal(await app.post(`${uppy.endpoint}/s3/multipart/${bad}/complete?key=k`).send({ parts: [{ PartNumber: 1, ETag: 'x' }] }));
    expectRefusal(await app.delete(`${uppy.endpoint}/s3/multipart/${bad}?key=k`));
  });

  const body = JSON.stringify({ file_name: 'a.txt', file_size: 1, file_id: md5b64(Buffer.from('a')) });
  it.each([
    ['gzip', Buffer.from(body)],
    ['deflate', Buffer.from(body)],
    ['br', Buffer.from(body)],
    ['gzip', gzipSync(body).subarray(0, 20)], // cut short
    ['deflate', gzipSync(body)], // gzip framing under a deflate label
    ['gzip', deflateSync(body)],
  ])('a body labelled Content-Encoding: %s that is not → 400', async (encoding, payload) => {
    const message = 'request body is not encoded as its Content-Encoding says';
    await refusal(await post(`${BASE}/`, encoding, payload), message);
    await refusal(await send('PATCH', `${BASE}/${uploadId}`, encoding, payload), message);
    await refusal(await post('/uppy/tokens', encoding, payload), message);
  });

  it('a correctly gzipped body is read (the refusal is about the mismatch, not about compression)', async () => {
    const res = await post(`${BASE}/`, 'gzip', gzipSync(body));
    expect(res.status, await res.text()).toBe(200);
  });

  it('an unknown Content-Encoding and an unknown charset stay 400 (body-parser says 415; the broker has one code for bad input)', async () => {
    await refusal(await post(`${BASE}/`, 'zstd-nope', Buffer.from(body)), 'request body encoding is not supported');
    await refusal(await post(`${BASE}/`, '', Buffer.from(body), 'application/json; charset=klingon'), 'request body encoding is not supported');
  });

  /** Bytes straight onto a socket; resolves with everything the server sent before closing it. */
  const rawExchange = (bytes: string) =>
    new Promise<string>((resolve, reject) => {
      const socket = connect(Number(new URL(origin).port), '127.0.0.1');
      let answer = '';
      socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
      socket.on('end', () => resolve(answer));
      socket.on('error', reject);
      socket.end(bytes);
    });
  const parseAnswer = (answer: string) => {
    const [head = '', body = ''] = answer.split('\r\n\r\n');
    return { status: Number(head.split(' ')[1]), contentType: /content-type: ([^\r]+)/i.exec(head)?.[1], body: JSON.parse(body) as unknown };
  };

  it('a request line over 16 KiB is answered 431 {error, message}, not with a bare status line', async () => {
    const answer = parseAnswer(await rawExchange(`GET ${BASE}/${'u'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\nX-API-Key: ${USERS.alice.key}\r\n\r\n`));
    expect(answer).toEqual({ status: 431, contentType: 'application/json; charset=utf-8', body: { error: 'too_large', message: 'request line or headers are too large' } });
  });

  it('bytes that are not HTTP are answered 400 {error, message}', async () => {
    for (const garbage of ['HELLO\r\n\r\n', `GET /${'\u0000'} HTTP/1.1\r\n\r\n`, 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n']) {
      expect(parseAnswer(await rawExchange(garbage))).toEqual({ status: 400, contentType: 'application/json; charset=utf-8', body: { error: 'bad_request', message: 'request is not valid HTTP' } });
    }
  });

  it('none of those refusals touched the upload', async () => {
    expect((await broker.as('alice').get(`/${uploadId}`)).body).toEqual(before);
  });
});
