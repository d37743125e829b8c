import { defineConfig } from 'vitest/config';

// As the server's suite: every file on PGlite, and again on PostgreSQL when TEST_DATABASE_URL is
// set. The tests start the real server in-process (packages/server's test helpers), so they share
// its global setup (the migrated PGlite template every file copies).
const engines = ['pglite', ...(process.env.TEST_DATABASE_URL ? ['postgres'] : [])];

export default defineConfig({
  test: {
    projects: engines.map((engine) => ({
      extends: true,
      test: {
        name: engine,
        env: { MIRRORBASE_TEST_ENGINE: engine },
      },
    })),
    include: ['test/**/*.test.ts'],
    globalSetup: ['../server/test/helpers/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
