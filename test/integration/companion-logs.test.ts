// The Uppy endpoint token is a credential that travels in the URL path, so it
// must never reach a log line. The broker is composed as main.ts composes it
// (buildDependencies + createApp), with its pino logger writing to memory;
// the same broker takes a Bearer JWT for minting, which buildBroker does not configure.
import { Writable } from 'node:stream';
import { SignJWT } from 'jose';
import pino from 'pino';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { buildDependencies } from '../../src/compose.js';
import { DEFAULT_COMPANION, type Config } from '../../src/config.js';
import { DEFAULT_LIMITS } from '../../src/domain/context.js';
import { COMPANION_TOKEN_SECRET, freshStores, storageConfigs, USERS } from '../support/broker.js';
import { mintEndpoint, UPPY_BASE, waitFor } from '../support/companion-driver.js';

const JWT_SECRET = 'jwt-secret-for-the-companion-log-test-0123';

/** Every line the logger writes, kept in memory. */
function memoryLog(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, stream };
}

describe('the Uppy routes and the log', () => {
  let app: ReturnType<typeof createApp>;
  let log: ReturnType<typeof memoryLog>;
  beforeAll(async () => {
    log = memoryLog();
    const config: Config = {
      port: 0,
      host: '127.0.0.1',
      logLevel: 'info',
      basePath: '/api/engine/v2/uploads',
      v1BasePath: '/api/v1',
      demoPage: false,
      trustProxy: false,
      corsOrigins: ['https://app.example'],
      companion: { ...DEFAULT_COMPANION, tokenSecret: COMPANION_TOKEN_SECRET },
      storages: storageConfigs(await freshStores()),
      auth: {
        apiKeys: Object.fromEntries(Object.values(USERS).map(({ key, ...caller }) => [key, caller])),
        jwt: { hs256Secret: JWT_SECRET, publicKeys: [], userClaim: 'sub', tenantClaim: 'tenant', rolesClaim: 'roles' },
      },
      limits: DEFAULT_LIMITS,
    };
    app = createApp(buildDependencies(config, pino({ level: 'info' }, log.stream)));
  });

  /** Waits until the log holds a request line for each of `count` more requests than `before`. */
  const requestLines = (before: number, count: number) =>
    waitFor(() => log.lines.filter((line) => line.includes('"responseTime"')), (lines) => lines.length >= before + count, `${count} request log lines`);

  it('holds no line with the token, or its signature, after successful and failing Uppy requests', async () => {
    const before = log.lines.filter((line) => line.includes('"responseTime"')).length;
    const alice = await mintEndpoint(app, 'alice');
    const signature = alice.token.split('.')[1] as string;
    expect((await alice.params({ filename: 'a.txt', type: 'text/plain', 'metadata[name]': 'a.txt' })).status).toBe(200);
    const upload = await alice.start('movie.bin');
    expect((await alice.signPart(upload.uploadId, 1, upload.key)).status).toBe(200);
    expect((await alice.listParts(upload.uploadId, upload.key)).status).toBe(200);
    expect((await alice.listParts(upload.uploadId, `${upload.key}x`)).status).toBe(404);
    expect((await alice.complete(upload.uploadId, upload.key, [])).status).toBe(400);
    expect((await request(app).get(`${alice.endpoint}/s3/nothing-here`)).status).toBe(404);
    expect((await request(app).options(`${alice.endpoint}/s3/multipart`).set('Origin', 'https://app.example').set('Access-Control-Request-Method', 'POST')).status).toBe(204);
    expect((await alice.abort(upload.uploadId, upload.key)).status).toBe(200);
    const lines = await requestLines(before, 10);

    // Control: the log does describe these requests, with the token blanked.
    expect(lines.some((line) => line.includes('/s3/multipart') && line.includes('<token>'))).toBe(true);
    const leaking = log.lines.filter((line) => line.includes(alice.token) || line.includes(signature));
    expect(leaking, leaking.join('\n')).toEqual([]);
  });

  it('holds no line with the token after requests to a mistyped endpoint (trailing slash, no /s3, token respelled)', async () => {
    const before = log.lines.filter((line) => line.includes('"responseTime"')).length;
    const alice = await mintEndpoint(app, 'alice');
    // An integrator who configures `<endpoint>/` makes Uppy call `<endpoint>//s3/…`.
    const paths = [`${alice.endpoint}//s3/params?filename=a.txt`, `${alice.endpoint}/`, alice.endpoint, `${alice.endpoint}/s3`, `${alice.endpoint}~/s3/params?filename=a.txt`];
    for (const path of paths) await request(app).get(path);
    await requestLines(before, paths.length + 1);
    const leaking = log.lines.filter((line) => line.includes(alice.token));
    expect(leaking, leaking.join('\n')).toEqual([]);
  });

  it('mints for a Bearer JWT, and refuses an expired or foreign one with 401', async () => {
    const jwt = (secret: string, expiry: string | number) =>
      new SignJWT({ sub: 'alice', tenant: 'acme', roles: [] }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime(expiry).sign(new TextEncoder().encode(secret));
    const mint = async (token: string) => request(app).post(`${UPPY_BASE}/tokens`).set('Authorization', `Bearer ${token}`).send({});
    const minted = await mint(await jwt(JWT_SECRET, '5m'));
    expect(minted.status, JSON.stringify(minted.body)).toBe(201);
    expect((await request(app).get(`${minted.body.endpoint as string}/s3/params?filename=a.txt`)).status).toBe(200);
    const expired = await mint(await jwt(JWT_SECRET, Math.floor(Date.now() / 1000) - 60));
    expect(expired.status).toBe(401);
    expect(expired.body).toEqual({ error: 'unauthenticated', message: 'bearer token has expired' });
    const foreign = await mint(await jwt('another-secret-of-another-issuer-000', '5m'));
    expect(foreign.status).toBe(401);
    expect(foreign.body.error).toBe('unauthenticated');
  });
});
