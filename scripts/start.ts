// `npm start`: with SIGNPOST_CONFIG, the broker as configured; without it, the
// embedded defaults — s3rver and Azurite on loopback, a bucket and a container
// with CORS for the browser, records in memory (or Redis if REDIS_URL is set),
// the demo page at /, and a dev API key printed for curl.
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { startAzurite, type AzuriteServer } from './servers/azurite.js';
import { startS3rver, type S3rverServer } from './servers/s3rver.js';
import { loadConfig, parseConfig } from '../src/config.js';
import { assertCanListen, closeOnSignals, exitOnStartFailure, runBroker } from '../src/main.js';

// The AWS SDK warns on every start that releases after January 2027 need Node 22;
// a newcomer's first screen should be the broker's banner (README notes the pin).
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

const BUCKET = 'signpost-dev';
const CONTAINER = 'signpost-dev';
const DEV_API_KEY = process.env['SIGNPOST_DEV_API_KEY'] ?? 'signpost-dev-key-local-only';

async function provisionAzurite(azurite: AzuriteServer): Promise<void> {
  const service = new BlobServiceClient(azurite.endpoint, new StorageSharedKeyCredential(azurite.account, azurite.accountKey));
  await service.getContainerClient(CONTAINER).createIfNotExists();
  // Browsers must read ETag and send Content-MD5 / x-ms-* headers straight to the store.
  await service.setProperties({
    cors: [{ allowedOrigins: '*', allowedMethods: 'GET,HEAD,PUT,POST,DELETE,OPTIONS', allowedHeaders: '*', exposedHeaders: '*', maxAgeInSeconds: 3600 }],
  });
}

// s3rver has no ListParts and no AbortMultipartUpload (both answer 405), and no npm S3
// emulator that runs on Node 20 has them: Azurite, which does all the README and the demo
// page show (resume sends only the missing parts, cancel discards them), is the default;
// s3rver stays on offer under its own id, labelled with what it cannot do.
const S3RVER_LIMITS = 's3rver demo store: a resume re-sends every part, cancel fails';

function embeddedConfig(s3: S3rverServer, azurite: AzuriteServer) {
  return {
    demo_page: true,
    storages: [
      { id: 'local-azure', type: 'azure', default: true, container: CONTAINER, account: azurite.account, account_key: azurite.accountKey, endpoint: azurite.endpoint },
      { id: 'local-s3', type: 's3', bucket: BUCKET, endpoint: s3.endpoint, region: s3.region, force_path_style: true, access_key_id: s3.accessKeyId, secret_access_key: s3.secretAccessKey },
    ],
    auth: { api_keys: { [DEV_API_KEY]: { user: 'dev', tenant: 'dev', roles: ['admin'] } } },
  };
}

async function startEmbedded(): Promise<void> {
  const { serverEnv } = loadConfig(process.env);
  // A busy port fails now, not after the stores have taken seconds to start.
  await assertCanListen(serverEnv.host, serverEnv.port);
  console.error('signpost: no SIGNPOST_CONFIG — starting embedded object stores on loopback (Azurite, s3rver)…');
  // A signal while the stores start is held until each of them is known, then acted on:
  // dying at once would leave a started store's temporary folder behind.
  let early: NodeJS.Signals | undefined;
  const hold = (signal: NodeJS.Signals) => {
    early ??= signal;
  };
  process.on('SIGINT', hold);
  process.on('SIGTERM', hold);
  const [s3Started, azuriteStarted] = await Promise.allSettled([startS3rver({ buckets: [BUCKET] }), startAzurite()]);
  const stopStores = async () => {
    await Promise.allSettled([s3Started, azuriteStarted].flatMap((r) => (r.status === 'fulfilled' ? [r.value.stop()] : [])));
  };
  try {
    if (s3Started.status === 'rejected') throw s3Started.reason;
    if (azuriteStarted.status === 'rejected') throw azuriteStarted.reason;
    const [s3, azurite] = [s3Started.value, azuriteStarted.value];
    if (early !== undefined) {
      console.error(`\n${early}: shutting down`);
      await stopStores();
      process.exit(0);
    }
    await provisionAzurite(azurite);
    const config = parseConfig(embeddedConfig(s3, azurite), serverEnv, 'embedded defaults');
    const broker = await runBroker(config, { devApiKey: DEV_API_KEY, storageLimits: { 'local-s3': S3RVER_LIMITS } });
    closeOnSignals(broker, stopStores);
    process.off('SIGINT', hold);
    process.off('SIGTERM', hold);
    // Raised again now that closeOnSignals listens: the broker and the stores stop in order.
    if (early !== undefined) {
      process.kill(process.pid, early);
      return;
    }
    const api = `${broker.url}${config.basePath}`;
    console.log(`
Signpost is running (embedded defaults — for trying it out, not for production)
  broker      ${broker.url}            demo page: open it in a browser
  uploads API ${api}
  residences  AzureStorage → Azurite ${azurite.endpoint} container ${CONTAINER} (default: upload, resume, cancel, download)
              AmazonS3 → s3rver ${s3.endpoint} bucket ${BUCKET} (use "storage_id":"local-s3"; demo only:
                no ListParts, so a resume re-sends every part; no AbortMultipartUpload, so cancel fails
                with 502 and the upload stays open; accepts any signature and checks no MD5)
  records     ${config.redisUrl ? `Redis at ${config.redisUrl}` : 'in memory (set REDIS_URL to keep them across restarts)'}
  dev API key ${DEV_API_KEY}   (send it as X-API-Key; user "dev", tenant "dev")
Try: curl -s -H 'X-API-Key: ${DEV_API_KEY}' '${api}/new?file_name=hello.txt&file_size=12'
Stop with Ctrl-C.`);
  } catch (err) {
    await stopStores();
    throw err;
  }
}

async function start(): Promise<void> {
  const { config } = loadConfig(process.env);
  if (!config) return startEmbedded();
  closeOnSignals(await runBroker(config));
}

start().catch(exitOnStartFailure);
