/**
 * The GitHub Action (action.yml): its shape, and its shell steps run here, in order, as the runner
 * runs a composite action's `shell: bash` steps (`bash --noprofile --norc -eo pipefail`, in the
 * step's working-directory, with the env its `env:` mapping gives and a GITHUB_OUTPUT file of its
 * own), against a copy of the tutorial's project, under the no-network guard.
 *
 * What GitHub itself does is not run: `uses:` steps (actions/setup-node) are skipped, and the
 * install step's `npm ci` is skipped through the BINDERY_ACTION_SKIP_INSTALL=1 it honours, since
 * this checkout is already built (running `npm ci` here would replace the node_modules the suite
 * runs on); a stand-in `npm` shows where and how it would install.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { XMLParser } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { assertNoCanary, CANARIES } from "../support/cli.js";
import { REPO, releaseProject } from "../support/release.js";
import { tempDir } from "../support/tmp.js";

interface Step {
  name?: string;
  id?: string;
  uses?: string;
  if?: string;
  with?: Record<string, unknown>;
  shell?: string;
  run?: string;
  env?: Record<string, string>;
  "working-directory"?: string;
}

interface Action {
  name: string;
  description: string;
  inputs: Record<string, { description: string; default?: string; required?: boolean }>;
  outputs: Record<string, { description: string; value: string }>;
  runs: { using: string; steps: Step[] };
}

interface StepRun {
  name: string;
  code: number | null;
  stdout: string;
  stderr: string;
  /** What the step wrote to its GITHUB_OUTPUT file, as written. */
  output: string;
}

interface GateRow {
  id: string;
  status: string;
  code: string | null;
}

const ACTION = parse(readFileSync(join(REPO, "action.yml"), "utf8")) as Action;
const NO_NETWORK = pathToFileURL(join(REPO, "test/support/no-network.mjs")).href;
const OUTPUT_REF = /^\$\{\{\s*steps\.([\w-]+)\.outputs\.([\w-]+)\s*\}\}$/;

/** `${{ inputs.NAME }}` and `${{ github.action_path }}` (this checkout): all the steps may use. */
function expand(text: string, inputs: Readonly<Record<string, string>>): string {
  return text.replace(/\$\{\{\s*(.*?)\s*\}\}/g, (_, expression: string) => {
    const input = /^inputs\.([\w-]+)$/.exec(expression)?.[1];
    if (input !== undefined && input in inputs) return inputs[input]!;
    if (expression === "github.action_path") return REPO;
    throw new Error(`action.yml uses \${{ ${expression} }}, which this runner does not give`);
  });
}

/** What a runner's job gives every step, plus the canaries, the network guard and `extra`. */
function runnerEnv(workspace: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const home = tempDir("bindery-runner-home-");
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    TMPDIR: home,
    RUNNER_TEMP: home,
    GITHUB_ACTIONS: "true",
    GITHUB_WORKSPACE: workspace,
    GITHUB_ACTION_PATH: REPO,
    GITHUB_STEP_SUMMARY: join(home, "step_summary.md"),
    BINDERY_ACTION_SKIP_INSTALL: "1",
    NODE_OPTIONS: `--import ${NO_NETWORK}`,
    ...CANARIES,
    ...extra,
  };
  for (const [key, value] of Object.entries(extra)) if (value === undefined) delete env[key];
  writeFileSync(env.GITHUB_STEP_SUMMARY!, "");
  return env;
}

function runStep(step: Step, workspace: string, inputs: Readonly<Record<string, string>>, env: NodeJS.ProcessEnv): StepRun {
  const scratch = tempDir("bindery-step-");
  const script = join(scratch, "step.sh");
  const output = join(scratch, "github_output");
  writeFileSync(script, step.run!);
  writeFileSync(output, "");
  const mapped = Object.fromEntries(Object.entries(step.env ?? {}).map(([key, value]) => [key, expand(String(value), inputs)]));
  const result = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", script], {
    cwd: resolve(workspace, expand(step["working-directory"] ?? ".", inputs)),
    encoding: "utf8",
    env: { ...env, ...mapped, GITHUB_OUTPUT: output },
  });
  if (result.error) throw result.error;
  assertNoCanary(`${step.name} stdout`, result.stdout);
  assertNoCanary(`${step.name} stderr`, result.stderr);
  return { name: step.name ?? step.id ?? "", code: result.status, stdout: result.stdout, stderr: result.stderr, output: readFileSync(output, "utf8") };
}

const outputsOf = (text: string) => Object.fromEntries(text.split("\n").filter(Boolean).map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]));

/** The action's steps in order, stopping at the first that fails, then its outputs. */
function runAction(workspace: string, withInputs: Record<string, string>, env: NodeJS.ProcessEnv) {
  const inputs = { ...Object.fromEntries(Object.entries(ACTION.inputs).map(([name, input]) => [name, input.default ?? ""])), ...withInputs };
  const steps: StepRun[] = [];
  const skipped: string[] = [];
  const byId: Record<string, Record<string, string>> = {};
  for (const step of ACTION.runs.steps) {
    if (step.uses) {
      skipped.push(step.uses);
      continue;
    }
    const run = runStep(step, workspace, inputs, env);
    steps.push(run);
    if (step.id) byId[step.id] = outputsOf(run.output);
    if (run.code !== 0) break;
  }
  const outputs = Object.fromEntries(Object.entries(ACTION.outputs).map(([name, { value }]) => {
    const [, id, key] = OUTPUT_REF.exec(value)!;
    return [name, byId[id!]?.[key!]];
  }));
  const gate = steps.at(-1)!;
  return { steps, skipped, outputs, gate, code: gate.code };
}

/** The check ids of the step summary's table rows, in order. */
function summaryRows(file: string): string[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.startsWith("| ") && !line.startsWith("| Check |") && !line.startsWith("| --- |"))
    .map((line) => line.split(" | ")[0]!.slice(2));
}

/** The JUnit file's test cases: each one's name, and whether it holds a failure element. */
function junitCases(file: string): { name: string; failed: boolean }[] {
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "", isArray: (name) => name === "testsuite" || name === "testcase" });
  const doc = parser.parse(readFileSync(file, "utf8")) as { testsuites: { testsuite: { testcase: Record<string, unknown>[] }[] } };
  return doc.testsuites.testsuite.flatMap((suite) => suite.testcase.map((c) => ({ name: String(c.name), failed: "failure" in c })));
}

const readReport = (file: string) => JSON.parse(readFileSync(file, "utf8")) as { ok: boolean; stage: string; rows: GateRow[] };
const gateStep = (name: string) => ACTION.runs.steps.find((s) => s.name === name)!;

describe("action.yml: a composite action around bindery gate", () => {
  it("takes the documented inputs, sets ok, report and junit from the gate step, and runs only bash that reads env vars", () => {
    expect([ACTION.name, ACTION.runs.using]).toEqual(["bindery gate", "composite"]);
    expect(Object.fromEntries(Object.entries(ACTION.inputs).map(([name, input]) => [name, input.default]))).toEqual({
      stage: "pr",
      config: "bindery.yaml",
      "working-directory": ".",
      output: "release_gate_report.json",
      junit: "release_gate_report.junit.xml",
      "node-version": "20",
      args: "",
    });
    for (const [name, input] of Object.entries(ACTION.inputs)) expect([name, input.description.length > 0, input.required ?? false]).toEqual([name, true, false]);
    expect(Object.entries(ACTION.outputs).map(([name, { value }]) => [name, OUTPUT_REF.exec(value)?.slice(1)])).toEqual([
      ["ok", ["gate", "ok"]],
      ["report", ["gate", "report"]],
      ["junit", ["gate", "junit"]],
    ]);
    expect(ACTION.runs.steps.map((s) => s.uses ?? s.name)).toEqual(["actions/setup-node@v4", "Install bindery", "bindery gate"]);
    expect(ACTION.runs.steps.find((s) => s.id === "gate")?.name).toBe("bindery gate");
    for (const step of ACTION.runs.steps.filter((s) => s.run !== undefined)) {
      expect(step.shell, step.name).toBe("bash");
      expect(step.run!.startsWith("set -euo pipefail\n"), step.name).toBe(true);
      // Inputs reach a script only through its env: mapping, never spliced into its text.
      expect(step.run, step.name).not.toContain("${{");
    }
  });

  it("the install step runs `npm ci` in the action's directory, or nothing with BINDERY_ACTION_SKIP_INSTALL=1", () => {
    const bin = tempDir("bindery-fake-npm-");
    const log = join(bin, "npm.log");
    writeFileSync(join(bin, "npm"), `#!/bin/sh\necho "npm $* in $(pwd -P)" >>"${log}"\n`);
    chmodSync(join(bin, "npm"), 0o755);
    const workspace = tempDir("bindery-workspace-");
    const inputs = Object.fromEntries(Object.entries(ACTION.inputs).map(([name, input]) => [name, input.default ?? ""]));

    const skipped = runStep(gateStep("Install bindery"), workspace, inputs, runnerEnv(workspace, { PATH: `${bin}:${process.env.PATH}` }));
    expect([skipped.code, skipped.stdout, existsSync(log)]).toEqual([0, `bindery in ${REPO} is already installed (BINDERY_ACTION_SKIP_INSTALL=1)\n`, false]);

    const installed = runStep(gateStep("Install bindery"), workspace, inputs, runnerEnv(workspace, { PATH: `${bin}:${process.env.PATH}`, BINDERY_ACTION_SKIP_INSTALL: undefined }));
    expect(installed.code, installed.stderr).toBe(0);
    expect(readFileSync(log, "utf8")).toBe(`npm ci --no-audit --no-fund in ${realpathSync(REPO)}\n`);
  });

  it("stage pr opens on the tutorial's project: the report, a JUnit case and a summary row per check, ok=true", { timeout: 120_000 }, () => {
    const project = releaseProject();
    const env = runnerEnv(project);
    const run = runAction(project, {}, env);
    expect(run.skipped).toEqual(["actions/setup-node@v4"]);
    expect(run.steps.map((s) => [s.name, s.code]), run.gate.stdout + run.gate.stderr).toEqual([
      ["Install bindery", 0],
      ["bindery gate", 0],
    ]);

    const report = readReport(join(project, "release_gate_report.json"));
    expect([report.ok, report.stage]).toEqual([true, "pr"]);
    expect(run.gate.output).toBe("ok=true\nreport=release_gate_report.json\njunit=release_gate_report.junit.xml\n");
    expect(run.outputs).toEqual({ ok: "true", report: "release_gate_report.json", junit: "release_gate_report.junit.xml" });
    expect(summaryRows(env.GITHUB_STEP_SUMMARY!)).toEqual(report.rows.map((r) => r.id));
    expect(junitCases(join(project, "release_gate_report.junit.xml"))).toEqual(report.rows.map((r) => ({ name: r.id, failed: false })));
    expect(run.gate.stdout).toMatch(/^GO {2}bindery gate --stage pr for sensors-v0\.1\.0-r1/m);
    expect(run.gate.stdout).not.toContain("::error");
  });

  it("a missing CHANGELOG section shuts the release gate: exit 1, ok=false, an ::error on CHANGELOG.md, a JUnit failure for that row alone", { timeout: 120_000 }, () => {
    const project = releaseProject();
    const changelog = join(project, "CHANGELOG.md");
    const text = readFileSync(changelog, "utf8");
    writeFileSync(changelog, text.slice(0, text.indexOf("## [0.1.0]")));
    // The project in a subdirectory of the workspace: the paths passed on are the workspace's.
    const workspace = dirname(project);
    const env = runnerEnv(workspace);
    const run = runAction(workspace, { stage: "release", "working-directory": "sensors-release" }, env);

    expect(run.code, run.gate.stderr).toBe(1);
    expect(run.outputs).toEqual({ ok: "false", report: "sensors-release/release_gate_report.json", junit: "sensors-release/release_gate_report.junit.xml" });
    const report = readReport(join(workspace, run.outputs.report!));
    expect([report.ok, report.stage]).toEqual([false, "release"]);
    const failed = report.rows.filter((r) => r.status === "failed");
    expect(failed.map((r) => [r.id, r.code])).toEqual([["changelog", "CHANGELOG_INVALID"]]);
    expect(run.gate.stdout.split("\n").filter((line) => line.startsWith("::"))).toEqual([
      expect.stringMatching(/^::error file=sensors-release\/CHANGELOG\.md,line=\d+,title=bindery gate%3A changelog \(CHANGELOG_INVALID\)::.*no section for release 0\.1\.0/),
    ]);
    expect(run.gate.stderr).toContain("VERIFICATION_FAILED");

    const cases = junitCases(join(workspace, run.outputs.junit!));
    expect(cases.map((c) => c.name)).toEqual(report.rows.map((r) => r.id));
    expect(cases.filter((c) => c.failed).map((c) => c.name)).toEqual(failed.map((r) => r.id));
    expect(summaryRows(env.GITHUB_STEP_SUMMARY!)).toEqual(report.rows.map((r) => r.id));

    // Outside GitHub Actions, no workflow commands.
    const plain = runAction(workspace, { stage: "release", "working-directory": "sensors-release" }, runnerEnv(workspace, { GITHUB_ACTIONS: undefined }));
    expect(plain.code).toBe(1);
    expect(plain.gate.stdout).not.toContain("::error");
  });

  it("args reach bindery gate split on blanks, never evaluated; a usage error passes no report on", { timeout: 120_000 }, () => {
    const project = releaseProject();
    const opened = runAction(project, { args: "--json\n  --golden-demo release/demo", junit: "" }, runnerEnv(project));
    expect(opened.code, opened.gate.stderr).toBe(0);
    expect(JSON.parse(opened.gate.stdout)).toMatchObject({ ok: true, stage: "pr" });
    expect(opened.outputs).toEqual({ ok: "true", report: "release_gate_report.json", junit: undefined });
    expect(existsSync(join(project, "release_gate_report.junit.xml"))).toBe(false);

    const refused = runAction(project, { args: "$(touch pwned) *" }, runnerEnv(project));
    expect(refused.code).toBe(2);
    expect(refused.gate.stderr).toContain("bindery gate: USAGE: too many arguments");
    expect(existsSync(join(project, "pwned"))).toBe(false);
    // The report from the run before is still there, but it is not this run's.
    expect(existsSync(join(project, "release_gate_report.json"))).toBe(true);
    expect(refused.outputs).toEqual({ ok: "false", report: undefined, junit: undefined });
  });
});
