// Headless Debian Chromium driven by playwright-core (TESTING.md "Browser"):
// `npx playwright install` cannot download browsers here, and a missing
// Chromium must fail the suite, never skip it.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

// Without the background-networking flags Chromium keeps dialling Google's
// hosts, which this machine's closed network refuses (env notes on node).
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM}: the browser tests need Debian's chromium package. Run scripts/ensure-test-deps.sh (npm test does), or: sudo apt-get install -y chromium`);
  }
  // A fresh, empty profile every launch: playwright's launch() makes a temporary user-data-dir.
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
}

export const SCREENSHOT_DIR = resolve('test-output', 'e2e');

/** Where a screenshot goes (created on demand); tests print the path. */
export async function screenshotPath(name: string): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  return join(SCREENSHOT_DIR, `${name}.png`);
}
