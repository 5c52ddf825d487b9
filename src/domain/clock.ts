import { randomBytes } from 'node:crypto';

// Time and randomness are injected so expiry and ids are testable without sleeping.
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export interface IdGenerator {
  uploadId(): string;
  objectName(): string;
  uploadToken(): string;
  sessionId(): string;
}

export const randomIds: IdGenerator = {
  // PlaceOS ids look like `uploads-<random>`; 16 random bytes are unguessable.
  uploadId: () => `uploads-${randomBytes(16).toString('base64url')}`,
  objectName: () => randomBytes(16).toString('hex'),
  uploadToken: () => randomBytes(32).toString('base64url'),
  sessionId: () => `sessions-${randomBytes(16).toString('base64url')}`,
};
