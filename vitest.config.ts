import { defineConfig } from 'vitest/config';

/**
 * Two projects: `unit` runs in parallel and never needs root; `kernel` creates real namespaces, so its files run
 * one at a time with explicit timeouts (DEVELOPERS.md: kernel tests run one at a time).
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/kernel/**'],
          setupFiles: ['test/support/fast-check-seed.ts'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'kernel',
          include: ['test/kernel/**/*.test.ts'],
          setupFiles: ['test/support/fast-check-seed.ts'],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
