// The webhook queue's contract (src/webhooks/queue-port.ts), run against the Redis stream on
// the run's redis-server and against memory: fan-out to subscribers, one consumer per entry,
// take-over of an entry its consumer stopped holding, attempts, dead letters.
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { waitUntil } from '../../scripts/servers/ports.js';
import { systemClock } from '../../src/domain/clock.js';
import { connectRedis } from '../../src/state/redis.js';
import { createMemoryWebhookQueue } from '../../src/state/webhook-queue-memory.js';
import { createRedisWebhookQueue } from '../../src/state/webhook-queue-redis.js';
import type { WebhookQueue } from '../../src/webhooks/queue-port.js';

const implementations: Array<[string, () => WebhookQueue]> = [
  ['memory', () => createMemoryWebhookQueue({ clock: systemClock })],
  ['redis', () => {
    const connect = () => connectRedis(inject('redis').url);
    return createRedisWebhookQueue({ redis: connect(), connect, keyPrefix: `t${randomBytes(4).toString('hex')}` });
  }],
];

describe.each(implementations)('webhook queue (%s)', (_name, make) => {
  const queues: WebhookQueue[] = [];
  const fresh = () => {
    const queue = make();
    queues.push(queue);
    return queue;
  };
  afterEach(async () => {
    for (const queue of queues.splice(0)) await queue.close();
  });
  const take = (queue: WebhookQueue, subscriber: string, consumer: string, count = 10, visibilityMs = 60_000) =>
    queue.take({ subscriber, consumer, count, blockMs: 0, visibilityMs });

  it('hands every entry to every subscriber, once each, and not again once acknowledged', async () => {
    const queue = fresh();
    await queue.ensureSubscribers(['a', 'b']);
    await queue.append('one');
    await queue.append('two');
    const a = await take(queue, 'a', 'c1');
    const b = await take(queue, 'b', 'c1');
    expect(a.map((e) => e.body)).toEqual(['one', 'two']);
    expect(b.map((e) => e.body)).toEqual(['one', 'two']);
    for (const entry of a) await queue.ack('a', entry.entryId);
    expect(await take(queue, 'a', 'c2', 10, 0)).toEqual([]);
    // b's entries were not acknowledged: with no visibility left, another consumer takes them over.
    expect((await take(queue, 'b', 'c2', 10, 0)).map((e) => e.body)).toEqual(['one', 'two']);
  });

  it('gives a new subscriber only what is appended after it exists', async () => {
    const queue = fresh();
    await queue.ensureSubscribers(['a']);
    await queue.append('before');
    await queue.ensureSubscribers(['a', 'late']);
    await queue.append('after');
    expect((await take(queue, 'late', 'c1')).map((e) => e.body)).toEqual(['after']);
    expect((await take(queue, 'a', 'c1')).map((e) => e.body)).toEqual(['before', 'after']);
  });

  it('splits a subscriber\'s entries between two consumers without handing one to both', async () => {
    const queue = fresh();
    await queue.ensureSubscribers(['a']);
    for (let n = 0; n < 10; n += 1) await queue.append(`e${n}`);
    const seen: string[] = [];
    for (let round = 0; round < 4; round += 1) {
      for (const consumer of ['c1', 'c2']) seen.push(...(await take(queue, 'a', consumer, 2)).map((e) => e.body));
    }
    expect([...seen].sort()).toEqual(Array.from({ length: 10 }, (_, n) => `e${n}`).sort());
  });

  it('wakes a blocked take when an entry is appended', async () => {
    const queue = fresh();
    await queue.ensureSubscribers(['a']);
    const started = Date.now();
    const taking = queue.take({ subscriber: 'a', consumer: 'c1', count: 1, blockMs: 10_000, visibilityMs: 60_000 });
    await new Promise((resolve) => setImmediate(resolve));
    await queue.append('late');
    expect((await taking).map((e) => e.body)).toEqual(['late']);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('lets another consumer take over an entry only once its consumer stopped holding it for the visibility timeout', async () => {
    const queue = fresh();
    await queue.ensureSubscribers(['a']);
    await queue.append('work');
    const [entry] = await take(queue, 'a', 'dead');
    expect(entry?.body).toBe('work');
    await queue.hold('a', 'dead', [entry?.entryId ?? '']);
    expect(await take(queue, 'a', 'heir', 10, 5_000)).toEqual([]);
    // No more holding: the entry is the heir's once 300 ms have passed without it.
    const taken = await waitUntil(async () => {
      const found = await take(queue, 'a', 'heir', 10, 300);
      return found.length > 0 ? found : undefined;
    }, { what: 'the heir to take the entry over', timeoutMs: 10_000 });
    expect(taken).toEqual([{ entryId: entry?.entryId, body: 'work' }]);
  });

  it('counts attempts per subscriber and entry, and forgets them on ack', async () => {
    const queue = fresh();
    await queue.ensureSubscribers(['a', 'b']);
    await queue.append('x');
    const [entry] = await take(queue, 'a', 'c1');
    const id = entry?.entryId ?? '';
    expect(await queue.countAttempt('a', id)).toBe(1);
    expect(await queue.countAttempt('a', id)).toBe(2);
    expect(await queue.countAttempt('b', id)).toBe(1);
    await queue.ack('a', id);
    expect(await queue.countAttempt('a', id)).toBe(1);
  });

  it('keeps dead letters with their reason, newest first, and never hands them out again', async () => {
    const queue = fresh();
    await queue.ensureSubscribers(['a']);
    await queue.append('first');
    await queue.append('second');
    const [one, two] = await take(queue, 'a', 'c1');
    await queue.deadLetter('a', one?.entryId ?? '', 'first', '12 attempts; last: answered 500');
    await queue.deadLetter('a', two?.entryId ?? '', 'second', 'too old');
    expect(await queue.deadLetters(10)).toEqual([
      { subscriber: 'a', body: 'second', reason: 'too old' },
      { subscriber: 'a', body: 'first', reason: '12 attempts; last: answered 500' },
    ]);
    expect(await take(queue, 'a', 'c2', 10, 0)).toEqual([]);
  });
});

describe('webhook queue (redis): consumers of processes gone', () => {
  it('are removed from the group once idle with nothing pending; one with pending entries stays', async () => {
    const connect = () => connectRedis(inject('redis').url);
    const prefix = `t${randomBytes(4).toString('hex')}`;
    const queue = createRedisWebhookQueue({ redis: connect(), connect, keyPrefix: prefix, pruneIdleMs: 100 });
    const look = connect();
    try {
      await queue.ensureSubscribers(['a']);
      await queue.append('done');
      await queue.append('unfinished');
      const [done] = await queue.take({ subscriber: 'a', consumer: 'gone', count: 1, blockMs: 0, visibilityMs: 60_000 });
      await queue.ack('a', done?.entryId ?? '');
      await queue.take({ subscriber: 'a', consumer: 'crashed', count: 1, blockMs: 0, visibilityMs: 60_000 });
      const names = async () => ((await look.xinfo('CONSUMERS', `${prefix}:{webhooks}:events`, 'a')) as Array<Array<string | number>>).map((info) => String(info[1]));
      expect((await names()).sort()).toEqual(['crashed', 'gone']);
      await waitUntil(async () => {
        await queue.take({ subscriber: 'a', consumer: 'alive', count: 1, blockMs: 0, visibilityMs: 60_000 });
        return !(await names()).includes('gone');
      }, { what: 'the idle consumer to be removed', timeoutMs: 10_000 });
      expect(await names()).toContain('crashed');
    } finally {
      look.disconnect();
      await queue.close();
    }
  });
});
