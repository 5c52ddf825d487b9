// The HTTP server's bounds in the config file (`server`), with their defaults.
import type { RawConfig } from './config-file.js';

/** What one connection may take of the broker, and how long a shutdown may last. */
export interface ServerLimits {
  /** A whole request (headers and body) must arrive within this. */
  requestTimeoutMs: number;
  headersTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxHeaderBytes: number;
  maxBodyBytes: number;
  /** On SIGTERM: in-flight requests get this long, then every connection is closed. */
  shutdownGraceMs: number;
}

export const DEFAULT_SERVER_LIMITS: ServerLimits = {
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  maxHeaderBytes: 16_384,
  // A 50,000-entry PlaceOS part_data fits.
  maxBodyBytes: 8 * 1024 * 1024,
  shutdownGraceMs: 10_000,
};

export function toServerLimits(raw: RawConfig['server']): ServerLimits {
  const seconds = (value: number | undefined, fallback: number) => (value === undefined ? fallback : value * 1000);
  return {
    requestTimeoutMs: seconds(raw?.request_timeout_seconds, DEFAULT_SERVER_LIMITS.requestTimeoutMs),
    headersTimeoutMs: seconds(raw?.headers_timeout_seconds, DEFAULT_SERVER_LIMITS.headersTimeoutMs),
    keepAliveTimeoutMs: seconds(raw?.keep_alive_timeout_seconds, DEFAULT_SERVER_LIMITS.keepAliveTimeoutMs),
    maxHeaderBytes: raw?.max_header_bytes ?? DEFAULT_SERVER_LIMITS.maxHeaderBytes,
    maxBodyBytes: raw?.max_body_bytes ?? DEFAULT_SERVER_LIMITS.maxBodyBytes,
    shutdownGraceMs: seconds(raw?.shutdown_grace_seconds, DEFAULT_SERVER_LIMITS.shutdownGraceMs),
  };
}
