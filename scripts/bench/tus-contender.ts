// The proxying contender of the end-to-end benchmark: @tus/server with @tus/s3-store in
// this process, in front of the same Swift, and tus-js-client sending the file to it. The
// file's bytes pass through the tus server (to a part file on disk, then to S3 in parts of
// `partSize`, `parallel` at once): the design Signpost avoids by signing direct PUTs.
import { createReadStream } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { S3Store } from '@tus/s3-store';
import { Server } from '@tus/server';
import * as tus from 'tus-js-client';

export interface TusTarget {
  endpoint: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export interface TusContender {
  upload(path: string, size: number, name: string): Promise<void>;
  close(): Promise<void>;
}

export async function startTus(s3: TusTarget, { partSize, parallel }: { partSize: number; parallel: number }): Promise<TusContender> {
  const datastore = new S3Store({
    partSize,
    maxConcurrentPartUploads: parallel,
    s3ClientConfig: {
      bucket: s3.bucket,
      region: s3.region,
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
      // Swift's s3api answers 501 to aws-chunked bodies, which the SDK's default checksums use.
      requestChecksumCalculation: 'WHEN_REQUIRED',
    },
  });
  const server = new Server({ path: '/files', datastore });
  const http = createServer((req, res) => void server.handle(req, res));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(http.address() as AddressInfo).port}/files`;
  return {
    upload: (path, size, name) =>
      new Promise<void>((resolve, reject) => {
        // One PATCH streaming the whole file (chunkSize Infinity, the client's default): the
        // fastest way tus-js-client has to feed a server that cuts S3 parts itself.
        const upload = new tus.Upload(createReadStream(path), {
          endpoint,
          uploadSize: size,
          metadata: { filename: name },
          retryDelays: [],
          storeFingerprintForResuming: false,
          onError: reject,
          onSuccess: () => resolve(),
        });
        upload.start();
      }),
    close: () => new Promise<void>((resolve) => http.close(() => resolve())),
  };
}
