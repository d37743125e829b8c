import { defineConfig } from 'vitest/config';

// End-to-end tests: Debian's Chromium (driven by playwright-core) against the real server, in
// process, on a fresh database per file. The web app does not care which engine holds the data,
// so the files run once: on PostgreSQL when TEST_DATABASE_URL is set (as in CI), else on PGlite.
const engine = process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite';

export default defineConfig({
  test: {
    name: `web-${engine}`,
    env: { MIRRORBASE_TEST_ENGINE: engine },
    include: ['e2e/**/*.test.ts'],
    // The server's (the migrated PGlite template), then a fresh build of the app.
    globalSetup: ['../server/test/helpers/global-setup.ts', './e2e/helpers/build-web.ts'],
    testTimeout: 60_000,
    hookTimeout: 90_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
