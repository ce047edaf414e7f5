/**
 * `bindery release replay` on the published example (loopback emulators, real clients): a ready
 * release replays from its public bytes alone into an empty directory; each attack on the
 * candidate report is refused before any request, with its code; a forged demo program that was
 * re-sealed and re-published is caught by the replayed outputs.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { assertNoCanary, assertNoCanaryInTree, bindery, type CliResult } from "../support/cli.js";
import { identityOfBytes, prettyJson, startEmulators, type Emulators } from "../support/lib.js";
import { editJsonAt, releaseProject, reseal } from "../support/release.js";

/** The example release, published once on emulators shared by the file (attacks edit only the candidate report). */
let shared: Emulators;
beforeAll(async () => {
  shared = await startEmulators();
});
afterAll(async () => {
  await shared?.close();
});
/** Emulators of one test (the forged release is published on its own). */
let own: Emulators | undefined;
afterEach(async () => {
  await own?.close();
  own = undefined;
});

interface Row {
  id: string;
  ok: boolean;
  detail: string;
  issue_refs: string[];
}
interface Finding {
  code: string;
  path: string;
  message: string;
  field?: string;
}
interface ReplayReport {
  ok: boolean;
  generated_by: string;
  schema_version: string;
  checks: Row[];
  blockers: string[];
  candidate: { path: string; sha256: string; size: number };
  inputs: { path: string; sha256: string }[];
  release: { id: string; version: string; tag: string };
  plan: { sha256: string };
  downloads: { url: string; source: { root: string; path: string; sha256: string; size: number }; file: { path: string; sha256: string; size: number } | null; written: boolean; copies: string[]; ok: boolean; error: string | null }[];
  verify: { ok: boolean; findings: Finding[] };
  replay: { status: string; command: string[]; manifest: { path: string } | null; files: { path: string }[]; exit_code: number | null; outputs: { name: string; file: { path: string } | null }[] };
  comparison: { equal: boolean; published: { path: string } | null; replayed: { path: string } | null; fields: { field: string; file: string; equal: boolean }[]; findings: Finding[] };
}
interface Plan {
  release: { id: string; version: string; tag: string };
  entries: { source: { root: string; path: string; sha256: string; size: number }; target: { platform: string }; url: string }[];
}
interface Candidate {
  ready: boolean;
  checks: Row[];
  blockers: string[];
  release: { id: string; version: string; tag: string };
  plan: Plan;
  plan_identity: { path: string; sha256: string; size: number };
  public_checks: string;
  generated_by: string;
}

/** Runs `bindery release replay ARGS` (canary credentials planted); its output must not show them. */
async function replay(args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<CliResult> {
  const result = await bindery(["release", "replay", ...args], options);
  assertNoCanary("bindery release replay stdout", result.stdout);
  assertNoCanary("bindery release replay stderr", result.stderr);
  return result;
}

/** Plans and publishes the project on `emulators`, then writes a ready candidate report (candidate.json). */
async function publishAndCandidate(project: string, emulators: Emulators): Promise<string> {
  const env = { ...emulators.env, BINDERY_RETRY_BASE_MS: "5" };
  const plan = await bindery(["hub", "plan", "--output", "plan.json"], { cwd: project, env });
  expect(plan.code, plan.stdout + plan.stderr).toBe(0);
  const publish = await bindery(["hub", "publish", "--plan", "plan.json", "--output", "publish.json"], { cwd: project, env });
  expect(publish.code, publish.stderr).toBe(0);
  const made = await bindery(["release", "candidate", "--plan", "plan.json", "--publish-report", "publish.json", "--output", "candidate.json"], {
    cwd: project,
    env: { ...emulators.env, HF_TOKEN: undefined, GITHUB_TOKEN: undefined },
  });
  expect(made.code, made.stdout + made.stderr).toBe(0);
  return readFileSync(join(project, "candidate.json"), "utf8");
}

let example: Promise<string> | undefined;
/** The ready candidate report of the example, published once on the shared emulators. */
function exampleCandidate(): Promise<string> {
  example ??= publishAndCandidate(releaseProject(), shared);
  return example;
}

/** A fresh copy of the project with `candidate.json` holding `text`, edited by `change`. */
async function withCandidate(change?: (c: Candidate) => void): Promise<string> {
  const text = await exampleCandidate();
  const project = releaseProject();
  const doc = JSON.parse(text) as Candidate;
  change?.(doc);
  writeFileSync(join(project, "candidate.json"), change ? prettyJson(doc) : text);
  return project;
}

/** Re-binds the embedded plan as a forger would, so only the targeted check can fire. */
const rebind = (c: Candidate) => {
  c.plan_identity = identityOfBytes(c.plan_identity.path, prettyJson(c.plan));
};

describe("bindery release replay", () => {
  it("replays the published example from its public bytes alone: every download matches, the packages verify, the demo gives the same outputs", async () => {
    const project = await withCandidate();
    const before = shared.hub.requests.length;
    const result = await replay(["--candidate", "candidate.json", "--output-dir", "clean", "--json"], { cwd: project, env: shared.env });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const out = join(project, "clean");
    const text = readFileSync(join(out, "clean_machine_demo_report.json"), "utf8");
    const report = JSON.parse(text) as ReplayReport;
    expect(report).toMatchObject({ ok: true, generated_by: "bindery release replay", schema_version: "1.0.0", blockers: [], release: { id: "sensors-v0.1.0-r1", tag: "v0.1.0" } });
    expect(report.checks.map((c) => [c.id, c.ok])).toEqual([
      ["download", true],
      ["verify", true],
      ["demo", true],
    ]);
    // Bound to the candidate report's exact bytes, and to the plan it embeds.
    const candidate = JSON.parse(readFileSync(join(project, "candidate.json"), "utf8")) as Candidate;
    expect(report.candidate).toEqual(identityOfBytes("candidate.json", readFileSync(join(project, "candidate.json"))));
    expect(report.inputs).toEqual([report.candidate]);
    expect(report.plan).toEqual(candidate.plan_identity);

    // Every planned file, downloaded and hashed; the layout mirrors the packages, relative to the output directory.
    expect(report.downloads).toHaveLength(candidate.plan.entries.length);
    expect(report.downloads.every((d) => d.ok && d.file !== null && d.file.sha256 === d.source.sha256)).toBe(true);
    for (const d of report.downloads) expect(d.file!.path).toBe(`${d.source.root}/${d.source.path}`);
    expect(report.downloads.filter((d) => !d.written).map((d) => d.file!.path).sort()).toEqual(["dataset/data_card.md", "model/model_card.md"]);
    expect(readFileSync(join(out, "model/manifest.json"))).toEqual(readFileSync(join(project, "release/model/manifest.json")));
    // The run files the plan publishes once, from the model package's training/ copies, are placed in run/ too.
    expect(report.downloads.flatMap((d) => d.copies).sort()).toEqual(["run/training_preflight_report.json", "run/training_run_SHA256SUMS", "run/training_run_card.md", "run/training_run_manifest.json"]);
    expect(readFileSync(join(out, "run/training_run_SHA256SUMS"))).toEqual(readFileSync(join(project, "runs/r1/training_run_SHA256SUMS")));
    expect(readdirSync(out).sort()).toEqual(["clean_machine_demo_report.json", "dataset", "demo", "model", "paper", "replay", "run"]);
    expect(report.verify).toEqual({ ok: true, findings: [] });

    // The demo, replayed against the downloaded model, gave what was published.
    expect(report.replay).toMatchObject({ status: "ok", exit_code: 0, command: expect.arrayContaining(["scripts/demo.mjs"]), manifest: { path: "replay/demo/terminal_demo_manifest.json" } });
    expect(report.replay.outputs.map((o) => o.file?.path)).toEqual(["replay/demo/outputs/predictions.jsonl"]);
    expect(readFileSync(join(out, "replay/demo/outputs/predictions.jsonl"))).toEqual(readFileSync(join(project, "release/demo/outputs/predictions.jsonl")));
    expect(report.comparison).toMatchObject({ equal: true, findings: [], published: { path: "demo/terminal_demo_manifest.json" }, replayed: { path: "replay/demo/terminal_demo_manifest.json" } });
    expect(report.comparison.fields.map((f) => f.field)).toEqual(expect.arrayContaining(["/model/model_id", "/model/manifest", "/input_files/0/file", "/runtime/node", "/runtime/platform", "/runtime/arch", "/output_files/0/file", "/output_files/0/summary"]));

    // Public-safe: every path relative, no machine path, no credential; every request anonymous.
    const paths = [...report.downloads.map((d) => d.file!.path), ...report.replay.files.map((f) => f.path), report.candidate.path];
    for (const p of paths) expect(p).toMatch(/^(?!\/)(?!.*\.\.)[^\\]+$/);
    expect(text).not.toContain(project);
    for (const name of ["terminal_demo_manifest.json", "runtime_preflight_report.json", "transcript.md"]) expect(readFileSync(join(out, "replay/demo", name), "utf8")).not.toContain(project);
    assertNoCanaryInTree(out);
    const mine = shared.hub.requests.slice(before);
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((r) => r.auth === "anonymous" && r.method === "GET")).toBe(true);
    expect(result.json<{ ok: boolean; report: { path: string } }>()).toMatchObject({ ok: true, report: { path: "clean_machine_demo_report.json" } });
  });

  const attacks: [string, (c: Candidate) => void, string, RegExp][] = [
    [
      "ready flipped to true on a not-ready report",
      (c) => {
        const row = c.checks.find((r) => r.id === "bytes:hub:model")!;
        row.ok = false;
        row.detail = "1 of 63 files of example/sensors-fault-lr at v0.1.0 are not the planned bytes: model.safetensors.";
        c.blockers = [row.detail];
        c.ready = true;
      },
      "DISAGREEMENT",
      /candidate\.json: field \/ready says true, but 1 readiness row failed \(bytes:hub:model\)/,
    ],
    [
      "a not-ready report",
      (c) => {
        const row = c.checks.find((r) => r.id === "files:github:release")!;
        row.ok = false;
        c.blockers = [row.detail];
        c.ready = false;
      },
      "REPORT_NOT_OK",
      /candidate\.json is not ready: 1 readiness row failed \(files:github:release\)/,
    ],
    ["public checks skipped", (c) => void (c.public_checks = "skipped"), "REPORT_NOT_OK", /skipped the public checks/],
    ["a readiness row dropped", (c) => void (c.checks = c.checks.filter((r) => r.id !== "bytes:github:release")), "MISSING_EVIDENCE", /lacks the readiness row bytes:github:release, which its plan requires/],
    [
      "the embedded plan changed (one hash edited)",
      (c) => {
        const entry = c.plan.entries.find((e) => e.source.path === "outputs/predictions.jsonl")!;
        entry.source.sha256 = entry.source.sha256.replace(/^./, (d) => (d === "0" ? "1" : "0"));
      },
      "IDENTITY_MISMATCH",
      /the embedded plan re-serializes to sha256 [0-9a-f]{64} \(\d+ bytes\), but plan_identity names hub_release_plan\.json as sha256 [0-9a-f]{64}/,
    ],
    [
      "a candidate of another release",
      (c) => {
        c.release.id = "sensors-v0.2.0-r1";
        c.plan.release.id = "sensors-v0.2.0-r1";
        rebind(c);
      },
      "DISAGREEMENT",
      /field \/release\/id is "sensors-v0\.2\.0-r1", but bindery\.yaml names release "sensors-v0\.1\.0-r1"; this is a candidate of another release/,
    ],
    [
      "a planned URL off the plan's endpoints",
      (c) => {
        c.plan.entries[0]!.url = "http://downloads.example.org/model.safetensors";
        rebind(c);
      },
      "INPUT_INVALID",
      /plan entry 0 \(model\/[^)]+\) has the URL "http:\/\/downloads\.example\.org\/model\.safetensors": it is not under the plan's endpoint http:\/\/127\.0\.0\.1:\d+/,
    ],
    [
      "a planned URL that is not http(s)",
      (c) => {
        c.plan.entries[1]!.url = "file:///etc/passwd";
        rebind(c);
      },
      "INPUT_INVALID",
      /has the URL "file:\/\/\/etc\/passwd": its scheme file: is not http\(s\)/,
    ],
    [
      "a planned source path that leaves the output directory",
      (c) => {
        c.plan.entries[2]!.source.path = "../../outside.sh";
        rebind(c);
      },
      "UNSAFE_PATH",
      /\(embedded plan\): entry 2: path "\.\.\/\.\.\/outside\.sh" is not public-safe: it contains a `\.\.` segment\./,
    ],
    [
      "a malformed hash in the plan",
      (c) => {
        c.plan.entries[3]!.source.sha256 = "not-a-digest";
        rebind(c);
      },
      "INPUT_INVALID",
      /\(embedded plan\) \(hub_release_plan\.json\) does not match its schema: entries\.3\.source\.sha256: must be 64 lowercase hexadecimal characters/,
    ],
    ["a report not written by bindery", (c) => void (c.generated_by = "release-o-matic"), "FOREIGN_GENERATOR", /candidate\.json: its generated_by is "release-o-matic", not "bindery release candidate"/],
  ];
  it.each(attacks)("refuses %s before any request, writing nothing", async (_name, change, code, message) => {
    const project = await withCandidate(change);
    const before = shared.hub.requests.length;
    const result = await replay(["--candidate", "candidate.json", "--output-dir", "clean", "--json"], { cwd: project, env: shared.env });
    expect(result.code, result.stderr).toBe(3);
    const error = result.json<{ ok: boolean; error: { code: string; message: string } }>().error;
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
    expect(result.stderr).toContain(`bindery release replay: ${code}: `);
    expect(existsSync(join(project, "clean"))).toBe(false);
    expect(shared.hub.requests.length).toBe(before);
  });

  it("refuses an output directory that is not empty", async () => {
    const project = await withCandidate();
    mkdirSync(join(project, "clean"));
    writeFileSync(join(project, "clean/notes.txt"), "mine\n");
    const before = shared.hub.requests.length;
    const result = await replay(["--candidate", "candidate.json", "--output-dir", "clean"], { cwd: project, env: shared.env });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/^bindery release replay: OUTPUT_EXISTS: --output-dir clean is not empty \(it holds 1 entry\); a clean-machine replay starts from an empty directory\./);
    expect(readdirSync(join(project, "clean"))).toEqual(["notes.txt"]);
    expect(shared.hub.requests.length).toBe(before);
  });

  it("fails, naming the file, when the public bytes changed after the candidate was written, and runs nothing", async () => {
    const project = await withCandidate();
    // The host serves other bytes of the same size for the model manifest, once (after the candidate's check).
    shared.hub.faults.inject({ method: "GET", path: "/example/sensors-fault-lr/resolve/v0.1.0/manifest.json", fault: { kind: "wrong-bytes" } });
    const result = await replay(["--candidate", "candidate.json", "--output-dir", "clean", "--json"], { cwd: project, env: shared.env });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toContain("bindery release replay: VERIFICATION_FAILED: the replay says no (download, verify, demo)");
    const report = JSON.parse(readFileSync(join(project, "clean/clean_machine_demo_report.json"), "utf8")) as ReplayReport;
    expect(report.ok).toBe(false);
    const bad = report.downloads.filter((d) => !d.ok);
    expect(bad).toHaveLength(1);
    expect(bad[0]!.error).toMatch(/^model\/manifest\.json: the public bytes at http:\/\/127\.0\.0\.1:\d+\/example\/sensors-fault-lr\/resolve\/v0\.1\.0\/manifest\.json are sha256 [0-9a-f]{64} \((\d+) bytes\), but the plan says sha256 [0-9a-f]{64} \(\1 bytes\)\.$/);
    expect(report.checks[0]).toMatchObject({ id: "download", ok: false, issue_refs: ["IDENTITY_MISMATCH"] });
    expect(report.checks[0]!.detail).toContain("model/manifest.json");
    expect(report.replay).toMatchObject({ status: "not_run", error: "the downloads did not match the plan, and only the planned bytes are run." });
    expect(existsSync(join(project, "clean/replay"))).toBe(false);
  });

  it("exits 4, with the report written, when a platform does not answer a download after the retries", async () => {
    const project = await withCandidate();
    // Every attempt (5) at one file answers 503.
    shared.hub.faults.inject({ method: "GET", path: "/datasets/example/sensors/resolve/v0.1.0/SHA256SUMS", fault: { kind: "status", status: 503 }, times: 5 });
    const result = await replay(["--candidate", "candidate.json", "--output-dir", "clean"], { cwd: project, env: { ...shared.env, BINDERY_RETRY_BASE_MS: "1" } });
    expect(result.code, result.stderr).toBe(4);
    expect(result.stderr).toMatch(/^bindery release replay: REMOTE_UNAVAILABLE: the replay could not download every planned file \(1 of \d+ planned files did not download as planned: dataset\/SHA256SUMS\.\)/);
    const report = JSON.parse(readFileSync(join(project, "clean/clean_machine_demo_report.json"), "utf8")) as ReplayReport;
    expect(report.checks[0]).toMatchObject({ id: "download", ok: false, issue_refs: ["REMOTE_UNAVAILABLE"] });
    expect(report.downloads.find((d) => !d.ok)).toMatchObject({ file: null, error: "dataset/SHA256SUMS: the download failed (HTTP 503)." });
  });

  it("catches a forged demo program, re-sealed and re-published, by the replayed outputs", async () => {
    own = await startEmulators();
    const project = releaseProject();
    const program = join(project, "release/demo/scripts/demo.mjs");
    const original = readFileSync(program, "utf8");
    const forged = original.replace("const p = predict(model, request);", "const p = 1 - predict(model, request);");
    expect(forged).not.toBe(original);
    writeFileSync(program, forged);
    // The forger re-pins the program in the preflight too; reseal re-binds the rest.
    const demo = join(project, "release/demo");
    editJsonAt(demo, "runtime_preflight_report.json", (p) => {
      p.programs = p.programs.map((f: { path: string }) => identityOfBytes(f.path, readFileSync(join(demo, f.path))));
    });
    await reseal(project);
    await publishAndCandidate(project, own);

    const result = await replay(["--candidate", "candidate.json", "--output-dir", "clean", "--json"], { cwd: project, env: own.env });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toContain("bindery release replay: VERIFICATION_FAILED: the replay says no (demo)");
    const report = JSON.parse(readFileSync(join(project, "clean/clean_machine_demo_report.json"), "utf8")) as ReplayReport;
    expect(report.ok).toBe(false);
    // The public bytes are the (forged) plan's, and the forger's seals hold: only the replay can tell.
    expect(report.checks.map((c) => [c.id, c.ok])).toEqual([
      ["download", true],
      ["verify", true],
      ["demo", false],
    ]);
    expect(report.replay.status).toBe("ok");
    expect(report.comparison.equal).toBe(false);
    expect(report.comparison.findings).toEqual([
      expect.objectContaining({
        code: "DISAGREEMENT",
        path: "demo/outputs/predictions.jsonl",
        field: "/output_files/0/file",
        message: expect.stringMatching(/^demo\/outputs\/predictions\.jsonl: the published demo manifest records output predictions as sha256 [0-9a-f]{64} \(\d+ bytes\), but the replay gave sha256 [0-9a-f]{64} \(\d+ bytes\) \(field \/output_files\/0\/file of demo\/terminal_demo_manifest\.json\)\.$/),
      }),
    ]);
    expect(report.checks[2]!.issue_refs).toEqual(["DISAGREEMENT"]);
    expect(report.blockers).toEqual([report.checks[2]!.detail]);
    assertNoCanaryInTree(join(project, "clean"));
  });
});
