// OpenStack Swift's s3api has no browser-based upload with POST (a presigned
// POST policy form answers S3NotImplemented), yet that is Uppy's default path.
// This loopback gateway stands in front of Swift and fills that one gap:
//
// - A `POST /<bucket>` (or `/<bucket>/`, path-style) with a multipart/form-data
//   body is checked here exactly as AWS documents "Browser-based uploads using
//   POST (AWS Signature Version 4)": the base64 Policy, its expiration, the
//   X-Amz-Algorithm / X-Amz-Credential / X-Amz-Date fields, the signature
//   hex(HMAC-SHA256(signing key, Policy)), every condition, and that every form
//   field is covered by a condition. A form that passes is stored with a real
//   signed PutObject to Swift (AWS SDK, the store's credentials), so what Swift
//   holds afterwards is what the browser sent. A form that fails stores nothing.
//   The file is buffered in memory (tests send at most ~25 MiB; capped at
//   MAX_FILE_BYTES) because content-length-range can only be checked against
//   the whole file, and PutObject needs its length.
// - Everything else (part PUTs, the broker's SDK calls) passes through to Swift
//   unchanged, Host included (SigV4 signed it), and is counted like
//   store-tap.ts counts it; CORS headers are added where Swift's answer has
//   none (its multipart POSTs), also as store-tap does.
// - The POST's CORS preflight is answered here: Swift's own preflight for a
//   bucket path need not allow POST.
//
// Applied to the stored object: Content-Type, Cache-Control,
// Content-Disposition, Content-Encoding and x-amz-meta-* from the form. Other
// fields (acl, tagging, …) are checked against the policy but not applied.
// `${filename}` in the key is not supported (Uppy requires a concrete key).
import { once } from 'node:events';
import { createServer, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import busboy from 'busboy';
import { storePartNumber } from './demo-page-driver.js';
import { verifyPostPolicy, type PostForm, type StoreCredentials } from './post-policy-verify.js';

/** Larger forms are refused rather than buffered. */
export const MAX_FILE_BYTES = 64 * 1024 * 1024;

export interface PassedRequest {
  method: string;
  /** Object key of a path-style object URL (/<bucket>/<key>). */
  key: string | undefined;
  /** Part number of an S3 UploadPart (PUT with partNumber=N). */
  part: number | undefined;
  /** Swift's status; undefined until it answers (or when the client went away first). */
  status: number | undefined;
}

export interface PostAttempt {
  bucket: string;
  key: string | undefined;
  status: number;
  /** Why it was refused; undefined when stored. */
  reason: string | undefined;
}

export interface PostPolicyGateway {
  /** Swift's endpoint through the gateway: give it to the broker's S3 storage and SDK clients. */
  endpoint: string;
  readonly requests: PassedRequest[];
  readonly posts: PostAttempt[];
  /** Part numbers Swift accepted (2xx) for `key` (any key when undefined), in arrival order, repeats kept. */
  partPutsStored(key?: string): number[];
  /** Part numbers that reached Swift for `key`, in arrival order, repeats kept. */
  partPutsReceived(key?: string): number[];
  close(): Promise<void>;
}

export async function startPostPolicyGateway(store: StoreCredentials & { endpoint: string }): Promise<PostPolicyGateway> {
  const target = new URL(store.endpoint);
  const requests: PassedRequest[] = [];
  const posts: PostAttempt[] = [];
  // Straight to Swift, not through the gateway; Swift ignores x-amz-checksum-*.
  const swift = new S3Client({
    region: store.region,
    endpoint: store.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: store.accessKeyId, secretAccessKey: store.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });

  const passThrough = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', target);
    const key = /^\/[^/]+\/(.+)$/.exec(url.pathname)?.[1];
    const entry: PassedRequest = {
      method: req.method ?? 'GET',
      key: key === undefined ? undefined : decodeURIComponent(key),
      part: req.method === 'PUT' ? storePartNumber(url) : undefined,
      status: undefined,
    };
    requests.push(entry);
    const upstream = httpRequest({ hostname: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      entry.status = answer.statusCode;
      const headers: OutgoingHttpHeaders = { ...answer.headers };
      const origin = req.headers.origin;
      if (origin !== undefined && req.method !== 'OPTIONS' && headers['access-control-allow-origin'] === undefined) Object.assign(headers, corsHeaders(origin));
      res.writeHead(answer.statusCode ?? 502, headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    // A client that goes away (pause, remove) aborts the store request too.
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  };

  const handlePost = async (req: IncomingMessage, res: ServerResponse, bucket: string): Promise<void> => {
    const origin = req.headers.origin;
    const answer = (status: number, code: string, message: string, key?: string): void => {
      posts.push({ bucket, key, status, reason: `${code}: ${message}` });
      sendXml(res, status, errorXml(code, message), origin);
    };
    let form: PostForm;
    try {
      form = await readForm(req);
    } catch (error) {
      return answer(400, 'MalformedPOSTRequest', (error as Error).message);
    }
    const verdict = verifyPostPolicy(form, { bucket, now: new Date(), store });
    if (!verdict.ok) return answer(verdict.status, verdict.code, verdict.message, form.fields.get('key'));
    const { key, object } = verdict;
    let etag: string | undefined;
    try {
      const put = await swift.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: form.file!, ContentLength: form.file!.length, ...object }));
      etag = put.ETag;
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 502;
      return answer(status, (error as Error).name, (error as Error).message, key);
    }
    posts.push({ bucket, key, status: verdict.successStatus, reason: undefined });
    const location = `${gateway.endpoint}/${encodeURIComponent(bucket)}/${key.split('/').map(encodeURIComponent).join('/')}`;
    const headers: OutgoingHttpHeaders = { Location: location, ...(etag ? { ETag: etag } : {}), ...(origin ? corsHeaders(origin) : {}) };
    if (verdict.successStatus === 201) {
      const body = `<?xml version="1.0" encoding="UTF-8"?>\n<PostResponse><Location>${xml(location)}</Location><Bucket>${xml(bucket)}</Bucket><Key>${xml(key)}</Key><ETag>${xml(etag ?? '')}</ETag></PostResponse>`;
      res.writeHead(201, { ...headers, 'Content-Type': 'application/xml' }).end(body);
    } else {
      res.writeHead(verdict.successStatus, headers).end();
    }
  };

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', target).pathname;
    const bucket = /^\/([^/]+)\/?$/.exec(path)?.[1];
    const isForm = (req.headers['content-type'] ?? '').toLowerCase().startsWith('multipart/form-data');
    if (bucket !== undefined && req.method === 'POST' && isForm) {
      void handlePost(req, res, decodeURIComponent(bucket)).catch(() => res.destroy());
    } else if (bucket !== undefined && req.method === 'OPTIONS') {
      answerPreflight(req, res);
    } else {
      passThrough(req, res);
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const partPuts = (key: string | undefined, stored: boolean) =>
    requests.filter((r) => r.part !== undefined && (key === undefined || r.key === key) && (!stored || (r.status !== undefined && r.status < 300))).map((r) => r.part!);
  const gateway: PostPolicyGateway = {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    posts,
    partPutsStored: (key) => partPuts(key, true),
    partPutsReceived: (key) => partPuts(key, false),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      swift.destroy();
    },
  };
  return gateway;
}

/** Fields in order (names lowercased: S3 matches them case-insensitively), then the file, buffered. */
function readForm(req: IncomingMessage): Promise<PostForm> {
  return new Promise((resolve, reject) => {
    const form: PostForm = { fields: new Map(), order: [], file: undefined };
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { fileSize: MAX_FILE_BYTES, fieldSize: 64 * 1024 } });
    } catch (error) {
      reject(error as Error);
      return;
    }
    const fail = (message: string) => {
      req.unpipe(parser);
      req.resume(); // drain, so the answer reaches the client
      reject(new Error(message));
    };
    parser.on('field', (name, value, info) => {
      const lower = name.toLowerCase();
      if (info.valueTruncated) return fail(`field ${name} is too long`);
      if (form.fields.has(lower)) return fail(`field ${name} appears twice`);
      form.order.push(lower);
      form.fields.set(lower, value);
    });
    parser.on('file', (name, stream) => {
      if (name.toLowerCase() !== 'file' || form.file !== undefined) {
        stream.resume();
        return fail(`unexpected file field ${name}: one file, named "file", per POST`);
      }
      form.order.push('file');
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => fail(`file larger than this gateway buffers (${MAX_FILE_BYTES} bytes)`));
      stream.on('end', () => (form.file = Buffer.concat(chunks)));
    });
    parser.on('error', (error: Error) => fail(error.message));
    parser.on('close', () => resolve(form));
    req.pipe(parser);
  });
}

function answerPreflight(req: IncomingMessage, res: ServerResponse): void {
  const origin = req.headers.origin;
  const method = req.headers['access-control-request-method'];
  if (origin === undefined || method === undefined) {
    sendXml(res, 400, errorXml('BadRequest', 'Insufficient information. Origin and Access-Control-Request-Method are needed.'), origin);
    return;
  }
  res.writeHead(200, {
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Allow-Methods': 'POST, PUT, GET',
    ...(req.headers['access-control-request-headers'] ? { 'Access-Control-Allow-Headers': req.headers['access-control-request-headers'] } : {}),
    'Access-Control-Max-Age': '600',
    Vary: 'Origin, Access-Control-Request-Headers',
  });
  res.end();
}

function corsHeaders(origin: string): OutgoingHttpHeaders {
  return { 'Access-Control-Allow-Origin': origin, 'Access-Control-Expose-Headers': 'ETag, Location', Vary: 'Origin' };
}

function sendXml(res: ServerResponse, status: number, body: string, origin: string | undefined): void {
  res.writeHead(status, { 'Content-Type': 'application/xml', ...(origin ? corsHeaders(origin) : {}) }).end(body);
}

function errorXml(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${xml(code)}</Code><Message>${xml(message)}</Message></Error>`;
}

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
