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
  },
});
