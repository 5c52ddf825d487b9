// The webhook queue in Redis (webhooks/queue-port.ts): one stream of event bodies, one consumer
// group per subscriber (endpoint). XREADGROUP hands each entry to one broker process; it stays
// in the group's pending list until XACK, so a process killed mid-delivery loses nothing: once
// the entry has sat unheld for the visibility timeout, any process takes it over (XAUTOCLAIM).
// A live process holds what it is delivering or backing off (XCLAIM … JUSTID resets the idle
// time) so nobody else sends it meanwhile. Every key shares the hash tag {webhooks}: one Redis
// Cluster slot, so the MULTIs below stay legal there.
import type { Cluster, Redis } from 'ioredis';
import type { TakenEntry, TakeInput, WebhookQueue } from '../webhooks/queue-port.js';

export interface RedisWebhookQueueOptions {
  /** Commands; the queue owns it (close() quits it). */
  redis: Redis | Cluster;
  /** A new connection for each subscriber's blocking read (a blocked connection serves nobody else). */
  connect: () => Redis | Cluster;
  /** Prefix of every key; must not contain '{' or '}'. */
  keyPrefix: string;
  /** The stream is trimmed to about this many entries (oldest first). */
  maxEntries?: number;
  /** A consumer (a broker process, gone) with nothing pending, idle this long, is removed from its group; default an hour. */
  pruneIdleMs?: number;
}

type StreamEntry = [id: string, fields: string[] | null];

export function createRedisWebhookQueue(options: RedisWebhookQueueOptions): WebhookQueue {
  const { redis, keyPrefix } = options;
  const stream = `${keyPrefix}:{webhooks}:events`;
  const dead = `${keyPrefix}:{webhooks}:dead`;
  const attempts = `${keyPrefix}:{webhooks}:attempts`;
  const maxEntries = options.maxEntries ?? 100_000;
  const readers = new Map<string, Redis | Cluster>();
  const cursors = new Map<string, string>();
  const pruneIdleMs = options.pruneIdleMs ?? 3_600_000;
  const prunedAt = new Map<string, number>();
  // Every restart is a new consumer name; without this, groups would list every process that ever ran.
  async function pruneConsumers(subscriber: string, self: string): Promise<void> {
    const now = Date.now();
    if (now - (prunedAt.get(subscriber) ?? 0) < Math.min(pruneIdleMs, 600_000)) return;
    prunedAt.set(subscriber, now);
    const consumers = (await redis.xinfo('CONSUMERS', stream, subscriber)) as Array<Array<string | number>>;
    for (const info of consumers) {
      const field = (name: string) => info[info.indexOf(name) + 1];
      const name = String(field('name'));
      if (name !== self && Number(field('pending')) === 0 && Number(field('idle')) >= pruneIdleMs) await redis.xgroup('DELCONSUMER', stream, subscriber, name);
    }
  }
  const reader = (subscriber: string) => {
    let client = readers.get(subscriber);
    if (!client) readers.set(subscriber, (client = options.connect()));
    return client;
  };
  const bodyOf = (fields: string[] | null) => {
    const at = fields?.indexOf('body') ?? -1;
    return at >= 0 ? fields?.[at + 1] : undefined;
  };
  const entries = (list: StreamEntry[]): TakenEntry[] =>
    list.flatMap(([entryId, fields]) => {
      const body = bodyOf(fields);
      return body === undefined ? [] : [{ entryId, body }];
    });

  return {
    async ensureSubscribers(subscribers) {
      for (const group of subscribers) {
        try {
          // '$': a new endpoint gets events from now on, not the stream's whole history.
          await redis.xgroup('CREATE', stream, group, '$', 'MKSTREAM');
        } catch (error) {
          if (!String((error as Error).message).startsWith('BUSYGROUP')) throw error;
        }
      }
    },
    async append(body) {
      await redis.xadd(stream, 'MAXLEN', '~', maxEntries, '*', 'body', body);
    },
    async take(input: TakeInput) {
      const { subscriber, consumer, count } = input;
      await pruneConsumers(subscriber, consumer);
      // XAUTOCLAIM looks at about 10 × COUNT pending entries a call: go on from where the last
      // call stopped, so entries deep in a long pending list (most held by live processes) are
      // reached too; the cursor wraps to 0-0 at the end.
      const claimed = (await redis.xautoclaim(stream, subscriber, consumer, input.visibilityMs, cursors.get(subscriber) ?? '0-0', 'COUNT', count)) as [string, StreamEntry[], string[]?];
      cursors.set(subscriber, claimed[0]);
      const taken = entries(claimed[1]);
      if (taken.length > 0) return taken;
      // BLOCK 0 would wait for ever: no wait asked, no BLOCK (and no need of the reader).
      const read = (input.blockMs > 0
        ? await reader(subscriber).xreadgroup('GROUP', subscriber, consumer, 'COUNT', count, 'BLOCK', input.blockMs, 'STREAMS', stream, '>')
        : await redis.xreadgroup('GROUP', subscriber, consumer, 'COUNT', count, 'STREAMS', stream, '>')) as Array<[string, StreamEntry[]]> | null;
      return entries(read?.[0]?.[1] ?? []);
    },
    async hold(subscriber, consumer, entryIds) {
      if (entryIds.length > 0) await redis.call('XCLAIM', stream, subscriber, consumer, '0', ...entryIds, 'JUSTID');
    },
    async countAttempt(subscriber, entryId) {
      return redis.hincrby(attempts, `${subscriber}/${entryId}`, 1);
    },
    async ack(subscriber, entryId) {
      await redis.multi().xack(stream, subscriber, entryId).hdel(attempts, `${subscriber}/${entryId}`).exec();
    },
    async deadLetter(subscriber, entryId, body, reason) {
      await redis.multi()
        .xadd(dead, 'MAXLEN', '~', 10_000, '*', 'subscriber', subscriber, 'reason', reason, 'body', body)
        .xack(stream, subscriber, entryId)
        .hdel(attempts, `${subscriber}/${entryId}`)
        .exec();
    },
    async deadLetters(limit) {
      const list = (await redis.xrevrange(dead, '+', '-', 'COUNT', limit)) as StreamEntry[];
      return list.map(([, fields]) => {
        const field = (name: string) => fields?.[fields.indexOf(name) + 1] ?? '';
        return { subscriber: field('subscriber'), reason: field('reason'), body: field('body') };
      });
    },
    async close() {
      // A reader blocked in XREADGROUP would make quit() wait for the block to end.
      for (const client of readers.values()) client.disconnect();
      readers.clear();
      await redis.quit().catch(() => undefined);
    },
  };
}
