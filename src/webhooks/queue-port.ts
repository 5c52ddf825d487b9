// The webhook queue's port: an append-only log of event bodies that every subscriber (one per
// configured endpoint) reads on its own, each entry handed to one consumer at a time and kept
// until acknowledged. state/webhook-queue-redis.ts implements it with a Redis stream and a
// consumer group per subscriber (durable, shared by broker processes), state/webhook-queue-
// memory.ts in memory (one process, lost on restart); test/integration/webhook-queue.contract
// runs both against the same expectations.

export interface TakenEntry {
  entryId: string;
  /** The event body exactly as appended (the bytes that are signed and sent). */
  body: string;
}

export interface TakeInput {
  subscriber: string;
  /** This worker's name: what it takes is pending under it until acknowledged. */
  consumer: string;
  count: number;
  /** Wait this long for a new entry when there is none. */
  blockMs: number;
  /** An entry pending this long under any consumer without being held is taken over (its consumer died). */
  visibilityMs: number;
}

export interface WebhookQueue {
  /** Creates the subscribers that do not exist yet; a new one sees entries appended from now on. */
  ensureSubscribers(subscribers: string[]): Promise<void>;
  append(body: string): Promise<void>;
  /** Entries whose consumer went quiet for visibilityMs first, then new ones. */
  take(input: TakeInput): Promise<TakenEntry[]>;
  /** Keeps these entries this consumer's (a heartbeat): nobody takes them over while held. */
  hold(subscriber: string, consumer: string, entryIds: string[]): Promise<void>;
  /** Counts one more delivery attempt of the entry for the subscriber; returns the count. */
  countAttempt(subscriber: string, entryId: string): Promise<number>;
  /** Delivered (or not for this subscriber): forget it. */
  ack(subscriber: string, entryId: string): Promise<void>;
  /** Given up on: kept in the dead letters with the reason, then forgotten like ack. */
  deadLetter(subscriber: string, entryId: string, body: string, reason: string): Promise<void>;
  /** Newest dead letters first, at most `limit`. */
  deadLetters(limit: number): Promise<Array<{ subscriber: string; body: string; reason: string }>>;
  close(): Promise<void>;
}
