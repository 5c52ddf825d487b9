// One server under load, as a child of a benchmark (bench-kit.ts starts it pinned to one
// core): the Signpost broker as main.ts runs it, a bare express 5 route, or node:http with
// the AWS SDK's getSignedUrl per request. The parent talks to it over IPC: `start` with the
// settings, `cpu` for process.cpuUsage(), and the child exits when the channel closes.
//   node --import tsx scripts/bench/contender.ts   (spawned with an IPC channel, never by hand)
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { Session } from 'node:inspector/promises';
import type { AddressInfo } from 'node:net';
import { S3Client, UploadPartCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import express from 'express';
import { loadServerEnv, parseConfig } from '../../src/config.js';
import { runBroker } from '../../src/main.js';

export type ContenderStart =
  | { kind: 'broker'; config: unknown; env: Record<string, string> }
  /** Answers every PATCH/POST with this canned JSON after parsing the body, as the broker's router would. */
  | { kind: 'express'; answer: unknown }
  | { kind: 'naive'; s3: { endpoint: string; region: string; bucket: string; accessKeyId: string; secretAccessKey: string } }
  /** Uppy Companion (a dev dependency, for comparison only) with its S3 routes on the same store. */
  | { kind: 'companion'; s3: { endpoint: string; region: string; bucket: string; accessKeyId: string; secretAccessKey: string } };

export type ContenderMessage = { type: 'ready'; url: string } | { type: 'cpu'; user: number; system: number } | { type: 'failed'; message: string } | { type: 'profiled' };

export type ParentMessage = { type: 'start'; settings: ContenderStart } | { type: 'cpu' } | { type: 'profile-start' } | { type: 'profile-stop'; path: string };

// A V8 CPU profile of the measured rounds only (start-up and warm-up left out).
let profiler: Session | undefined;
async function profile(message: Extract<ParentMessage, { type: 'profile-start' | 'profile-stop' }>): Promise<void> {
  if (message.type === 'profile-start') {
    profiler = new Session();
    profiler.connect();
    await profiler.post('Profiler.enable');
    await profiler.post('Profiler.setSamplingInterval', { interval: 200 });
    await profiler.post('Profiler.start');
    return;
  }
  if (!profiler) return;
  const { profile: taken } = await profiler.post('Profiler.stop');
  await writeFile(message.path, JSON.stringify(taken));
  profiler.disconnect();
  profiler = undefined;
}

function send(message: ContenderMessage): void {
  process.send?.(message);
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function start(settings: ContenderStart): Promise<string> {
  switch (settings.kind) {
    case 'broker': {
      const config = parseConfig(settings.config, loadServerEnv({ ...settings.env, PORT: '0', HOST: '127.0.0.1' }), 'bench');
      return (await runBroker(config)).url;
    }
    case 'express': {
      const app = express();
      app.disable('x-powered-by');
      app.use(express.json({ limit: '8mb' }));
      const answer = settings.answer;
      app.patch('/api/engine/v2/uploads/:id', (_req, res) => void res.json(answer));
      app.post('/api/v1/uploads/:id/parts', (_req, res) => void res.json(answer));
      return listen(createServer(app));
    }
    case 'companion': {
      // Its options as its docs give them for an S3-compatible store; everything else its defaults.
      const { app: companionApp } = await import('@uppy/companion');
      const { endpoint, region, bucket, accessKeyId, secretAccessKey } = settings.s3;
      const { app } = companionApp({
        s3: { key: accessKeyId, secret: secretAccessKey, bucket, region, endpoint, forcePathStyle: true },
        server: { host: '127.0.0.1', protocol: 'http' },
        filePath: await mkdtemp(join(tmpdir(), 'bench-companion-')),
        secret: 'bench-companion-secret',
        corsOrigins: true,
      });
      return listen(createServer(app));
    }
    case 'naive': {
      const { endpoint, region, bucket, accessKeyId, secretAccessKey } = settings.s3;
      const client = new S3Client({ endpoint, region, forcePathStyle: true, credentials: { accessKeyId, secretAccessKey }, requestChecksumCalculation: 'WHEN_REQUIRED' });
      return listen(
        createServer((req, res) => {
          void (async () => {
            const body = JSON.parse((await readBody(req)) || '{}') as unknown;
            const url = new URL(req.url ?? '/', 'http://x');
            const part = Number(url.searchParams.get('part') ?? 1);
            const md5 = url.searchParams.get('file_id') ?? '';
            const signed = await getSignedUrl(
              client,
              new UploadPartCommand({ Bucket: bucket, Key: `bench/${url.pathname.split('/').pop() ?? ''}`, UploadId: 'bench', PartNumber: part, ContentMD5: md5 }),
              { expiresIn: 300, signableHeaders: new Set(['content-md5']) },
            );
            res.setHeader('content-type', 'application/json');
            res.end(JSON.stringify({ type: 'part_upload', signature: { verb: 'PUT', url: signed, headers: { 'Content-MD5': md5 } }, reported: body !== null }));
          })().catch((error: unknown) => {
            res.statusCode = 500;
            res.end(String(error));
          });
        }),
      );
    }
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

process.on('message', (message: ParentMessage) => {
  if (message.type === 'profile-start' || message.type === 'profile-stop') {
    profile(message).then(
      () => send({ type: 'profiled' }),
      (error: unknown) => send({ type: 'failed', message: String(error) }),
    );
    return;
  }
  if (message.type === 'cpu') {
    const { user, system } = process.cpuUsage();
    send({ type: 'cpu', user, system });
    return;
  }
  start(message.settings).then(
    (url) => send({ type: 'ready', url }),
    (error: unknown) => send({ type: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
  );
});
// The parent is gone (or done with us): so are we.
process.on('disconnect', () => process.exit(0));
