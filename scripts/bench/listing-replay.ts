// A loopback pass-through in front of Swift that remembers Swift's ListParts answers and
// replays them once `freeze()` is called. Swift's Python listing of 10,000 parts takes
// seconds on a busy machine, which would hide the broker's own cost of a resume; the
// replayed answers are Swift's own bytes, so the broker's SDK parses exactly what Swift
// said. Requests keep their Host header, so Swift checks the broker's signatures as signed.
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

interface Answer {
  status: number;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

export interface ListingReplay {
  endpoint: string;
  /** From now on ListParts answers come from memory (those seen so far). */
  freeze(): void;
  replayed(): number;
  stop(): Promise<void>;
}

/**
 * ListParts: GET on an object with ?uploadId and no partNumber; keyed by the multipart upload
 * and the page, not the signature or the object's name (a benchmark may report one multipart
 * upload to two brokers, each with its own object key).
 */
function listingKey(req: IncomingMessage): string | undefined {
  if (req.method !== 'GET') return undefined;
  const url = new URL(req.url ?? '/', 'http://x');
  if (!url.searchParams.has('uploadId') || url.searchParams.has('partNumber')) return undefined;
  return ['uploadId', 'part-number-marker', 'max-parts'].map((name) => `${name}=${url.searchParams.get(name) ?? ''}`).join('&');
}

export async function startListingReplay(swiftEndpoint: string): Promise<ListingReplay> {
  const target = new URL(swiftEndpoint);
  const answers = new Map<string, Answer>();
  let frozen = false;
  let replays = 0;
  const server: Server = createServer((req, res) => {
    const key = listingKey(req);
    const known = key === undefined ? undefined : answers.get(key);
    if (frozen && known) {
      replays++;
      res.writeHead(known.status, known.headers);
      res.end(known.body);
      return;
    }
    const upstream = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => chunks.push(chunk));
      answer.on('end', () => {
        const body = Buffer.concat(chunks);
        if (key !== undefined && answer.statusCode === 200) answers.set(key, { status: 200, headers: answer.headers, body });
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        res.end(body);
      });
    });
    upstream.on('error', (error) => {
      res.writeHead(502);
      res.end(error.message);
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    freeze: () => void (frozen = true),
    replayed: () => replays,
    stop: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
