import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // @colyseus/core loads @pm2/io, which calls process.send() on the forks pool's IPC channel.
    pool: "threads",
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests each boot a real server process; two cores, so keep concurrency low.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
