import { defineConfig } from "vitest/config";

// Workspace packages resolve to their TypeScript sources (each package's `tickwire-source`
// export), so tests run on src/ without a build.
const conditions = ["tickwire-source"];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
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
