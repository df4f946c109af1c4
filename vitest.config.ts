import { defineConfig } from 'vitest/config'

// Two tiers. unit: *.unit.test.ts beside their source's path, no root, Redis, Docker or dist/ (seconds).
// integration: every other test, against real redis-server, Docker, hubs, nodes and the compiled CLI; two files at
// a time (package.json's test:integration: a project's poolOptions is not honoured): most of a file's time is its
// processes waiting on each other, so on 2 cores that nearly halves the tier's wall time.
export default defineConfig({
  test: {
    pool: 'forks',
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.unit.test.ts'],
          testTimeout: 10_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/*.unit.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
          pool: 'forks',
          globalSetup: ['test/setup/global.ts'],
        },
      },
    ],
  },
})
