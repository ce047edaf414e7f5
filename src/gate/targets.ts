/**
 * The release stage's promises about results: the config's targets (thresholds on NAME:SPLIT
 * metrics of the model package's eval_metrics.json), and for a PATCH version the golden row, since
 * a patch does not change outputs on a fixed input: the demo's inputs and outputs must be the
 * previous release's, byte for byte.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Config } from "../config/config.js";
import { identityOfBytes } from "../evidence/identity.js";
import { rowOf, type GateContext } from "./gate.js";
import { applyScope, readScopeReports } from "./scope.js";
import type { GateRow } from "./schema.js";

interface MetricRow {
  name: string;
  split: string;
  value: number;
}

type Target = NonNullable<Config["targets"]>[string];

/** What misses a target in a report's metric rows: a metric not reported, or outside its bounds. */
export function targetProblems(target: Target, rows: readonly MetricRow[], shown: string): { problems: { code: string; text: string }[]; met: string[] } {
  const problems: { code: string; text: string }[] = [];
  const met: string[] = [];
  for (const [key, { min, max }] of Object.entries(target.metrics)) {
    const [metric, split] = key.split(":") as [string, string];
    const row = rows.find((r) => r.name === metric && r.split === split);
    if (!row) {
      problems.push({ code: "MISSING_METRIC", text: `${key} is not reported in ${shown}` });
      continue;
    }
    const bound = min !== undefined && row.value < min ? `below its minimum ${min}` : max !== undefined && row.value > max ? `above its maximum ${max}` : undefined;
    if (bound) problems.push({ code: "TARGET_NOT_MET", text: `${key} is ${row.value}, ${bound}` });
    else met.push(`${key} ${row.value}`);
  }
  return { problems, met };
}

export async function readMetricRows(file: string): Promise<MetricRow[]> {
  return (JSON.parse(await readFile(file, "utf8")) as { rows?: MetricRow[] }).rows ?? [];
}

/**
 * One row per target of `targets` against the metrics in `file` (named `shown`), with the scope
 * decisions applied: shared by the gate and the release candidate. The rows carry only the
 * decisions' tracker references; callers add the config's.
 */
export async function evaluateTargets(targets: NonNullable<Config["targets"]>, file: string, shown: string, scope: readonly string[] = []): Promise<GateRow[]> {
  const entries = Object.entries(targets);
  const row = (r: Omit<GateRow, "ok" | "issue_refs">): GateRow => ({ ...r, ok: r.status !== "failed", issue_refs: [] });
  if (!existsSync(file)) return entries.map(([name]) => row({ id: `target:${name}`, status: "failed", code: "MISSING_EVIDENCE", message: `${shown} does not exist, so target ${name} cannot be checked.`, files: [shown] }));
  const rows = await readMetricRows(file);
  const decisions = await readScopeReports(scope);
  const current = identityOfBytes("eval_metrics.json", await readFile(file));
  return entries.map(([name, target]) => {
    const { problems, met } = targetProblems(target, rows, shown);
    const id = `target:${name}`;
    if (problems.length === 0) return row({ id, status: "passed", code: null, message: `target ${name} is met: ${met.join(", ")}.`, files: [] });
    const failed = row({ id, status: "failed", code: problems[0]!.code, message: `target ${name}${target.description ? ` (${target.description})` : ""} is not met: ${problems.map((p) => p.text).join("; ")}.`, files: [shown] });
    return applyScope(failed, decisions, current, shown);
  });
}

export async function targetRows(context: GateContext): Promise<GateRow[]> {
  if (Object.keys(context.settings.targets).length === 0) return [rowOf(context, { id: "targets", status: "skipped", code: null, message: "bindery.yaml declares no targets.", files: [] })];
  const file = join(context.settings.dirs.model, "eval_metrics.json");
  const rows = await evaluateTargets(context.settings.targets, file, context.show(file), context.options.scope ?? []);
  return rows.map(({ ok: _ok, ...r }) => rowOf(context, r));
}

interface DemoFile {
  name: string;
  file: { path: string; sha256: string; size: number } | null;
}

type DemoManifest = { input_files: DemoFile[]; output_files: DemoFile[] };

async function demoFiles(dir: string): Promise<{ inputs: DemoFile[]; outputs: DemoFile[] }> {
  const manifest = JSON.parse(await readFile(join(dir, "terminal_demo_manifest.json"), "utf8")) as DemoManifest;
  return { inputs: manifest.input_files, outputs: manifest.output_files };
}

/**
 * The previous release's demo, from the release index: the newest release of the same MAJOR.MINOR
 * older than `version` that is not yanked, and its published terminal_demo_manifest.json.
 */
async function previousFromIndex(source: string, version: string): Promise<{ label: string; files: { inputs: DemoFile[]; outputs: DemoFile[] } }> {
  const [{ loadIndex }, { compareVersions }, { parseVersion }, { retryingFetch, retryPolicyFromEnv }, { BinderyError }] = await Promise.all([
    import("../versioning/index-source.js"),
    import("../versioning/compare.js"),
    import("../versioning/pins.js"),
    import("../hub/http.js"),
    import("../evidence/errors.js"),
  ]);
  const index = await loadIndex(source);
  const now = parseVersion(version);
  const previous = index.releases
    .filter((e) => !e.yanked && e.demo_manifest_url)
    .filter((e) => {
      const v = parseVersion(e.model_version);
      return v.major === now.major && v.minor === now.minor && compareVersions(v, now) < 0;
    })
    .at(-1);
  if (!previous) throw new BinderyError("MISSING_EVIDENCE", `the index ${source} has no earlier ${now.major}.${now.minor} release (not yanked) with a published demo manifest to compare with.`, { exitCode: 1 });
  const response = await retryingFetch(retryPolicyFromEnv()).fetch(previous.demo_manifest_url!, { redirect: "follow" });
  if (!response.ok) throw new BinderyError("REMOTE_UNAVAILABLE", `${previous.demo_manifest_url} answered HTTP ${response.status}.`);
  const manifest = (await response.json()) as DemoManifest;
  return { label: `${previous.release_id} (${previous.demo_manifest_url})`, files: { inputs: manifest.input_files, outputs: manifest.output_files } };
}

/** Names whose bytes differ between two sets of demo files (a name on one side only differs too). */
function differing(a: readonly DemoFile[], b: readonly DemoFile[]): string[] {
  const names = [...new Set([...a, ...b].map((f) => f.name))].sort();
  return names.filter((n) => a.find((f) => f.name === n)?.file?.sha256 !== b.find((f) => f.name === n)?.file?.sha256 || a.find((f) => f.name === n)?.file === undefined);
}

export async function goldenRow(context: GateContext, patch: boolean): Promise<GateRow> {
  const id = "golden";
  if (!patch) return rowOf(context, { id, status: "skipped", code: null, message: `${context.settings.version} is not a PATCH release: its outputs may change.`, files: [] });
  const { goldenDemo, goldenIndex } = context.options;
  const demo = context.settings.dirs.demo;
  if (!goldenDemo && !goldenIndex) {
    return rowOf(context, { id, status: "failed", code: "MISSING_EVIDENCE", message: `${context.settings.version} is a PATCH release, which must not change outputs on a fixed input: pass --golden-index (the release index) or --golden-demo (the previous release's demo package) to compare.`, files: [] });
  }
  try {
    const previous = goldenDemo
      ? { label: goldenDemo, files: await demoFiles(resolve(context.options.cwd ?? process.cwd(), goldenDemo)) }
      : await previousFromIndex(goldenIndex!, context.settings.version);
    const [now, before] = [await demoFiles(demo), previous.files];
    const inputs = differing(now.inputs, before.inputs);
    if (inputs.length > 0) return rowOf(context, { id, status: "failed", code: "DISAGREEMENT", message: `the demo's inputs differ from the previous release's (${inputs.join(", ")}), so its outputs cannot be compared on a fixed input.`, files: [context.show(join(demo, "terminal_demo_manifest.json"))] });
    const outputs = differing(now.outputs, before.outputs);
    if (outputs.length > 0) {
      return rowOf(context, { id, status: "failed", code: "DISAGREEMENT", message: `a PATCH release changed the demo's outputs on the same inputs: ${outputs.join(", ")} differ from the previous release's.`, files: outputs.map((n) => context.show(join(demo, now.outputs.find((f) => f.name === n)?.file?.path ?? "terminal_demo_manifest.json"))) });
    }
    return rowOf(context, { id, status: "passed", code: null, message: `the demo's ${now.outputs.length} outputs equal the previous release's (${previous.label}), byte for byte, on the same inputs.`, files: [] });
  } catch (error) {
    return rowOf(context, { id, status: "failed", code: (error as { code?: string }).code ?? "INPUT_NOT_FOUND", message: `the demo manifests could not be compared: ${(error as Error).message}`, files: [context.show(join(demo, "terminal_demo_manifest.json"))] });
  }
}

/** The benchmark and evaluation suite that produced the results, when the gate is given its report: every step ran and wrote its outputs. */
export async function suiteRow(context: GateContext): Promise<GateRow> {
  const file = context.options.suiteReport;
  if (!file) return rowOf(context, { id: "suite", status: "skipped", code: null, message: "no suite report given (--suite-report).", files: [] });
  const [{ readReport }, { suiteReport }] = await Promise.all([import("../evidence/envelope.js"), import("../suite/schema.js")]);
  const path = resolve(context.options.cwd ?? process.cwd(), file);
  const shown = context.show(path);
  let report;
  try {
    report = (await readReport(suiteReport, path, shown)).value;
  } catch (error) {
    return rowOf(context, { id: "suite", status: "failed", code: (error as { code?: string }).code ?? "INPUT_INVALID", message: (error as Error).message, files: [shown] });
  }
  if (report.mode !== "execute") return rowOf(context, { id: "suite", status: "failed", code: "REPORT_NOT_OK", message: `${shown} is a plan (bindery suite --plan): nothing ran, so it evidences no result; run the suite with --execute.`, files: [shown] });
  const failed = report.steps.filter((s) => s.status !== "passed");
  if (report.ok && failed.length === 0) return rowOf(context, { id: "suite", status: "passed", code: null, message: `all ${report.steps.length} steps of the suite ran and wrote their declared outputs.`, files: [] });
  const first = report.findings.find((f) => f.severity === "error");
  return rowOf(context, {
    id: "suite",
    status: "failed",
    code: first?.code ?? "RUN_FAILED",
    message: `the suite did not pass: ${failed.map((s) => `${s.id} ${s.status}${s.problems.length ? ` (${s.problems[0]})` : ""}`).join("; ")}.`,
    files: [shown, ...new Set(failed.flatMap((s) => s.declared_outputs))],
  });
}
