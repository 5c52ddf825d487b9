// Azurite's Blob service (npm azurite) as a child process on a kernel-chosen
// loopback port, data in memory. A child rather than in-process so the same
// launcher serves the test setup and the dev launcher alike.
import { join } from 'node:path';
import { LOOPBACK } from './ports.js';
import { makeTempDir, packageBin, portFromLog, removeDir, spawnServer } from './server-process.js';

/** Azurite's well-known development account (the same on every machine). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_ACCOUNT_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface AzuriteServer {
  /** Blob service URL including the account, e.g. http://127.0.0.1:P/devstoreaccount1 */
  endpoint: string;
  account: 'devstoreaccount1';
  accountKey: string;
  stop(): Promise<void>;
}

const LISTENING = /successfully listens on http:\/\/127\.0\.0\.1:(\d+)/;

export interface StartAzuriteOptions {
  /** In-memory blob bytes Azurite may hold (it frees deleted blobs' extents lazily); default 1 GiB. */
  extentMemoryLimitMiB?: number;
}

export async function startAzurite({ extentMemoryLimitMiB = 1024 }: StartAzuriteOptions = {}): Promise<AzuriteServer> {
  const dir = await makeTempDir('azurite');
  const logFile = join(dir, 'azurite.log');
  const server = spawnServer({
    name: 'azurite-blob',
    command: process.execPath,
    args: [
      packageBin('azurite', 'azurite-blob'), // run by our own node: no shell, no PATH lookup
      '--blobHost', LOOPBACK,
      '--blobPort', '0', // the kernel picks a free port, so no race with other runs
      '--inMemoryPersistence',
      '--extentMemoryLimit', String(extentMemoryLimitMiB), // MB; the default is half of RAM
      '--silent',
      '--loose', // accept headers azurite does not implement (x-ms-content-crc64)
      '--skipApiVersionCheck', // @azure/storage-blob 12.32 sends a newer x-ms-version than azurite 3.35 knows
      '--disableTelemetry', // otherwise the CLI reports to Application Insights
    ],
    logFile,
    cwd: dir, // azurite resolves its default location against the working directory
  });
  const port = await portFromLog(server, logFile, LISTENING, 'azurite-blob');
  let stopping: Promise<void> | undefined;
  return {
    endpoint: `http://${LOOPBACK}:${port}/${AZURITE_ACCOUNT}`,
    account: AZURITE_ACCOUNT,
    accountKey: AZURITE_ACCOUNT_KEY,
    stop() {
      stopping ??= server.stop().finally(() => removeDir(dir));
      return stopping;
    },
  };
}

