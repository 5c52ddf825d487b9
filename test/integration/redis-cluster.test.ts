// What Redis Cluster adds to the Redis repository, against a real 3-master cluster this file
// starts: the keys of one upload share one slot (else its Lua scripts would be refused with
// CROSSSLOT), the client fails fast and recovers like the standalone one, and a broker on
// the cluster uploads and resumes for real. The contract itself runs on a cluster in
// repository.contract.test.ts.
import { randomUUID } from 'node:crypto';
import { connect, createServer, type Socket } from 'node:net';
import { Cluster } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../scripts/servers/ports.js';
import { startRedisCluster, type RedisCluster } from '../../scripts/servers/redis-cluster.js';
import { buildRepository } from '../../src/compose.js';
import { parseConfig } from '../../src/config.js';
import { systemClock, type Clock } from '../../src/domain/clock.js';
import { connectRedisCluster, createRedisRepository } from '../../src/state/redis.js';
import { redisKeys } from '../../src/state/redis-keys.js';
import type { UploadRepository } from '../../src/domain/ports.js';
import { buildBroker, freshStores, storageConfigs, type TestStores } from '../support/broker.js';
import { MiB, sendSigned, testBytes } from '../support/protocol-driver.js';
import { md5, rejection, testClock, uploadRecord } from './repository-fixtures.js';

describe('Redis Cluster', () => {
  let cluster: RedisCluster | undefined;
  let admin: Cluster;
  let stores: TestStores;
  const repos: UploadRepository[] = [];
  const open = (keyPrefix: string, clock: Clock = systemClock) => {
    const repo = createRedisRepository({ redis: connectRedisCluster(cluster?.urls ?? []), clock, keyPrefix });
    repos.push(repo);
    return repo;
  };

  beforeAll(async () => {
    const begin = performance.now();
    cluster = await startRedisCluster();
    console.log(`[servers] redis cluster ${cluster.urls.join(',')} ready in ${Math.round(performance.now() - begin)} ms`);
    admin = new Cluster(cluster.urls);
    stores = await freshStores();
  });
  afterAll(async () => {
    await Promise.all(repos.map((repo) => repo.close()));
    await admin?.quit();
    await cluster?.stop();
  });

  it('keeps every key of one upload in one slot, and spreads uploads over the masters', async () => {
    const prefix = `test-${randomUUID()}`;
    const clock = testClock();
    const repo = open(prefix, clock);
    const records = Array.from({ length: 12 }, () => uploadRecord(clock));
    for (const record of records) {
      await repo.create(record);
      await repo.recordPartSignature(record.id, { part: 1, md5: md5(1), done: false });
    }
    const keys = redisKeys(prefix);
    const masters = admin.nodes('master');
    expect(masters).toHaveLength(3);
    const holders = new Set<string>();
    for (const record of records) {
      const uploadKeys = [keys.record(record.id), keys.parts(record.id)];
      // The hash tag {id} makes Redis hash only the id, for both keys.
      const slots = await Promise.all(uploadKeys.map((key) => admin.cluster('KEYSLOT', key)));
      expect(slots).toEqual(uploadKeys.map(() => slots[0]));
      expect(slots[0]).toBe(await admin.cluster('KEYSLOT', record.id));
      // And they are really stored together: both on one master, none on the others.
      const found = await Promise.all(masters.map((node) => node.keys(`${prefix}:{${record.id}}*`)));
      const holding = found.flatMap((held, index) => (held.length > 0 ? [index] : []));
      expect(holding).toHaveLength(1);
      expect(found[holding[0] ?? -1]?.sort()).toEqual(uploadKeys.sort());
      holders.add(String(holding[0]));
    }
    // Uploads land on more than one master, so the contract tests on a cluster cross nodes.
    expect(holders.size).toBeGreaterThan(1);
  });

  it('answers state_unavailable within seconds when no seed answers, then fails at once and recovers', async () => {
    const port = await freePort();
    const redis = connectRedisCluster([`redis://127.0.0.1:${port}`]);
    const repo = createRedisRepository({ redis, clock: systemClock });
    repos.push(repo);
    // No timing assertion for the first: the test's own timeout is the guard against a hang.
    expect(await rejection(repo.get('uploads-x'))).toMatchObject({ code: 'state_unavailable' });
    const begin = performance.now();
    expect(await rejection(repo.get('uploads-x'))).toMatchObject({ code: 'state_unavailable' });
    expect(performance.now() - begin).toBeLessThan(500);
    // The seed appears (a forwarder to a real node): the client finds the cluster through it.
    const forwarder = await forward(port, Number(new URL(cluster?.urls[0] ?? '').port));
    try {
      await expect.poll(() => repo.get('uploads-x').then(() => redis.status, () => 'failing'), { timeout: 10_000, interval: 100 }).toBe('ready');
    } finally {
      await forwarder.close();
    }
  }, 20_000);

  it('is what the composition root builds when REDIS_URL lists several seeds, and it says which mode', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    const file = { storages: [{ id: 'blob', type: 'azure', container: 'uploads', account: 'acct', account_key: 'a2V5' }], auth: { api_keys: { 'a-key-of-sixteen-chars': { user: 'u', tenant: 't' } } } };
    const serverEnv = { port: 0, host: '127.0.0.1', logLevel: 'info' };
    const clustered = buildRepository(parseConfig(file, { ...serverEnv, redisUrl: cluster?.urls.join(',') ?? '' }), systemClock, logger);
    const standalone = buildRepository(parseConfig(file, { ...serverEnv, redisUrl: inject('redis').url }), systemClock, logger);
    repos.push(clustered, standalone);
    const record = uploadRecord(testClock());
    await clustered.create(record);
    expect(await clustered.get(record.id)).toMatchObject({ id: record.id });
    const hosts = (urls: string[]) => urls.map((url) => new URL(url).host);
    // One line per state change: each says which mode and which seeds when it starts connecting.
    const connecting = lines.map((line) => JSON.parse(line) as { msg: string }).filter((line) => line.msg === 'redis connecting');
    expect(connecting).toEqual([
      expect.objectContaining({ redis: 'cluster', seeds: hosts(cluster?.urls ?? []) }),
      expect.objectContaining({ redis: 'standalone', seeds: hosts([inject('redis').url]) }),
    ]);
  });

  it('serves a broker: a chunked upload to Azurite, then a resume through a new repository instance', async () => {
    const prefix = `t${randomUUID().slice(0, 8)}`;
    const broker = () => buildBroker({ storages: storageConfigs(stores), repo: open(prefix) });
    const first = broker();
    const alice = first.as('alice');
    const whole = testBytes(11 * MiB + 3);
    const id = await alice.uploadWhole(whole, { storage_id: 'azure', file_name: 'whole.bin' });
    const recorded = await first.repo.listParts(id);
    expect(recorded.length).toBeGreaterThan(1);
    expect(recorded.every((part) => part.done)).toBe(true);
    expect((await alice.download(id)).equals(whole)).toBe(true);

    const bytes = testBytes(15 * MiB + 777);
    const started = await alice.startChunked(bytes, { storage_id: 'azure', file_name: 'resume.bin' });
    expect(started.parts).toHaveLength(4);
    await alice.uploadParts(started.id, started.parts, [1, 3], started.firstBody);
    // A second broker with its own cluster client, as after a restart or on another host.
    const again = broker().as('alice');
    const resumed = await again.create(bytes, { storage_id: 'azure', file_name: 'resume.bin' });
    expect(resumed).toMatchObject({ type: 'parts', upload_id: started.id, part_list: [1, 3] });
    await again.uploadParts(started.id, started.parts, [2, 4]);
    const finish = await again.finish(started.id, { part_list: [1, 2, 3, 4] });
    const commit = await sendSigned(finish.signature, finish.body);
    expect(commit.status, await commit.text()).toBe(201);
    expect((await again.put(`/${started.id}`)).status).toBe(200);
    expect((await again.download(started.id)).equals(bytes)).toBe(true);
  });
});

/** A loopback TCP forwarder from `port` to `target`, standing for a seed that comes up late. */
async function forward(port: number, target: number): Promise<{ close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(target, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => {}).on('close', () => sockets.delete(socket));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
  return {
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
