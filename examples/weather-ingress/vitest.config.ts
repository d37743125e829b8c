import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The end-to-end tests start a real Mirrorbase in-process with the server's own test helpers:
// a fresh PGlite database per file, and the same files again on the PostgreSQL server named
// by TEST_DATABASE_URL when it is set (as the server's suite does).
const engines = ['pglite', ...(process.env.TEST_DATABASE_URL ? ['postgres'] : [])];

export default defineConfig({
  // The SDK's sources, not its build: the tests always exercise the SDK as it is checked out.
  resolve: { alias: { '@mirrorbase/sdk': fileURLToPath(new URL('../../packages/sdk/src/index.ts', import.meta.url)) } },
  test: {
    projects: engines.map((engine) => ({
      extends: true,
      test: { name: engine, env: { MIRRORBASE_TEST_ENGINE: engine } },
    })),
    include: ['test/**/*.test.ts'],
    globalSetup: ['../../packages/server/test/helpers/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
