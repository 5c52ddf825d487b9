#!/usr/bin/env node
// The signpost CLI. Runs the build (dist/) when there is one; in a checkout
// without a build (or with SIGNPOST_CLI_SOURCE=1, as the tests set so a stale
// build is never what they test), registers tsx and runs the TypeScript source.
import { existsSync } from 'node:fs';

const built = new URL('../dist/src/client/cli.js', import.meta.url);
let cli;
if (existsSync(built) && process.env.SIGNPOST_CLI_SOURCE !== '1') {
  cli = await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import(new URL('../src/client/cli.ts', import.meta.url).href);
}
process.exitCode = await cli.runCli(process.argv);
