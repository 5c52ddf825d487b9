// What every demo-page suite needs: one Chromium, one broker with the demo
// page in front of fresh stores (through taps that count part requests), and
// a temp dir for test files — set up once per file, torn down after it.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import type { StorageConfig } from '../../../src/config.js';
import { freshStores, type TestStores } from '../../support/broker.js';
import { launchChromium } from './browser.js';
import { allowBrowsersOnAzurite, startDemoBroker, type DemoBroker } from './demo-broker.js';
import { fileDir, type FileDir } from './files.js';

export interface DemoEnvironment {
  browser: Browser;
  broker: DemoBroker;
  files: FileDir;
}

/** Registers the file's beforeAll/afterAll; read the fields inside tests and hooks. */
export function useDemoEnvironment(configure?: (tapped: TestStores) => StorageConfig[]): DemoEnvironment {
  const env = {} as DemoEnvironment;
  beforeAll(async () => {
    let stores: TestStores;
    [env.browser, stores, env.files] = await Promise.all([launchChromium(), freshStores(), fileDir(), allowBrowsersOnAzurite()]);
    env.broker = await startDemoBroker(stores, configure);
  });
  afterAll(async () => {
    await env.browser?.close();
    await env.broker?.close();
    await env.files?.remove();
  });
  return env;
}
