// A loopback pass-through in front of a test store: the broker is configured
// with the tap's address, so every request the browser (or the broker) makes
// to the store crosses it and is logged as the store answered it — the
// store's own count of part requests, whatever the page believes.
//
// It also fills one gap of Swift's S3 API: s3api answers the multipart POSTs
// (CreateMultipartUpload, CompleteMultipartUpload) without CORS headers,
// though it answers their preflights and every PUT with them. AWS S3 with a
// bucket CORS rule covers all of them. The tap adds the headers only to a
// response that has none; Azurite sets its own (service CORS rule), so there
// the tap adds nothing.
import { once } from 'node:events';
import { createServer, request as httpRequest, type OutgoingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { storePartNumber } from './demo-page-driver.js';

export interface TappedRequest {
  method: string;
  /** Part number of an S3 UploadPart or Azure Put Block. */
  part: number | undefined;
  /** The store's status; undefined until it answers (or when the client went away first). */
  status: number | undefined;
  phase: number;
}

export interface StoreTap {
  /** The store's endpoint through the tap (same path, e.g. Azurite's /devstoreaccount1). */
  endpoint: string;
  /** Tags the requests that follow (e.g. 2 after a page reload). */
  phase: number;
  readonly requests: TappedRequest[];
  /** Part numbers the store accepted (2xx) in `phase`, ascending, each once. */
  partsStored(phase: number): number[];
  /** Part numbers that reached the store in `phase`, in order, repeats kept. */
  partsReceived(phase: number): number[];
  close(): Promise<void>;
}

export async function startStoreTap(storeEndpoint: string): Promise<StoreTap> {
  const target = new URL(storeEndpoint);
  const requests: TappedRequest[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', target);
    const entry: TappedRequest = { method: req.method ?? 'GET', part: req.method === 'PUT' ? storePartNumber(url) : undefined, status: undefined, phase: tap.phase };
    requests.push(entry);
    // Host passes through unchanged: SigV4 signed the tap's host, and Swift checks it.
    const upstream = httpRequest({ hostname: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      entry.status = answer.statusCode;
      const headers: OutgoingHttpHeaders = { ...answer.headers };
      const origin = req.headers.origin;
      if (origin !== undefined && req.method !== 'OPTIONS' && headers['access-control-allow-origin'] === undefined) {
        headers['access-control-allow-origin'] = origin;
        headers['access-control-expose-headers'] = 'ETag';
        headers['vary'] = 'Origin';
      }
      res.writeHead(answer.statusCode ?? 502, headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    // A client that goes away (pause, cancel, reload) aborts the store request too.
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const tap: StoreTap = {
    endpoint: `http://127.0.0.1:${port}${target.pathname.replace(/\/$/, '')}`,
    phase: 1,
    requests,
    partsStored: (phase) =>
      [...new Set(requests.filter((r) => r.phase === phase && r.part !== undefined && r.status !== undefined && r.status < 300).map((r) => r.part!))].sort((a, b) => a - b),
    partsReceived: (phase) => requests.filter((r) => r.phase === phase && r.part !== undefined).map((r) => r.part!),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return tap;
}
