// vitest globalSetup: one Redis, one Swift (S3 API) and one Azurite for the
// whole run, started in parallel, shared by every test file through
// inject(), stopped in teardown whether the tests passed or not.
import type { TestProject } from 'vitest/node';
import { startAzurite } from '../../scripts/servers/azurite.js';
import { startRedis } from '../../scripts/servers/redis.js';
import { startSwift } from '../../scripts/servers/swift.js';
import type { ConnectionFacts } from './servers-context.js';

interface Stoppable {
  stop(): Promise<void>;
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started: Stoppable[] = [];
  const stopAll = async (): Promise<void> => {
    const results = await Promise.allSettled(started.map((server) => server.stop()));
    const failures = results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
    if (failures.length > 0) throw new AggregateError(failures, 'stopping the test servers failed');
  };

  // Each server is recorded as soon as it is up, so a failure of another one
  // still stops it.
  const timed = async <Server extends Stoppable>(name: string, start: () => Promise<Server>, address: (server: Server) => string): Promise<Server> => {
    const begin = performance.now();
    const server = await start();
    started.push(server);
    console.log(`[servers] ${name.padEnd(7)} ${address(server)} ready in ${Math.round(performance.now() - begin)} ms`);
    return server;
  };

  const begin = performance.now();
  const redis = timed('redis', () => startRedis(), (server) => server.url);
  const swift = timed('swift', () => startSwift(), (server) => server.endpoint);
  const azurite = timed('azurite', () => startAzurite(), (server) => server.endpoint);
  const results = await Promise.allSettled([redis, swift, azurite]);
  const failures = results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
  if (failures.length > 0) {
    await stopAll().catch((error: unknown) => console.error(error));
    throw new AggregateError(failures, `test servers failed to start:\n${failures.map(String).join('\n')}`);
  }
  console.log(`[servers] all ready in ${Math.round(performance.now() - begin)} ms`);
  project.provide('redis', withoutStop(await redis));
  project.provide('swift', withoutStop(await swift));
  project.provide('azurite', withoutStop(await azurite));

  return stopAll;
}

function withoutStop<Server extends Stoppable>(server: Server): ConnectionFacts<Server> {
  const { stop: _stop, ...facts } = server;
  return facts;
}
