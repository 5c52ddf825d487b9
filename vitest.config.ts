import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Starts the run's Redis, Swift (S3) and Azurite once; tests inject() them.
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores, and the servers need CPU too.
    pool: 'forks',
    maxWorkers: 2,
    // Known: AWS SDK releases after January 2027 need Node 22 (README). Keep test logs readable.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
