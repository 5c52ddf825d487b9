// What the CLI's commands share: the connection flags (and the environment
// standing in for them), the process's streams, and how an error reads.
import { InvalidArgumentError } from 'commander';
import { UploadError } from './errors.js';
import type { HeaderSource } from './types.js';

export interface ConnectionFlags {
  url?: string;
  token?: string;
  apiKey?: string;
  basePath?: string;
}

export interface CliIo {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
  /** Injected by tests (fault-injecting fetch); default global fetch. */
  fetch?: typeof fetch;
}

export const positiveInt = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
};

export function connection(flags: ConnectionFlags, io: CliIo): { url: string; headers: HeaderSource; basePath?: string; fetch?: typeof fetch } {
  const url = flags.url ?? io.env['SIGNPOST_URL'];
  if (!url) throw new UploadError({ code: 'usage', message: 'no broker URL: pass --url or set SIGNPOST_URL' });
  const token = flags.token ?? io.env['SIGNPOST_TOKEN'];
  const apiKey = flags.apiKey ?? io.env['SIGNPOST_API_KEY'];
  const headers: Record<string, string> = {};
  if (token) headers['Authorization'] = `Bearer ${token}`;
  else if (apiKey) headers['X-API-Key'] = apiKey;
  return { url, headers, ...(flags.basePath ? { basePath: flags.basePath } : {}), ...(io.fetch ? { fetch: io.fetch } : {}) };
}

/** The broker's own words when it gave some. */
export function reasonOf(error: unknown): string {
  if (error instanceof UploadError) return error.brokerMessage ?? error.message;
  return error instanceof Error ? error.message : String(error);
}
