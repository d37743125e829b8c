import { defineConfig } from 'vitest/config';

// Every test file runs on a fresh PGlite database; when TEST_DATABASE_URL names a PostgreSQL
// server, the whole suite runs a second time there (a fresh database per file as well).
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
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Vitest's default is one worker fewer than the cores: one, on CI's two. The files wait on
    // databases, sockets and child servers much of the time, so two workers keep both cores busy
    // (the suite had grown to 16 minutes on Node 20 alone).
    maxWorkers: 2,
    // Each file builds its own app on its own database, and nothing in src keeps module state a
    // file could leak into the next; so a worker keeps its loaded modules between files instead
    // of importing the whole server again for each (~3 s a file, on ~130 file runs).
    isolate: false,
    reporters: process.env.CI ? ['default', './test/helpers/summary-reporter.ts'] : ['default'],
  },
});
