/**
 * `bindery hub publish` against the loopback emulators, with the real clients: the example
 * release publishes, a re-run sends nothing, an interrupted run resumes sending only what is
 * missing, a changed file is refused before any request, a second release deletes what the new
 * plan drops while the first tag keeps its bytes, and every fault is retried or reported.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { downloadFile, listFiles, uploadFile } from "@huggingface/hub";
import { afterEach, describe, expect, it } from "vitest";
import { assertNoCanary, bindery, CANARIES } from "../support/cli.js";
import { startEmulators, type Emulators } from "../support/lib.js";
import { releaseProject } from "../support/release.js";

let emulators: Emulators | undefined;
afterEach(async () => {
  await emulators?.close();
  emulators = undefined;
});

interface Report {
  ok: boolean;
  generated_by: string;
  files: { repo: string; outcome: string; source: { root: string; path: string; size: number } | null; target: { platform: string; asset?: string; path?: string; lfs?: boolean } | null; path: string | null; error: string | null }[];
  hub: { repo: string; repo_type: string; commits: string[]; tag: { name: string; commit: string | null; created: boolean } }[];
  github: { tag: string; published: boolean; release_id: number; notes: string }[];
  transfer: { bytes_sent: number; retries: number };
  errors: string[];
}

/** A release project and emulators; `publish` runs the CLI with their environment. */
async function setup() {
  emulators = await startEmulators();
  const project = releaseProject();
  const env = { ...emulators.env, BINDERY_RETRY_BASE_MS: "5" };
  const run = async (args: string[]) => bindery(args, { cwd: project, env });
  const plan = await run(["hub", "plan", "--output", "plan.json"]);
  expect(plan.code, plan.stderr).toBe(0);
  const publish = async (output = "publish.json") => {
    const result = await run(["hub", "publish", "--plan", "plan.json", "--output", output, "--json"]);
    assertNoCanary(`${output} output`, result.stdout + result.stderr);
    const text = readFileSync(join(project, output), "utf8");
    assertNoCanary(output, text);
    return { result, report: JSON.parse(text) as Report };
  };
  return { project, run, publish, plan: JSON.parse(readFileSync(join(project, "plan.json"), "utf8")) };
}

const total = (files: Report["files"]) => files.reduce((sum, f) => sum + (f.source?.size ?? 0), 0);

describe("bindery hub publish", () => {
  it("publishes the example release exactly as planned, and a second run sends nothing", async () => {
    const { project, publish, plan } = await setup();
    const { result, report } = await publish();
    expect(result.code, result.stderr).toBe(0);
    expect(report).toMatchObject({ ok: true, generated_by: "bindery hub publish", errors: [] });
    expect(report.files.every((f) => f.outcome === "uploaded")).toBe(true);
    expect(report.files).toHaveLength(plan.entries.length);
    expect(report.transfer.bytes_sent).toBe(total(report.files));

    // The Hub repositories at the tag hold exactly the plan's files, and each is the planned bytes.
    for (const repo of plan.repos) {
      const files = [];
      for await (const f of listFiles({ repo: { type: repo.repo_type, name: repo.repo }, revision: "v0.1.0", recursive: true, hubUrl: emulators!.hub.origin })) if (f.type === "file") files.push(f.path);
      expect(files.filter((p) => p !== ".gitattributes").sort()).toEqual([...repo.files].sort());
    }
    const readme = await downloadFile({ repo: { type: "model", name: "example/sensors-fault-lr" }, path: "README.md", revision: "v0.1.0", hubUrl: emulators!.hub.origin });
    expect(Buffer.from(await readme!.arrayBuffer())).toEqual(readFileSync(join(project, "release/model/model_card.md")));
    const [release] = emulators!.github.releases("example", "sensors");
    expect(release).toMatchObject({ tagName: "v0.1.0", draft: false });
    const planned = plan.entries.filter((e: { target: { platform: string } }) => e.target.platform === "github");
    expect(release!.assets.map((a) => [a.name, a.digest, a.size]).sort()).toEqual(
      planned.map((e: { target: { asset: string }; source: { sha256: string; size: number } }) => [e.target.asset, `sha256:${e.source.sha256}`, e.source.size]).sort(),
    );
    expect(report.github[0]).toMatchObject({ published: true, notes: "changelog" });

    const again = await publish("publish-2.json");
    expect(again.result.code, again.result.stderr).toBe(0);
    expect(again.report.transfer.bytes_sent).toBe(0);
    expect(new Set(again.report.files.map((f) => f.outcome))).toEqual(new Set(["already_present"]));
    expect(again.report.hub.map((h) => [h.commits, h.tag.created])).toEqual([
      [[], false],
      [[], false],
    ]);
  });

  it("resumes an interrupted run, sending only the LFS objects and assets not yet there", async () => {
    const { publish } = await setup();
    // Half the release assets, and one LFS upload, fail permanently (a 400 is not retried).
    emulators!.github.faults.inject({ method: "POST", path: "/assets", fault: { kind: "status", status: 400 }, times: 6 });
    emulators!.hub.faults.inject({ method: "PUT", fault: { kind: "status", status: 400 }, times: 1 });
    const first = await publish();
    expect(first.result.code).toBe(4);
    expect(first.result.stderr).toContain("bindery hub publish: PUBLISH_FAILED: publishing did not complete:");
    expect(first.report.ok).toBe(false);
    const failedAssets = first.report.files.filter((f) => f.target?.platform === "github" && f.outcome === "failed");
    expect(failedAssets).toHaveLength(6);
    expect(failedAssets[0]!.error).toMatch(/^HTTP 400/);
    const model = first.report.hub.find((h) => h.repo_type === "model")!;
    expect(model.tag.commit).toBeNull();
    const lfsStored = emulators!.hub.stats.lfsBytesReceived;

    const second = await publish("publish-2.json");
    expect(second.result.code, second.result.stderr).toBe(0);
    // Sent now: the model repo's files (its commit failed) but the LFS objects already stored, and the six assets.
    const modelFiles = second.report.files.filter((f) => f.repo === "example/sensors-fault-lr" && f.target?.platform === "hub");
    expect(second.report.transfer.bytes_sent).toBe(total(modelFiles) - lfsStored + total(failedAssets));
    expect(second.report.files.filter((f) => f.target?.platform === "github" && f.outcome === "uploaded").map((f) => f.target!.asset)).toEqual(failedAssets.map((f) => f.target!.asset));
    expect(second.report.files.filter((f) => f.repo === "example/sensors" && f.target?.platform === "hub").every((f) => f.outcome === "already_present")).toBe(true);
  });

  it("refuses a file changed after planning before any request", async () => {
    const { project, publish } = await setup();
    const before = emulators!.hub.requests.length;
    writeFileSync(join(project, "release/demo/transcript.md"), `${readFileSync(join(project, "release/demo/transcript.md"), "utf8")}Edited.\n`);
    const result = await bindery(["hub", "publish", "--plan", "plan.json", "--output", "publish.json", "--json"], { cwd: project, env: emulators!.env });
    expect(result.code).toBe(1);
    expect(result.json<{ error: { code: string; message: string } }>().error).toMatchObject({
      code: "IDENTITY_MISMATCH",
      message: expect.stringMatching(/^1 source file changed since the plan, so nothing was sent: demo\/transcript\.md is sha256 [0-9a-f]{64} \(\d+ bytes\), but the plan says [0-9a-f]{64}/),
    });
    expect(emulators!.hub.requests.length).toBe(before);
    expect(emulators!.github.releases("example", "sensors")).toEqual([]);
    void publish;
  });

  it("publishes a second release that deletes what its plan drops, while the first tag keeps its bytes", async () => {
    const { run, publish } = await setup();
    expect((await publish()).result.code).toBe(0);
    const hubUrl = emulators!.hub.origin;
    const repo = { type: "model" as const, name: "example/sensors-fault-lr" };
    await uploadFile({ repo, file: { path: "notes/extra.txt", content: new Blob(["a file no release names\n"]) }, accessToken: CANARIES.HF_TOKEN, hubUrl });
    expect((await run(["hub", "plan", "--tag", "v0.1.1", "--output", "plan.json"])).code).toBe(0);
    const { result, report } = await publish("publish-2.json");
    expect(result.code, result.stderr).toBe(0);
    expect(report.files.filter((f) => f.outcome === "deleted").map((f) => [f.repo, f.path])).toEqual([["example/sensors-fault-lr", "notes/extra.txt"]]);
    const model = report.hub.find((h) => h.repo_type === "model")!;
    expect(model.commits).toHaveLength(1);
    expect(model.tag).toEqual({ name: "v0.1.1", commit: model.commits[0], created: true });
    const paths = async (revision: string) => {
      const out: string[] = [];
      for await (const f of listFiles({ repo, revision, recursive: true, hubUrl })) if (f.type === "file") out.push(f.path);
      return out;
    };
    expect(await paths("v0.1.1")).not.toContain("notes/extra.txt");
    expect(await paths("main")).toEqual(await paths("v0.1.1"));
    const first = emulators!.hub.history("example/sensors-fault-lr").at(-2)!;
    expect(emulators!.hub.readFile("example/sensors-fault-lr", "manifest.json", "v0.1.0")).toEqual(emulators!.hub.readFile("example/sensors-fault-lr", "manifest.json", first.oid));
    expect(emulators!.github.releases("example", "sensors").map((r) => [r.tagName, r.draft])).toEqual([
      ["v0.1.1", false],
      ["v0.1.0", false],
    ]);
  });
});

describe("bindery hub publish under faults", () => {
  const retried: [string, (e: Emulators) => void][] = [
    ["a 503 on the Hub commit", (e) => e.hub.faults.inject({ method: "POST", path: "/commit/", fault: { kind: "status", status: 503 } })],
    ["a 429 with Retry-After on preupload", (e) => e.hub.faults.inject({ path: "/preupload/", fault: { kind: "rate-limit", retryAfterSeconds: 0 } })],
    ["a reset mid-body on a listing", (e) => e.hub.faults.inject({ path: "/tree/", fault: { kind: "reset" } })],
    ["a truncated body from paths-info", (e) => e.hub.faults.inject({ path: "/paths-info/", fault: { kind: "truncate", bytes: 5 } })],
    ["a slow reply from GitHub", (e) => e.github.faults.inject({ path: "/releases", fault: { kind: "slow", delayMs: 150 } })],
    ["a 502 on a release asset upload", (e) => e.github.faults.inject({ method: "POST", path: "/assets", fault: { kind: "status", status: 502 } })],
  ];
  it.each(retried)("retries %s and publishes", async (_name, inject) => {
    const { publish } = await setup();
    inject(emulators!);
    const { result, report } = await publish();
    expect(result.code, result.stderr).toBe(0);
    expect(report.ok).toBe(true);
    if (!_name.startsWith("a slow")) expect(report.transfer.retries).toBeGreaterThanOrEqual(1);
  });

  const permanent: [string, (e: Emulators) => void, RegExp][] = [
    ["a 403 creating the GitHub release", (e) => e.github.faults.inject({ method: "POST", path: "/releases", fault: { kind: "status", status: 403 } }), /GitHub release v0\.1\.0 of example\/sensors: HTTP 403/],
    ["wrong bytes in a paths-info reply", (e) => e.hub.faults.inject({ path: "/paths-info/", fault: { kind: "wrong-bytes" }, times: 20 }), /repository example\/sensors-fault-lr: /],
    ["a 503 that does not go away", (e) => e.hub.faults.inject({ method: "POST", path: "/commit/", fault: { kind: "status", status: 503 }, times: 50 }), /HTTP 503/],
  ];
  it.each(permanent)("reports %s, with its code and message, and still writes the report", async (_name, inject, message) => {
    const { publish } = await setup();
    inject(emulators!);
    const { result, report } = await publish();
    expect(result.code).toBe(4);
    expect(result.json<{ ok: boolean }>().ok).toBe(false);
    expect(result.stderr).toContain("PUBLISH_FAILED");
    expect(report.ok).toBe(false);
    expect(report.errors.some((e) => message.test(e)), report.errors.join("\n")).toBe(true);
  });
});
