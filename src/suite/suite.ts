/**
 * `bindery suite --plan | --execute`: reads a `bindery/suite` manifest, checks its step graph,
 * and (with --execute) runs it, then writes `suite_report.json` whatever the outcome. Every path
 * in the manifest is relative to the suite root (--cwd, default: the working directory).
 */
import { existsSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { basename, join, resolve } from "node:path";
import { readAuthorInput } from "../evidence/author-input.js";
import { buildReport, decide, writeReport, type CheckRow } from "../evidence/envelope.js";
import { BinderyError, type Finding } from "../evidence/errors.js";
import { identitiesOf, identityOfBytes, type Identity } from "../evidence/identity.js";
import { isSafePath, pathWithin, safePath } from "../evidence/paths.js";
import { generatedAt } from "../evidence/time.js";
import { clearOutputs, executeSteps, stepRecord } from "./execute.js";
import { planGraph, stagesOf } from "./graph.js";
import { CLAIM_EXECUTE, CLAIM_PLAN, SUITE_REPORT, suiteManifest, suiteReport, type StepRecord, type SuiteReport } from "./schema.js";

export interface SuiteOptions {
  /** The bindery/suite manifest, as the user named it. */
  manifest: string;
  mode: "plan" | "execute";
  /** Where to write suite_report.json. */
  output: string;
  /** Steps run at once (default: the number of CPUs). */
  jobs?: number;
  /** The suite root (default: the working directory). */
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Called as each step ends, under --execute. */
  onStep?: (record: StepRecord) => void;
}

export interface SuiteResult {
  report: SuiteReport;
  identity: Identity;
  /** The graph's problems, then every failed step's. */
  findings: Finding[];
  /** Stages of the graph (steps in one stage need nothing from each other); 0 when it is invalid. */
  stages: number;
}

/** A public-safe name for a file: relative to `base` when it lies inside, else its file name. */
function publicName(base: string, file: string, fallback: string): string {
  const inside = pathWithin(base, file);
  for (const candidate of [inside, basename(file)]) if (candidate && isSafePath(candidate)) return safePath(candidate);
  return fallback;
}

export async function runSuite(options: SuiteOptions): Promise<SuiteResult> {
  const env = options.env ?? process.env;
  // A bad SOURCE_DATE_EPOCH must stop the suite before anything runs, not after.
  generatedAt(env);
  const root = resolve(options.cwd ?? ".");
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new BinderyError("INPUT_NOT_FOUND", `the suite root ${options.cwd ?? "."} is not a directory.`, { hint: "Pass --cwd with the directory the manifest's paths are relative to." });
  }
  const jobs = options.jobs ?? availableParallelism();
  const read = await readAuthorInput(suiteManifest, options.manifest);
  const manifestAbs = resolve(options.manifest);
  const manifest = identityOfBytes(publicName(root, manifestAbs, "suite.yaml"), read.bytes);
  const graph = planGraph(read.value.steps, {
    root,
    shown: manifest.path,
    reserved: [
      { abs: manifestAbs, what: "the suite manifest" },
      { abs: resolve(options.output), what: "the suite report" },
    ],
    env,
  });
  const valid = graph.findings.length === 0;
  const stages = valid ? new Set(stagesOf(graph.steps).values()).size : 0;
  // The inputs no step produces, pinned as the suite found them.
  const external = graph.external.filter((p) => isSafePath(p) && statSync(join(root, p)).isFile());
  const inputs = [manifest, ...(await identitiesOf(root, external))];

  const codes = [...new Set(graph.findings.map((f) => f.code))];
  const checks: CheckRow[] = [
    {
      id: "graph",
      ok: valid,
      detail: valid
        ? `the step graph is valid: ${graph.steps.length} steps in ${stages} stages, ${graph.producers.size} declared outputs, ${graph.external.length} inputs present.`
        : `the step graph has ${graph.findings.length} problems (${codes.join(", ")}).`,
      issue_refs: codes,
    },
  ];
  let records: StepRecord[];
  const findings = [...graph.findings];
  if (options.mode === "plan" || !valid) {
    records = graph.steps.map((s) => (options.mode === "plan" ? stepRecord(s, "planned", [], env) : stepRecord(s, "skipped", ["Not run: the suite's graph is invalid."], env)));
    checks.push({
      id: "executed",
      ok: false,
      detail: options.mode === "plan" ? "nothing ran (--plan checks the graph only), so this report evidences no output." : "nothing ran: the step graph is invalid.",
      issue_refs: [],
    });
  } else {
    await clearOutputs(graph.steps, root);
    const outcomes = await executeSteps(graph.steps, { root, jobs, shown: manifest.path, env, ...(options.onStep ? { onStep: options.onStep } : {}) });
    records = graph.steps.map((s) => outcomes.get(s.id)!.record);
    for (const s of graph.steps) findings.push(...outcomes.get(s.id)!.findings);
    for (const r of records) {
      const stepCodes = [...new Set(outcomes.get(r.id)!.findings.map((f) => f.code))];
      checks.push({ id: `step:${r.id}`, ok: r.status === "passed", detail: stepDetail(r), issue_refs: stepCodes });
    }
  }
  const decision = decide(checks);
  const report = buildReport(suiteReport, {
    inputs,
    claimBoundary: options.mode === "plan" ? CLAIM_PLAN : CLAIM_EXECUTE,
    body: { manifest, mode: options.mode, jobs: options.mode === "execute" ? jobs : null, steps: records, findings, ...decision },
    env,
  });
  const identity = await writeReport(options.output, report, publicName(process.cwd(), resolve(options.output), SUITE_REPORT));
  return { report, identity, findings, stages };
}

/** One sentence on how a step ended. */
export function stepDetail(r: StepRecord): string {
  if (r.status === "passed") return `step ${r.id} exited 0 in ${r.duration_ms} ms and wrote ${r.outputs.length === 1 ? "its declared output" : `its ${r.outputs.length} declared outputs`}.`;
  if (r.status === "planned") return `step ${r.id} is planned.`;
  return `step ${r.id} ${r.status}: ${r.problems.join(" ")}`;
}
