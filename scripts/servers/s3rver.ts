// s3rver (npm) as a child process, for the zero-install demo only (`npm start`).
// It accepts any SigV4 signature, ignores Content-MD5 and fakes multipart
// ETags, so nothing about security or integrity may be asserted against it.
// A child, never in-process: a Complete naming a missing part kills it.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LOOPBACK } from './ports.js';
import { makeTempDir, packageBin, portFromLog, removeDir, spawnServer } from './server-process.js';

export interface S3rverServer {
  endpoint: string;
  region: 'us-east-1';
  accessKeyId: 'S3RVER';
  secretAccessKey: 'S3RVER';
  forcePathStyle: true;
  stop(): Promise<void>;
}

export interface StartS3rverOptions {
  /** Created at start, each with a CORS rule for corsOrigin. */
  buckets: string[];
  /** Allowed browser origin; default '*'. */
  corsOrigin?: string;
}

const LISTENING = /S3rver listening on 127\.0\.0\.1:(\d+)/;

export async function startS3rver(options: StartS3rverOptions): Promise<S3rverServer> {
  const dir = await makeTempDir('s3rver');
  const logFile = join(dir, 's3rver.log');
  const dataDir = join(dir, 'data');
  await mkdir(dataDir);
  const corsFile = join(dir, 'cors.xml');
  await writeFile(corsFile, corsConfiguration(options.corsOrigin ?? '*'));

  const server = spawnServer({
    name: 's3rver',
    command: process.execPath,
    args: [
      packageBin('s3rver', 's3rver'),
      '--directory', dataDir,
      '--address', LOOPBACK,
      '--port', '0', // the kernel picks a free port
      '--silent',
      ...options.buckets.flatMap((bucket) => ['--configure-bucket', bucket, corsFile]),
    ],
    logFile,
    cwd: dir,
  });
  const port = await portFromLog(server, logFile, LISTENING, 's3rver');
  let stopping: Promise<void> | undefined;
  return {
    endpoint: `http://${LOOPBACK}:${port}`,
    region: 'us-east-1',
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    forcePathStyle: true,
    stop() {
      stopping ??= server.stop().finally(() => removeDir(dir));
      return stopping;
    },
  };
}

/** S3 bucket CORS: browsers may PUT parts from `origin` and read each part's ETag. */
function corsConfiguration(origin: string): string {
  const methods = ['GET', 'PUT', 'POST', 'DELETE', 'HEAD'].map((method) => `<AllowedMethod>${method}</AllowedMethod>`).join('');
  return [
    '<CORSConfiguration>',
    '<CORSRule>',
    `<AllowedOrigin>${escapeXml(origin)}</AllowedOrigin>`,
    methods,
    '<AllowedHeader>*</AllowedHeader>',
    '<ExposeHeader>ETag</ExposeHeader>',
    '<MaxAgeSeconds>3000</MaxAgeSeconds>',
    '</CORSRule>',
    '</CORSConfiguration>',
  ].join('');
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
