/** The pieces publishing stands on: git blob ids, CHANGELOG sections, and the one retry policy. */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { changelogSection, gitBlobSha1, retryingFetch, startHubEmulator, type HubEmulator } from "../support/lib.js";
import { tempDir } from "../support/tmp.js";

describe("gitBlobSha1", () => {
  it("is what git hash-object computes", () => {
    const dir = tempDir();
    for (const content of ["", "hello\n", "a".repeat(100_000), "\u0000binary\u00ff"]) {
      writeFileSync(join(dir, "f"), content, "latin1");
      const git = spawnSync("git", ["hash-object", join(dir, "f")], { encoding: "utf8" });
      expect(gitBlobSha1(Buffer.from(content, "latin1"))).toBe(git.stdout.trim());
    }
  });
});

describe("changelogSection", () => {
  const text = "# Changelog\n\n## [Unreleased]\n\n- next\n\n## [0.2.0] - 2026-02-01\n\n- two\n\n## [0.1.0] - 2026-01-01\n\n### Added\n- one\n";
  it("finds a version's section, and nothing for another version", () => {
    expect(changelogSection(text, "0.1.0")).toBe("### Added\n- one");
    expect(changelogSection(text, "0.2.0")).toBe("- two");
    expect(changelogSection(text, "0.1.1")).toBeUndefined();
    expect(changelogSection("## v1.0.0\n\nfirst\n", "1.0.0")).toBe("first");
  });
});

describe("retryingFetch", () => {
  let hub: HubEmulator | undefined;
  afterEach(async () => {
    await hub?.close();
    hub = undefined;
  });

  it("retries 5xx, honours Retry-After on 429, retries a reset mid-body, and never retries another 4xx", async () => {
    hub = await startHubEmulator({ repos: [{ repo: "example/m", files: { "a.txt": "hello\n" } }] });
    const waits: number[] = [];
    const http = retryingFetch({ baseDelayMs: 10, sleep: async (ms) => void waits.push(ms) });
    const url = `${hub.origin}/example/m/resolve/main/a.txt`;

    hub.faults.inject({ path: "/resolve/", fault: { kind: "status", status: 503 } });
    hub.faults.inject({ path: "/resolve/", fault: { kind: "rate-limit", retryAfterSeconds: 7 } });
    hub.faults.inject({ path: "/resolve/", fault: { kind: "reset" } });
    const response = await http.fetch(url);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("hello\n");
    expect(waits).toEqual([10, 7000, 40]);
    expect([http.requests, http.retries]).toEqual([4, 3]);

    const missing = await http.fetch(`${hub.origin}/example/m/resolve/main/missing.txt`);
    expect(missing.status).toBe(404);
    expect([http.requests, http.retries]).toEqual([5, 3]);

    hub.faults.inject({ path: "/resolve/", fault: { kind: "status", status: 500 }, times: 10 });
    const gaveUp = await retryingFetch({ attempts: 3, baseDelayMs: 1, sleep: async () => {} }).fetch(url);
    expect(gaveUp.status).toBe(500);
  });
});
