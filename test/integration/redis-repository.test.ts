// What only the Redis repository has: real TTLs, the key layout Redis Cluster needs, lazy
// index cleanup, and behaviour while Redis is unreachable. The shared behaviour is in
// repository.contract.test.ts.
import { createServer, type Server, type Socket, connect } from 'node:net';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../scripts/servers/ports.js';
import { SignpostError } from '../../src/domain/errors.js';
import type { UploadState } from '../../src/domain/upload.js';
import { connectRedis, createRedisRepository } from '../../src/state/redis.js';
import { HOUR, RETENTION, md5, redisImplementation, rejection, uploadRecord, useHarness } from './repository-fixtures.js';

describe('Redis repository', () => {
  const h = useHarness(redisImplementation);
  let admin: Redis;
  beforeEach(() => {
    admin = new Redis(inject('redis').url);
  });
  afterEach(async () => {
    const keys = await admin.keys(`${h.prefix}:*`);
    if (keys.length > 0) await admin.unlink(...keys);
    await admin.quit();
  });

  it('keeps every key of an upload under its {id} hash tag, expiring with the record until complete', async () => {
    const record = uploadRecord(h.clock);
    await h.repo.create(record);
    await h.repo.recordPartSignature(record.id, { part: 1, md5: md5(1), done: false });
    const uploadKeys = (await admin.keys(`${h.prefix}:{*`)).sort();
    expect(uploadKeys).toEqual([`${h.prefix}:{${record.id}}`, `${h.prefix}:{${record.id}}:parts`]);
    // Redis Cluster hashes only what is between the first '{' and the next '}'.
    for (const key of uploadKeys) expect(key.slice(key.indexOf('{') + 1, key.indexOf('}'))).toBe(record.id);

    const [resumeKey] = await admin.keys(`${h.prefix}:resume:*`);
    const forgetAt = record.expiresAt + RETENTION;
    for (const key of [...uploadKeys, resumeKey ?? 'missing']) {
      expect(Math.abs(Date.now() + (await admin.pttl(key)) - forgetAt)).toBeLessThan(5_000);
    }
    await h.repo.update(record.id, { expiresAt: record.expiresAt + HOUR });
    for (const key of [...uploadKeys, resumeKey ?? 'missing']) {
      expect(Math.abs(Date.now() + (await admin.pttl(key)) - forgetAt - HOUR)).toBeLessThan(5_000);
    }
    await h.repo.transition(record.id, ['pending'], 'complete', h.clock.now());
    for (const key of uploadKeys) expect(await admin.pttl(key)).toBe(-1);
  });

  it('moves the resume entry ahead with part signatures, an hour past need, so the next ones leave it alone', async () => {
    const record = uploadRecord(h.clock);
    await h.repo.create(record);
    const [resumeKey = 'missing'] = await admin.keys(`${h.prefix}:resume:*`);
    const expect_ = { tenant: record.tenant, owner: record.owner, uploadToken: record.uploadToken, states: ['pending', 'uploading'] as UploadState[] };
    const sign = (expiresAt: number) => h.repo.recordSignedParts(record.id, { expect: expect_, requireResumableId: false, done: [], parts: [{ part: 1, md5: md5(1), done: false }], touch: { updatedAt: h.clock.now(), expiresAt } });
    const expiresIn = async () => Date.now() + (await admin.pttl(resumeKey));
    expect((await sign(record.expiresAt + HOUR))?.signed).toBe(true);
    const ahead = record.expiresAt + HOUR + RETENTION + HOUR;
    expect(Math.abs((await expiresIn()) - ahead)).toBeLessThan(5_000);
    await admin.pexpireat(resumeKey, ahead + 7_777);
    expect((await sign(record.expiresAt + HOUR + 60_000))?.signed).toBe(true);
    expect(Math.abs((await expiresIn()) - ahead - 7_777)).toBeLessThan(5_000);
    expect((await sign(record.expiresAt + 3 * HOUR))?.signed).toBe(true);
    expect(Math.abs((await expiresIn()) - (record.expiresAt + 3 * HOUR + RETENTION + HOUR))).toBeLessThan(5_000);
    for (const key of [`${h.prefix}:{${record.id}}`, `${h.prefix}:{${record.id}}:parts`]) {
      expect(Math.abs(Date.now() + (await admin.pttl(key)) - (record.expiresAt + 3 * HOUR + RETENTION))).toBeLessThan(5_000);
    }
  });

  it('drops index entries of uploads Redis has expired', async () => {
    const record = uploadRecord(h.clock);
    await h.repo.create(record);
    await admin.del(`${h.prefix}:{${record.id}}`);
    const query = { tenant: record.tenant, owner: record.owner, limit: 10, offset: 0 };
    expect(await h.repo.list(query)).toEqual({ items: [], total: 0 });
    const [ownerKey] = await admin.keys(`${h.prefix}:owner:*`);
    expect(await admin.zcard(ownerKey ?? 'missing')).toBe(0);
  });

  it('answers state_unavailable within seconds when Redis is not there', async () => {
    const port = await freePort();
    const repo = createRedisRepository({ redis: connectRedis(`redis://127.0.0.1:${port}`), clock: h.clock });
    // No timing assertion: the test's own timeout is the guard against a hang.
    const error = await rejection(repo.get('uploads-x'));
    expect(error).toBeInstanceOf(SignpostError);
    expect(error).toMatchObject({ code: 'state_unavailable' });
    await repo.close();
  }, 10_000);

  it('fails fast during an outage and recovers when Redis is back', async () => {
    const proxy = await tcpProxy(Number(new URL(inject('redis').url).port));
    const redis = connectRedis(`redis://127.0.0.1:${proxy.port}`);
    const repo = createRedisRepository({ redis, clock: h.clock, keyPrefix: h.prefix });
    const record = uploadRecord(h.clock);
    await repo.create(record);
    await proxy.stop();
    await expect.poll(() => redis.status).not.toBe('ready');
    // Once connected, commands are not queued while reconnecting: they fail rather than wait.
    expect(await rejection(repo.get(record.id))).toMatchObject({ code: 'state_unavailable' });
    await proxy.start();
    await expect.poll(() => repo.get(record.id).catch(() => undefined), { timeout: 5_000, interval: 100 }).toMatchObject({ id: record.id });
    await repo.close();
    await proxy.stop();
  });
});

/** A loopback TCP forwarder to stand for Redis going away and coming back on the same port. */
async function tcpProxy(targetPort: number) {
  const port = await freePort();
  let server: Server | undefined;
  const sockets = new Set<Socket>();
  const proxy = {
    port,
    start: () =>
      new Promise<void>((resolve, reject) => {
        server = createServer((client) => {
          const upstream = connect(targetPort, '127.0.0.1');
          for (const socket of [client, upstream]) {
            sockets.add(socket);
            socket.on('error', () => {}).on('close', () => sockets.delete(socket));
          }
          client.pipe(upstream).pipe(client);
          client.on('close', () => upstream.destroy());
          upstream.on('close', () => client.destroy());
        });
        server.once('error', reject).listen(port, '127.0.0.1', resolve);
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        if (server?.listening) server.close(() => resolve());
        else resolve();
      }),
  };
  await proxy.start();
  return proxy;
}
