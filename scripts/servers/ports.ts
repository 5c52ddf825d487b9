// Free loopback ports and "wait until it answers" polling, shared by the
// server launchers in this folder.
import { createServer, connect, type Server } from 'node:net';

export const LOOPBACK = '127.0.0.1';

// Ports this process has handed out already: launchers started in parallel each ask for
// ports, and the kernel may offer one that another launcher took but has not bound yet.
const handedOut = new Set<number>();

/**
 * Asks the kernel for `count` distinct free TCP ports on 127.0.0.1.
 * All listeners are held open together so the ports differ from each other,
 * then closed so the servers we launch can bind them. Nothing stops another
 * process taking one in between; the launchers see that as a server that
 * exits (redis, memcached, Swift), and azurite and s3rver avoid it by binding
 * port 0 themselves.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    while (servers.length - taken(servers) < count) {
      const server = createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: LOOPBACK, port: 0, exclusive: true }, resolve);
      });
    }
    const ports = servers.map(portOf).filter((port) => !handedOut.has(port));
    for (const port of ports) handedOut.add(port);
    return ports;
  } finally {
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }
}

function portOf(server: Server): number {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return address.port;
}

/** How many of the held listeners sit on a port handed out before (those are skipped). */
function taken(servers: Server[]): number {
  return servers.filter((server) => handedOut.has(portOf(server))).length;
}

export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  if (port === undefined) throw new Error('no free port');
  return port;
}

/** Resolves true when something accepts a TCP connection on 127.0.0.1:port. */
export function acceptsConnections(port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: LOOPBACK, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export interface WaitOptions {
  /** What is being waited for, for the timeout message. */
  what: string;
  timeoutMs: number;
  intervalMs?: number;
  /** Called before every attempt; throws to give up early (e.g. the process died). */
  check?: () => void;
}

/**
 * Polls `probe` until it returns a value other than undefined/false.
 * Probe errors count as "not yet"; the last one is quoted on timeout.
 */
export async function waitUntil<T>(probe: () => Promise<T | undefined | false>, options: WaitOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  const interval = options.intervalMs ?? 50;
  let lastError: unknown;
  for (;;) {
    options.check?.();
    try {
      const result = await probe();
      if (result !== undefined && result !== false) return result;
    } catch (error) {
      lastError = error;
    }
    options.check?.();
    if (Date.now() >= deadline) {
      const reason = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${options.what}${reason}`);
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}
