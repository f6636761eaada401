import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['server/**/*.test.ts', 'test/**/*.test.ts', 'sim/**/*.test.ts', 'scripts/**/*.test.ts'],
    // Two cores: one worker for the suites, one for the nix evaluator and browser they start.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
