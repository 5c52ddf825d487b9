// What one connection may take of the broker: a whole request within
// request_timeout (a client trickling a body is cut), headers and bodies
// bounded (431, 413 with {error, message}), and a shutdown that ends within its
// grace however many keep-alive or slow clients hold connections.
import { connect, type Socket } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_COMPANION, DEFAULT_SERVER_LIMITS, type Config } from '../../src/config.js';
import { DEFAULT_LIMITS } from '../../src/domain/context.js';
import { runBroker, type RunningBroker } from '../../src/main.js';
import { COMPANION_TOKEN_SECRET, freshStores, storageConfigs, USERS, type TestStores } from '../support/broker.js';
import { until } from '../e2e/support/demo-page-driver.js';

let stores: TestStores;
const running: RunningBroker[] = [];
beforeAll(async () => {
  stores = await freshStores();
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((b) => b.close()));
});

async function broker(server: Partial<typeof DEFAULT_SERVER_LIMITS>): Promise<RunningBroker> {
  const config: Config = {
    port: 0, host: '127.0.0.1', logLevel: 'silent', basePath: '/api/engine/v2/uploads', v1BasePath: '/api/v1', demoPage: false, trustProxy: false, corsOrigins: [],
    companion: { ...DEFAULT_COMPANION, tokenSecret: COMPANION_TOKEN_SECRET },
    storages: storageConfigs(stores),
    auth: { apiKeys: { [USERS.alice.key]: { user: 'alice', tenant: 'acme', roles: [] } } },
    limits: DEFAULT_LIMITS,
    server: { ...DEFAULT_SERVER_LIMITS, ...server },
  };
  const started = await runBroker(config);
  running.push(started);
  return started;
}

/** A raw connection: what it received, and whether the server closed it. */
function rawClient(url: string): { socket: Socket; received: () => string; closed: () => boolean } {
  const { port } = new URL(url);
  const socket = connect({ host: '127.0.0.1', port: Number(port) });
  let text = '';
  let ended = false;
  socket.on('data', (chunk) => void (text += chunk.toString('utf8')));
  socket.on('close', () => void (ended = true));
  socket.on('error', () => undefined);
  return { socket, received: () => text, closed: () => ended };
}

describe('server limits', () => {
  it('cuts a client that trickles its body after request_timeout, with 408', async () => {
    const { url } = await broker({ requestTimeoutMs: 1_500, headersTimeoutMs: 1_500 });
    const client = rawClient(url);
    client.socket.write(`POST /api/engine/v2/uploads/ HTTP/1.1\r\nHost: x\r\nX-API-Key: ${USERS.alice.key}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"file`);
    // Without the bound Node waits 300 s; the deadline here only bounds the wait.
    await until(() => client.closed(), Boolean, 'the server to close the trickling connection', 30_000);
    expect(client.received()).toMatch(/^HTTP\/1\.1 408/);
  });

  it('answers headers over max_header_bytes with 431 and bodies over max_body_bytes with 413, as {error, message}', async () => {
    const { url } = await broker({ maxHeaderBytes: 4_096, maxBodyBytes: 2_048 });
    const big = await fetch(`${url}/api/engine/v2/uploads/`, { headers: { 'X-API-Key': USERS.alice.key, 'X-Padding': 'x'.repeat(5_000) } }).catch((error: unknown) => error);
    expect(big).toMatchObject({ status: 431 });
    const body = await fetch(`${url}/api/engine/v2/uploads/`, { method: 'POST', headers: { 'X-API-Key': USERS.alice.key, 'Content-Type': 'application/json' }, body: JSON.stringify({ file_name: 'x'.repeat(3_000) }) });
    expect(body.status).toBe(413);
    expect(await body.json()).toMatchObject({ error: 'too_large', message: expect.any(String) });
  });

  it('a shutdown ends within its grace although keep-alive and slow clients hold connections', async () => {
    const started = await broker({ shutdownGraceMs: 1_000, requestTimeoutMs: 600_000, headersTimeoutMs: 600_000 });
    const idle = Array.from({ length: 8 }, () => rawClient(started.url));
    for (const client of idle) client.socket.write(`GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n`);
    await until(() => idle.every((c) => c.received().includes('"ok":true')), Boolean, 'the keep-alive clients to be answered', 30_000);
    const slow = rawClient(started.url);
    slow.socket.write(`POST /api/engine/v2/uploads/ HTTP/1.1\r\nHost: x\r\nX-API-Key: ${USERS.alice.key}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{`);
    let done = false;
    void started.close().then(() => void (done = true));
    running.splice(running.indexOf(started), 1);
    await until(() => done, Boolean, 'the broker to finish closing', 30_000);
    await until(() => [...idle, slow].every((c) => c.closed()), Boolean, 'every connection to be closed', 30_000);
  });
});
