import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Tests spawn the real CLI and worker threads; give slow CI machines room.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
