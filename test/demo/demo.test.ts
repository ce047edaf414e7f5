/**
 * `bindery demo run` end to end: a packaged model, the demo program and input of
 * test/fixtures/demo, and a demo package that `sha256sum -c` accepts; then one misbehaviour at a
 * time (a failing command, a missing output, a leaked token, a tampered preflight, a foreign file).
 */
import { cpSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { assertNoCanaryInTree, bindery, CANARIES, sha256sum } from "../support/cli.js";
import { packagedProject, RELEASE } from "../support/model.js";
import { readJson } from "../support/training.js";

const FIXTURE = fileURLToPath(new URL("../fixtures/demo", import.meta.url));

/** A packaged project with the demo program under scripts/ and its input under demo/. */
async function demoProject(): Promise<string> {
  const root = await packagedProject();
  cpSync(join(FIXTURE, "score.mjs"), join(root, "scripts/score.mjs"));
  cpSync(join(FIXTURE, "lib"), join(root, "scripts/lib"), { recursive: true });
  cpSync(join(FIXTURE, "requests.jsonl"), join(root, "demo/requests.jsonl"));
  cpSync(join(FIXTURE, "broken.jsonl"), join(root, "demo/broken.jsonl"));
  return root;
}

const demoArgs = (...extra: string[]) => [
  "demo", "run", "--model-dir", "release/model", "--output-dir", "release/demo", "--program", "scripts",
  "--input", "requests=demo/requests.jsonl", "--output", "scores=outputs/scores.jsonl", "--json",
  "--", "node", "scripts/score.mjs", "--model", "{model_dir}", "--input", "{input:requests}", "--output", "{output:scores}", ...extra,
];

const EPOCH = { SOURCE_DATE_EPOCH: "1767225600" };

describe("bindery demo run", () => {
  it("records a self-contained, replayable demo package that sha256sum -c accepts", async () => {
    const root = await demoProject();
    const result = await bindery(demoArgs(), { cwd: root, env: EPOCH });
    const demo = join(root, "release/demo");
    expect(result.code, existsSync(join(demo, "transcript.md")) ? readFileSync(join(demo, "transcript.md"), "utf8") : result.stderr).toBe(0);
    const gnu = sha256sum(["-c", "--strict", "SHA256SUMS"], demo);
    expect(gnu.code, gnu.stderr).toBe(0);
    expect(gnu.stdout.trim().split("\n").map((l) => l.replace(/: OK$/, "")).sort()).toEqual(
      ["inputs/requests.jsonl", "outputs/scores.jsonl", "runtime_preflight_report.json", "scripts/lib/format.mjs", "scripts/score.mjs", "terminal_demo_manifest.json", "transcript.md"].sort(),
    );
    const model = readJson(root, "release/model/model_package.json");
    const manifest = readJson(demo, "terminal_demo_manifest.json");
    expect(manifest).toMatchObject({
      generated_by: "bindery demo run",
      generated_at: "2026-01-01T00:00:00Z",
      status: "ok",
      model: { release_id: RELEASE, version: "0.1.0", model_id: model.model_id, manifest: { path: "manifest.json", root: "model" } },
      command: ["node", "scripts/score.mjs", "--model", "{model_dir}", "--input", "{input:requests}", "--output", "{output:scores}"],
      input_files: [{ name: "requests", file: { path: "inputs/requests.jsonl" }, summary: { format: "jsonl", rows: 4, fields: ["id", "x"] } }],
      output_files: [{ name: "scores", file: { path: "outputs/scores.jsonl" }, summary: { format: "jsonl", rows: 4, fields: ["id", "x", "y"] } }],
      run: { exit_code: 0, signal: null, stderr: { text: "scored 4 rows\n", truncated: false } },
      problems: [],
    });
    expect(manifest.programs.map((p: { path: string }) => p.path)).toEqual(["scripts/lib/format.mjs", "scripts/score.mjs"]);
    const preflight = readJson(demo, "runtime_preflight_report.json");
    expect(preflight).toMatchObject({ command: manifest.command, runtime: { node: process.version }, output_files: [{ name: "scores", path: "outputs/scores.jsonl" }] });

    const transcript = readFileSync(join(demo, "transcript.md"), "utf8");
    expect(transcript).toContain("Generated: 2026-01-01T00:00:00Z\n");
    expect(transcript).toContain("- Status: ok (exit code 0)\n");
    expect(transcript).toContain(`model id \`${model.model_id}\``);
    expect(transcript).toContain("node scripts/score.mjs --model {model_dir} --input {input:requests} --output {output:scores}\n");
    expect(transcript).toContain("- `requests`: `inputs/requests.jsonl`, 4 rows, fields id, x (");
    expect(transcript).toContain("   1  x=-1.5  y=");
    expect(transcript).toContain("Quality claims rest on the published evaluation report (`eval_report.md` in the model package), not on this demo.\n");
    // Package-local paths only: the temp directory the test runs in appears nowhere.
    for (const name of ["terminal_demo_manifest.json", "runtime_preflight_report.json", "transcript.md"]) {
      expect(readFileSync(join(demo, name), "utf8")).not.toContain(root);
    }

    // Replayable from its own bytes: the recorded command, run in the package, gives the same output.
    const { spawnSync } = await import("node:child_process");
    const replay = spawnSync("node", ["scripts/score.mjs", "--model", join(root, "release/model"), "--input", "inputs/requests.jsonl", "--output", "replayed.jsonl"], { cwd: demo, encoding: "utf8" });
    expect(replay.status, replay.stderr).toBe(0);
    expect(readFileSync(join(demo, "replayed.jsonl"), "utf8")).toBe(readFileSync(join(demo, "outputs/scores.jsonl"), "utf8"));
  });

  it("runs again in place, deleting the earlier outputs first, so a run that writes nothing fails", async () => {
    const root = await demoProject();
    expect((await bindery(demoArgs(), { cwd: root })).code).toBe(0);
    const again = await bindery(demoArgs("--no-output"), { cwd: root });
    expect(again.code, again.stderr).toBe(1);
    expect(again.json<{ ok: boolean; status: string }>()).toMatchObject({ ok: false, status: "failed" });
    expect(again.stderr).toContain("bindery demo run: RUN_FAILED: the demo run failed: The command did not write outputs/scores.jsonl (--output scores).");
    const manifest = readJson(root, "release/demo/terminal_demo_manifest.json");
    expect(manifest.status).toBe("failed");
    expect(manifest.problems).toEqual(["The command did not write outputs/scores.jsonl (--output scores)."]);
    expect(existsSync(join(root, "release/demo/outputs/scores.jsonl"))).toBe(false);
    expect(sha256sum(["-c", "--strict", "SHA256SUMS"], join(root, "release/demo")).code).toBe(0);
  });

  it("records a non-zero exit and an undeclared file, and exits 1", async () => {
    const root = await demoProject();
    const result = await bindery(demoArgs("--fail", "--extra"), { cwd: root });
    expect(result.code).toBe(1);
    expect(result.json<{ exit_code: number }>().exit_code).toBe(3);
    expect(result.stderr).toContain("RUN_FAILED: the demo run failed: The command exited with code 3.");
    const manifest = readJson(root, "release/demo/terminal_demo_manifest.json");
    expect(manifest.run.exit_code).toBe(3);
    expect(manifest.problems).toEqual([
      "The command exited with code 3.",
      "The command wrote notes.txt, which is not a declared output; bindery deleted it. Declare it with --output NAME=notes.txt.",
    ]);
    expect(readFileSync(join(root, "release/demo/transcript.md"), "utf8")).toContain("- Status: failed (exit code 3)\n");
  });

  it("keeps a planted HF_TOKEN out of every file it writes", async () => {
    const root = await demoProject();
    const result = await bindery(demoArgs("--leak"), { cwd: root });
    expect(result.code).toBe(1);
    assertNoCanaryInTree(join(root, "release/demo"));
    const manifest = readJson(root, "release/demo/terminal_demo_manifest.json");
    expect(manifest.run.stdout.text).toContain("token [redacted HF_TOKEN]");
    expect(manifest.run.stderr.text).toContain("token [redacted HF_TOKEN]");
    expect(manifest.problems).toEqual(["outputs/scores.jsonl held the value of HF_TOKEN; bindery deleted it."]);
    expect(result.stderr).toContain("bindery demo run: SECRET_LEAK: the demo run failed: outputs/scores.jsonl held the value of HF_TOKEN; bindery deleted it.");
    expect(result.stdout + result.stderr).not.toContain(CANARIES.HF_TOKEN);
  });

  it("refuses a preflight report that changed during the run, and writes no manifest", async () => {
    const root = await demoProject();
    const result = await bindery(demoArgs("--tamper"), { cwd: root });
    expect(result.code).toBe(1);
    const error = result.json<{ error: { code: string; message: string } }>().error;
    expect(error.code).toBe("EVIDENCE_CHANGED");
    expect(error.message).toMatch(/^runtime_preflight_report\.json changed while the demo ran \(sha256 [0-9a-f]{64}, written as [0-9a-f]{64}\); the run is not recorded\./);
    // Not recorded, so nothing is left: no output, no file a later run would refuse.
    expect(existsSync(join(root, "release/demo"))).toBe(false);
  });

  it("names the model relative to the package, and records absolute directories the command prints as placeholders", async () => {
    const root = await demoProject();
    const result = await bindery(demoArgs("--where"), { cwd: root });
    expect(result.code, result.stderr).toBe(0);
    const stdout = readJson(root, "release/demo/terminal_demo_manifest.json").run.stdout.text;
    expect(stdout).toContain("cwd {output_dir} model ../model ../model {model_dir}\n");
    const verify = await bindery(["demo", "verify", "--demo-dir", "release/demo", "--model-dir", "release/model", "--json"], { cwd: root });
    expect(verify.code, verify.stdout).toBe(0);
  });

  it("refuses an output directory holding files it did not write", async () => {
    const root = await demoProject();
    expect((await bindery(demoArgs(), { cwd: root })).code).toBe(0);
    writeFileSync(join(root, "release/demo/mine.txt"), "keep me\n");
    const result = await bindery(demoArgs(), { cwd: root });
    expect(result.code).toBe(3);
    expect(result.json<{ error: { code: string; message: string } }>().error).toMatchObject({
      code: "OUTPUT_EXISTS",
      message: expect.stringContaining("that no earlier demo package there recorded (mine.txt); bindery replaces only its own files."),
    });
    expect(readFileSync(join(root, "release/demo/mine.txt"), "utf8")).toBe("keep me\n");
    expect(existsSync(join(root, "release/demo/outputs/scores.jsonl"))).toBe(true);
  });

  it("refuses a model that does not verify, running nothing", async () => {
    const root = await demoProject();
    const weights = join(root, "release/model/model.bin");
    const bytes = readFileSync(weights);
    bytes[0] = bytes[0]! ^ 1;
    writeFileSync(weights, bytes);
    const result = await bindery(demoArgs(), { cwd: root });
    expect(result.code).toBe(1);
    const findings = result.json<{ findings: { code: string; path: string }[] }>().findings;
    expect([...new Set(findings.map((f) => f.code))]).toEqual(["IDENTITY_MISMATCH"]);
    expect(findings[0]!.path).toBe("model.bin");
    expect(existsSync(join(root, "release/demo"))).toBe(false);
  });

  it.each([
    [["--", "node", "scripts/score.mjs", "{input:other}"], "USAGE", "the demo command uses {input:other}, but no --input other=FILE was given."],
    [["--", "node", "/home/alice/score.mjs"], "PRIVATE_PATH", 'the demo command[1] holds the private path "/home/alice/score.mjs", and the argv is published as written.'],
    [["--program", "../outside.mjs", "--", "node", "x.mjs"], "USAGE", "--program ../outside.mjs is not inside the project directory"],
    [["--output", "x=/tmp/out.jsonl", "--", "node", "x.mjs"], "PRIVATE_PATH", "--output x=/tmp/out.jsonl:"],
    [["--input", "bad name=demo/requests.jsonl", "--", "node", "x.mjs"], "USAGE", '--input "bad name=demo/requests.jsonl" is not NAME=FILE'],
    [["--input", "bad=demo/broken.jsonl", "--", "node", "x.mjs"], "INPUT_INVALID", "inputs/broken.jsonl line 2:"],
    [["--program", "release", "--", "node", "x.mjs"], "USAGE", "the demo package release/demo lies inside --program release; the package would copy itself."],
    [["--input", "a=demo/requests.jsonl", "--input", "b=scripts/../demo/requests.jsonl", "--", "node", "x.mjs"], "USAGE", "input b and input a would both be written to inputs/requests.jsonl in the demo package."],
  ])("refuses bad usage or input before running, writing nothing: %j", async (args, code, message) => {
    const root = await demoProject();
    const result = await bindery(["demo", "run", "--model-dir", "release/model", "--output-dir", "release/demo", "--json", ...args], { cwd: root });
    const error = result.json<{ error: { code: string; message: string } }>().error;
    expect(error.code).toBe(code);
    expect(error.message).toContain(message);
    expect(existsSync(join(root, "release/demo"))).toBe(false);
  });
});
