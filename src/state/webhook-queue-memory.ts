// The webhook queue in this process's memory (webhooks/queue-port.ts), for a broker without
// Redis: the same take / hold / ack / take-over rules as the Redis stream, so the delivery
// code is one, but nothing survives a restart and no other process shares it.
import type { Clock } from '../domain/clock.js';
import type { TakenEntry, TakeInput, WebhookQueue } from '../webhooks/queue-port.js';

interface Pending {
  consumer: string;
  /** When it was last taken or held (the clock's ms). */
  since: number;
}

interface Group {
  /** Index in `log` of the next entry nobody in the group has taken. */
  next: number;
  pending: Map<string, Pending>;
  attempts: Map<string, number>;
}

export function createMemoryWebhookQueue(options: { clock: Clock; maxEntries?: number }): WebhookQueue {
  const { clock } = options;
  const maxEntries = options.maxEntries ?? 100_000;
  /** Entries by id; ids ascend. Entries no group still needs are dropped past maxEntries. */
  const log: Array<{ entryId: string; body: string }> = [];
  let dropped = 0;
  let sequence = 0;
  const groups = new Map<string, Group>();
  const dead: Array<{ subscriber: string; body: string; reason: string }> = [];
  let wake: Array<() => void> = [];
  const find = (entryId: string) => log.find((e) => e.entryId === entryId);
  const group = (name: string) => {
    const found = groups.get(name);
    if (!found) throw new Error(`no webhook subscriber ${name}`);
    return found;
  };
  const forget = (subscriber: string, entryId: string) => {
    const g = group(subscriber);
    g.pending.delete(entryId);
    g.attempts.delete(entryId);
  };

  function takeNow(input: TakeInput): TakenEntry[] {
    const g = group(input.subscriber);
    const now = clock.now();
    const taken: TakenEntry[] = [];
    for (const [entryId, pending] of g.pending) {
      if (taken.length >= input.count) break;
      const entry = find(entryId);
      if (now - pending.since < input.visibilityMs || !entry) continue;
      g.pending.set(entryId, { consumer: input.consumer, since: now });
      taken.push(entry);
    }
    while (taken.length < input.count && g.next - dropped < log.length) {
      const entry = log[g.next - dropped];
      g.next += 1;
      if (!entry) continue;
      g.pending.set(entry.entryId, { consumer: input.consumer, since: now });
      taken.push(entry);
    }
    return taken;
  }

  return {
    async ensureSubscribers(subscribers) {
      for (const name of subscribers) if (!groups.has(name)) groups.set(name, { next: dropped + log.length, pending: new Map(), attempts: new Map() });
    },
    async append(body) {
      sequence += 1;
      log.push({ entryId: `${clock.now()}-${sequence}`, body });
      if (log.length > maxEntries) {
        log.shift();
        dropped += 1;
      }
      for (const resolve of wake.splice(0)) resolve();
    },
    async take(input) {
      const taken = takeNow(input);
      if (taken.length > 0 || input.blockMs <= 0) return taken;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, input.blockMs);
        wake.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      return takeNow(input);
    },
    async hold(subscriber, consumer, entryIds) {
      const g = group(subscriber);
      for (const entryId of entryIds) if (g.pending.has(entryId)) g.pending.set(entryId, { consumer, since: clock.now() });
    },
    async countAttempt(subscriber, entryId) {
      const g = group(subscriber);
      const count = (g.attempts.get(entryId) ?? 0) + 1;
      g.attempts.set(entryId, count);
      return count;
    },
    async ack(subscriber, entryId) {
      forget(subscriber, entryId);
    },
    async deadLetter(subscriber, entryId, body, reason) {
      dead.push({ subscriber, body, reason });
      if (dead.length > 10_000) dead.shift();
      forget(subscriber, entryId);
    },
    async deadLetters(limit) {
      return dead.slice(-limit).reverse();
    },
    async close() {
      for (const resolve of wake.splice(0)) resolve();
      wake = [];
    },
  };
}
