import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The tutorial's project, built once for every test file that starts from it.
    globalSetup: ["test/support/global-setup.ts"],
    // Tests spawn the real CLI and worker threads; give slow CI machines room.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
