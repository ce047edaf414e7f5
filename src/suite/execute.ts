/**
 * Runs a valid suite graph: every declared output deleted first (a stale file must not pass for
 * a fresh one), then the steps in dependency order with execa (argv, no shell), independent ones
 * in parallel up to `jobs`. A step passes when it exits 0 within its timeout and wrote every
 * declared output; a step whose dependency did not pass is skipped, and the others go on.
 */
import { existsSync, statSync } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { BoundedLog } from "../evidence/bounded-log.js";
import { BinderyError, errnoCode, type Finding } from "../evidence/errors.js";
import { identitiesOf } from "../evidence/identity.js";
import { finding } from "../evidence/rules/engine.js";
import { redactSecrets } from "../evidence/secrets.js";
import type { PlannedStep } from "./graph.js";
import type { StepRecord } from "./schema.js";

/** stdout and stderr each keep their first and last STREAM_PART bytes in the report. */
export const STREAM_PART = 4 * 1024;

export interface ExecuteOptions {
  root: string;
  jobs: number;
  /** How the manifest is named in findings. */
  shown: string;
  env?: NodeJS.ProcessEnv;
  /** Called as each step ends (passed, failed or skipped). */
  onStep?: (record: StepRecord) => void;
}

export interface StepOutcome {
  record: StepRecord;
  findings: Finding[];
}

/** A step's record before (or without) a run. */
export function stepRecord(step: PlannedStep, status: StepRecord["status"], problems: string[] = [], env?: NodeJS.ProcessEnv): StepRecord {
  return {
    id: step.id,
    argv: step.argv.map((arg) => redactSecrets(arg, env)),
    cwd: step.cwd,
    needs: step.deps,
    inputs: step.inputs,
    declared_outputs: step.outputs,
    status,
    exit_code: null,
    signal: null,
    timed_out: false,
    duration_ms: null,
    stdout: null,
    stderr: null,
    outputs: [],
    problems,
  };
}

/** Deletes every declared output, so none can survive from an earlier run. */
export async function clearOutputs(steps: readonly PlannedStep[], root: string): Promise<void> {
  for (const output of steps.flatMap((s) => s.outputs)) {
    try {
      await rm(join(root, output), { force: true });
    } catch (error) {
      throw new BinderyError("INPUT_INVALID", `the declared output ${output} cannot be deleted before the suite runs (${errnoCode(error) ?? String(error)}).`, { cause: error });
    }
  }
}

export async function executeSteps(steps: readonly PlannedStep[], options: ExecuteOptions): Promise<Map<string, StepOutcome>> {
  const done = new Map<string, StepOutcome>();
  const pending = [...steps];
  const running = new Map<string, Promise<void>>();
  const finish = (id: string, outcome: StepOutcome) => {
    done.set(id, outcome);
    options.onStep?.(outcome.record);
  };
  for (;;) {
    // Skip every step a dependency of which ended without passing (transitively, in manifest order).
    let skipped = true;
    while (skipped) {
      skipped = false;
      for (const step of [...pending]) {
        const blocker = step.deps.find((d) => done.has(d) && done.get(d)!.record.status !== "passed");
        if (blocker === undefined) continue;
        pending.splice(pending.indexOf(step), 1);
        finish(step.id, { record: stepRecord(step, "skipped", [`Not run: it needs ${blocker}, which ${done.get(blocker)!.record.status === "skipped" ? "was skipped" : "failed"}.`], options.env), findings: [] });
        skipped = true;
      }
    }
    for (const step of [...pending]) {
      if (running.size >= options.jobs) break;
      if (!step.deps.every((d) => done.get(d)?.record.status === "passed")) continue;
      pending.splice(pending.indexOf(step), 1);
      running.set(
        step.id,
        runStep(step, options).then((outcome) => {
          running.delete(step.id);
          finish(step.id, outcome);
        }),
      );
    }
    if (running.size === 0) break;
    await Promise.race(running.values());
  }
  // Only a graph with a cycle leaves steps behind, and such a graph is refused before it runs.
  for (const step of pending) finish(step.id, { record: stepRecord(step, "skipped", ["Not run: its dependencies never finished."], options.env), findings: [] });
  return done;
}

async function runStep(step: PlannedStep, options: ExecuteOptions): Promise<StepOutcome> {
  const env = options.env ?? process.env;
  const record = stepRecord(step, "failed", [], env);
  const findings: Finding[] = [];
  const problem = (code: Finding["code"], text: string) => {
    record.problems.push(text);
    findings.push(finding(code, options.shown, `step ${step.id}: ${text}`));
  };
  const missing = step.inputs.filter((input) => !existsSync(join(options.root, input)));
  if (missing.length > 0) {
    for (const input of missing) problem("MISSING_FILE", `Its input ${input} is not present when the step starts.`);
    return { record, findings };
  }
  const cwd = join(options.root, step.cwd ?? ".");
  if (!existsSync(cwd) || !statSync(cwd).isDirectory()) {
    problem("RUN_FAILED", `Its cwd ${step.cwd} is not a directory when the step starts.`);
    return { record, findings };
  }
  // The outputs' directories exist, so the command only has to write its files.
  for (const output of step.outputs) await mkdir(dirname(join(options.root, output)), { recursive: true });

  const logs = { stdout: new BoundedLog(STREAM_PART), stderr: new BoundedLog(STREAM_PART) };
  const clean = (text: string) => redactSecrets(text, env).split(options.root).join("{root}");
  // Nothing is yielded, so the pipe carries (and buffers) nothing: the bounded log keeps it all.
  const capture = (log: BoundedLog) =>
    function* (line: unknown): Generator<string> {
      log.add(clean(String(line)));
    };
  const { execa } = await import("execa");
  const started = performance.now();
  const result = await execa(step.argv[0]!, step.argv.slice(1), {
    cwd,
    reject: false,
    stdin: "ignore",
    stdout: [capture(logs.stdout), "pipe"] as never,
    stderr: [capture(logs.stderr), "pipe"] as never,
    env: { ...env, ...step.env },
    extendEnv: false,
    ...(step.timeout === null ? {} : { timeout: Math.round(step.timeout * 1000) }),
  });
  record.duration_ms = Math.max(0, Math.round(performance.now() - started));
  record.exit_code = result.exitCode ?? null;
  record.signal = result.signal ?? null;
  record.timed_out = result.timedOut === true;
  const stream = (log: BoundedLog) => ({ text: log.text(), bytes: log.bytes, truncated: log.truncated });
  record.stdout = stream(logs.stdout);
  record.stderr = stream(logs.stderr);

  if (record.timed_out) problem("RUN_FAILED", `The command was killed after its timeout of ${step.timeout} s.`);
  else if (result.exitCode === undefined && result.signal === undefined) problem("RUN_FAILED", `The command could not start (${clean(result.shortMessage?.split("\n")[0] ?? "unknown error")}).`);
  else if (result.exitCode === undefined) problem("RUN_FAILED", `The command was killed by ${result.signal}.`);
  else if (result.exitCode !== 0) problem("RUN_FAILED", `The command exited with code ${result.exitCode}.`);

  const written: string[] = [];
  for (const output of step.outputs) {
    const abs = join(options.root, output);
    if (!existsSync(abs)) problem("MISSING_FILE", `The command did not write its declared output ${output}.`);
    else if (!statSync(abs).isFile()) problem("MISSING_FILE", `Its declared output ${output} is not a regular file.`);
    else written.push(output);
  }
  record.outputs = await identitiesOf(options.root, written);
  if (record.problems.length === 0) record.status = "passed";
  return { record, findings };
}
