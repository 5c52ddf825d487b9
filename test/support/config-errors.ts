// What the config tests share: the server environment they parse against, and the message of
// the ConfigError a bad config must stop with.
import { expect } from 'vitest';
import { ConfigError } from '../../src/config.js';

export const serverEnv = { port: 0, host: '127.0.0.1', logLevel: 'info' };

/** The message of the ConfigError `fn` throws; fails the test when it throws none or another error. */
export function configError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}
