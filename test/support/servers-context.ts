// What the global setup hands to every test file: connection facts of the
// run's shared servers, typed for vitest's inject('redis' | 'swift' | 'azurite').
import type { AzuriteServer } from '../../scripts/servers/azurite.js';
import type { RedisServer } from '../../scripts/servers/redis.js';
import type { SwiftServer } from '../../scripts/servers/swift.js';

/** A server's facts without stop(): provided values cross to workers as data. */
export type ConnectionFacts<Server> = Omit<Server, 'stop'>;

export type RedisFacts = ConnectionFacts<RedisServer>;
/** Swift's S3 API: 5 MiB minimum part size, credentials test:tester / testing. */
export type SwiftFacts = ConnectionFacts<SwiftServer>;
export type AzuriteFacts = ConnectionFacts<AzuriteServer>;

declare module 'vitest' {
  export interface ProvidedContext {
    redis: RedisFacts;
    swift: SwiftFacts;
    azurite: AzuriteFacts;
  }
}
