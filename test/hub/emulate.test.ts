/**
 * `bindery emulate` as a process the real clients talk to, and `bindery hub plan` reading a Hub
 * (the loopback emulator) that holds an earlier release: deletions planned, asset names kept.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createRepo, listFiles } from "@huggingface/hub";
import { Octokit } from "@octokit/rest";
import { afterEach, describe, expect, it } from "vitest";
import { assertNoCanary, BIN, bindery } from "../support/cli.js";
import { normalizeAssetName, startHubEmulator, type HubEmulator } from "../support/lib.js";
import { releaseProject } from "../support/release.js";

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

describe("bindery emulate", () => {
  it("serves the Hub and GitHub on loopback until terminated, and prints the environment to use", async () => {
    const child = spawn(process.execPath, [BIN, "emulate", "--json"], { stdio: ["ignore", "pipe", "pipe"] });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    let out = "";
    const ready = await new Promise<{ env: Record<string, string>; origins: Record<string, string> }>((resolve, reject) => {
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString("utf8");
        try {
          resolve(JSON.parse(out));
        } catch {
          // not all of it yet
        }
      });
      child.on("exit", () => reject(new Error(`bindery emulate exited early: ${out}`)));
    });
    try {
      expect(ready.env).toEqual({
        HF_ENDPOINT: ready.origins.hub,
        GITHUB_API_URL: ready.origins.github_api,
        GITHUB_SERVER_URL: ready.origins.github_api,
        SIGSTORE_FULCIO_URL: ready.origins.fulcio,
        SIGSTORE_REKOR_URL: ready.origins.rekor,
        SIGSTORE_ID_TOKEN: expect.stringMatching(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/),
      });
      for (const origin of Object.values(ready.origins)) expect(origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      await createRepo({ repo: { type: "model", name: "example/tried" }, accessToken: "hf_emulated", hubUrl: ready.env.HF_ENDPOINT! });
      const files = [];
      for await (const f of listFiles({ repo: { type: "model", name: "example/tried" }, hubUrl: ready.env.HF_ENDPOINT! })) files.push(f.path);
      expect(files).toEqual([".gitattributes"]);
      const octokit = new Octokit({ auth: "ghp_emulated", baseUrl: ready.env.GITHUB_API_URL!, log: quiet });
      const release = await octokit.rest.repos.createRelease({ owner: "example", repo: "tried", tag_name: "v1", draft: true });
      expect(release.status).toBe(201);
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
  });
});

describe("bindery hub plan against a Hub with an earlier release", () => {
  let hub: HubEmulator | undefined;
  afterEach(async () => {
    await hub?.close();
    hub = undefined;
  });

  it("plans deletions for the files the earlier release left, and asset names GitHub keeps as given", async () => {
    hub = await startHubEmulator({
      repos: [
        { repo: "example/sensors-fault-lr", files: { "config.json": "{}\n", "old/weights-v0.bin": "old weights", "README.md": "old card\n" } },
        { repo: "datasets/example/sensors", files: { "data/old.jsonl": '{"id":1}\n' } },
      ],
    });
    const project = releaseProject();
    // No credential at all: planning reads public repositories anonymously.
    const result = await bindery(["hub", "plan", "--output", "plan.json", "--json"], { cwd: project, env: { HF_ENDPOINT: hub.origin, HF_TOKEN: undefined, GITHUB_TOKEN: undefined } });
    expect(result.code, result.stderr).toBe(0);
    const plan = JSON.parse(readFileSync(join(project, "plan.json"), "utf8"));
    expect(plan.repos.map((r: { repo: string; remote: unknown; deletions: string[] }) => [r.repo, r.remote, r.deletions])).toEqual([
      ["example/sensors-fault-lr", { read: true, exists: true }, ["old/weights-v0.bin"]],
      ["example/sensors", { read: true, exists: true }, ["data/old.jsonl"]],
    ]);
    expect(plan.endpoints.hub).toBe(hub.origin);
    expect(plan.entries[0].url).toBe(`${hub.origin}/example/sensors-fault-lr/resolve/v0.1.0/README.md`);
    for (const asset of plan.releases[0].assets) expect(normalizeAssetName(asset)).toBe(asset);
    expect(hub.requests.length).toBeGreaterThan(0);
    expect(hub.requests.filter((r) => r.auth !== "anonymous")).toEqual([]);
  });

  it("plans a first release (no repositories yet) with no deletions, and stops at a Hub that answers with errors", async () => {
    hub = await startHubEmulator();
    const project = releaseProject();
    const first = await bindery(["hub", "plan", "--output", "plan.json"], { cwd: project, env: { HF_ENDPOINT: hub.origin } });
    expect(first.code, first.stderr).toBe(0);
    const plan = JSON.parse(readFileSync(join(project, "plan.json"), "utf8"));
    expect(plan.repos.map((r: { remote: unknown }) => r.remote)).toEqual([{ read: true, exists: false }, { read: true, exists: false }]);
    // HF_TOKEN (a canary here) was used to read, and is nowhere in what the plan wrote or printed.
    expect(hub.requests.some((r) => r.auth === "token")).toBe(true);
    assertNoCanary("plan.json", readFileSync(join(project, "plan.json"), "utf8"));
    assertNoCanary("output", first.stdout + first.stderr);

    hub.faults.inject({ path: "/tree/", fault: { kind: "status", status: 503 } });
    const down = await bindery(["hub", "plan", "--output", "plan-2.json", "--json"], { cwd: project, env: { HF_ENDPOINT: hub.origin } });
    expect(down.code).toBe(4);
    expect(down.json<{ error: { code: string; message: string } }>().error).toMatchObject({
      code: "REMOTE_UNAVAILABLE",
      message: expect.stringContaining("could not list the files of model repository example/sensors-fault-lr"),
    });
  });
});
