// fetch for Node that sends a part's bytes without copying them. Node's built-in fetch
// copies a Uint8Array body twice (undici's extractBody slices it, its byte stream clones
// each chunk): a profile of a 64 MiB upload showed those copies and their garbage at a
// quarter of the client's CPU. node:http writes the caller's buffer to the socket as is.
// Anything that is not a byte body (the broker's JSON) goes to the built-in fetch.
// Node-only: never import it from a module the browser bundle reaches.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** Statuses whose Response must have a null body (the Response constructor throws otherwise). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

export const nodeFetch: typeof fetch = (input, init) => {
  const body = init?.body;
  if (!(body instanceof Uint8Array) || typeof input !== 'string') return globalThis.fetch(input, init);
  const url = new URL(input);
  const send = url.protocol === 'https:' ? httpsRequest : url.protocol === 'http:' ? httpRequest : undefined;
  if (send === undefined) return globalThis.fetch(input, init);
  const headers: Record<string, string> = {};
  new Headers(init?.headers).forEach((value, name) => (headers[name] = value));
  headers['content-length'] = String(body.byteLength);
  return new Promise<Response>((resolve, reject) => {
    // The global agent keeps connections alive (Node 20) and lets the process exit when idle.
    const req = send(url, { method: init?.method ?? 'PUT', headers, ...(init?.signal ? { signal: init.signal } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => resolve(toResponse(res, Buffer.concat(chunks))));
    });
    // Like fetch: a network failure is a TypeError whose cause names it (describeNetworkError reads it).
    req.on('error', (error) => reject(init?.signal?.aborted ? init.signal.reason : new TypeError('fetch failed', { cause: error })));
    req.end(body);
  });
};

function toResponse(res: IncomingMessage, bytes: Buffer): Response {
  const status = res.statusCode ?? 502;
  const headers = new Headers();
  for (const [name, value] of Object.entries(res.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  return new Response(NULL_BODY.has(status) ? null : (bytes as unknown as BodyInit), { status, statusText: res.statusMessage ?? '', headers });
}
