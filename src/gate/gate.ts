/**
 * `bindery gate`: the checks a stage of a release needs, each one row.
 *
 * - pr: the config is valid; the changelog passes its check; the npm package holds its files
 *   (when the project is an npm package); every package that exists verifies; and, once all of
 *   them exist, the release plans within the platforms' limits (offline: no credentials).
 * - release: all of that with every package required, the release set verified as a release,
 *   the CHANGELOG section of the version, the config's targets met, and for a PATCH version the
 *   golden row: the demo's outputs equal those of the previous release.
 * - published: the candidate, replay and publication reports present, bound and re-verified,
 *   and the signatures verified when the evidence is signed.
 *
 * A gate needs no credentials to say no: nothing here writes to a platform.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { loadConfig, type LoadedConfig } from "../config/config.js";
import { resolveSettings, type ReleaseSettings } from "../config/settings.js";
import { buildReport } from "../evidence/envelope.js";
import { isBinderyError, type Finding } from "../evidence/errors.js";
import type { PlatformLimits } from "../hub/limits.js";
import type { ExpectedSigner } from "../release/audit-signatures.js";
import { verifyRelease, type PackageName } from "../release/verify.js";
import { checkChangelog } from "../versioning/changelog.js";
import { parseVersion } from "../versioning/pins.js";
import { publishedRows } from "./published.js";
import { gateReport, type GateReport, type GateRow, type Stage } from "./schema.js";
import { goldenRow, suiteRow, targetRows } from "./targets.js";

export interface GateOptions {
  stage: Stage;
  config?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Platform limits for the plan row (default: the platforms'). */
  limits?: PlatformLimits;
  /** The previous release's demo package, for a PATCH version's golden row. */
  goldenDemo?: string;
  /** The release index (URL or file): the previous release's published demo manifest, for the golden row. */
  goldenIndex?: string;
  /** Where the published stage finds the plan, publish, candidate and publication reports (default: evidence/ beside the config). */
  evidenceDir?: string;
  /** The replay report (default: replay/clean_machine_demo_report.json beside the config). */
  replayReport?: string;
  /** Run the pack row even when package.json is private or absent. */
  pack?: boolean;
  /** A `bindery suite --execute` report: the suite row requires every step to have passed. */
  suiteReport?: string;
  /** Scope decisions (`bindery scope accept`): their targets' rows show as rescoped while they match. */
  scope?: readonly string[];
  /** The expected signer of the evidence, over bindery.yaml's signing section. */
  signer?: ExpectedSigner;
}

export interface GateContext {
  options: GateOptions;
  loaded: LoadedConfig;
  settings: ReleaseSettings;
  /** The config's directory: every file a row names is relative to it. */
  base: string;
  /** A path relative to the config's directory. */
  show(path: string): string;
}

type RowInput = Omit<GateRow, "ok" | "issue_refs"> & { issue_refs?: string[] };

export function rowOf(context: { loaded?: LoadedConfig | undefined } | undefined, input: RowInput): GateRow {
  const refs = context?.loaded?.config.issue_refs?.[input.id] ?? [];
  return { ...input, ok: input.status !== "failed", issue_refs: [...new Set([...(input.issue_refs ?? []), ...refs])] };
}

/** A row from findings: passed when there are none that are errors, else failed with the first's code. */
export function findingsRow(context: GateContext, id: string, findings: readonly Finding[], okMessage: string, locate: (path: string) => string = (p) => p): GateRow {
  const errors = findings.filter((f) => f.severity === "error");
  if (errors.length === 0) return rowOf(context, { id, status: "passed", code: null, message: okMessage, files: [] });
  const files = [...new Set(errors.map((f) => `${locate(f.path)}${f.line ? `:${f.line}` : ""}`))];
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : "";
  return rowOf(context, { id, status: "failed", code: errors[0]!.code, message: `${errors[0]!.message}${more}`, files });
}

function errorRow(context: { loaded?: LoadedConfig | undefined } | undefined, id: string, error: unknown, files: string[]): GateRow {
  if (!isBinderyError(error)) throw error;
  return rowOf(context, { id, status: "failed", code: error.code, message: error.message, files });
}

export async function runGate(options: GateOptions): Promise<GateReport> {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const rows: GateRow[] = [];

  // The config: everything else reads it.
  let loaded: LoadedConfig | undefined;
  let settings: ReleaseSettings | undefined;
  try {
    loaded = await loadConfig(options.config, cwd);
    if (!loaded) throw Object.assign(new Error(), { gateMissing: true });
    const resolved = await resolveSettings(options.config ?? loaded.file, {}, { cwd, env });
    // Absolute package directories: the gate may run for a project other than the process's cwd.
    const dirs = Object.fromEntries(Object.entries(resolved.dirs).map(([k, d]) => [k, resolve(cwd, d)])) as ReleaseSettings["dirs"];
    settings = { ...resolved, dirs };
    rows.push(rowOf({ loaded }, { id: "config", status: "passed", code: null, message: `${relative(cwd, loaded.file) || loaded.file} is a valid bindery/config for ${settings.releaseId} (version ${settings.version}).`, files: [] }));
  } catch (error) {
    if ((error as { gateMissing?: boolean }).gateMissing) rows.push(rowOf(undefined, { id: "config", status: "failed", code: "INPUT_NOT_FOUND", message: "there is no bindery.yaml here (pass --config): a gate checks a release the config describes.", files: ["bindery.yaml"] }));
    else rows.push(errorRow({ loaded }, "config", error, [options.config ?? "bindery.yaml"]));
    return report(options.stage, rows, null, env);
  }
  const base = dirname(loaded.file);
  const context: GateContext = { options, loaded, settings, base, show: (p) => relative(base, resolve(cwd, p)) || "." };

  rows.push(await changelogRow(context));
  rows.push(await packRow(context));
  rows.push(...(await packageRows(context, env)));
  rows.push(await suiteRow(context));
  if (options.stage !== "pr") {
    rows.push(...(await targetRows(context)));
    rows.push(await goldenRow(context, parseVersion(settings.version).patch > 0));
  }
  if (options.stage === "published") rows.push(...(await publishedRows(context, env)));
  return report(options.stage, rows, { id: settings.releaseId, version: settings.version }, env);
}

function report(stage: Stage, rows: GateRow[], release: { id: string; version: string } | null, env: NodeJS.ProcessEnv): GateReport {
  const blockers = rows.filter((r) => !r.ok).map((r) => r.id);
  return buildReport(gateReport, { inputs: [], body: { ok: blockers.length === 0, stage, release, rows, blockers }, env });
}

async function changelogRow(context: GateContext): Promise<GateRow> {
  const file = join(context.base, "CHANGELOG.md");
  const release = context.options.stage === "pr" ? undefined : context.settings.version;
  if (!existsSync(file)) return rowOf(context, { id: "changelog", status: "failed", code: "MISSING_FILE", message: "there is no CHANGELOG.md beside bindery.yaml; a release says what changed.", files: ["CHANGELOG.md"] });
  const result = checkChangelog(await readFile(file, "utf8"), { file: "CHANGELOG.md", ...(release ? { release } : {}) });
  return findingsRow(context, "changelog", result.findings, `CHANGELOG.md follows Keep a Changelog${release ? ` and has a section for ${release}` : ""}.`);
}

/** The npm package's own files, when the project is a public npm package (or --pack). */
async function packRow(context: GateContext): Promise<GateRow> {
  const manifest = join(context.base, "package.json");
  const pkg = existsSync(manifest) ? (JSON.parse(await readFile(manifest, "utf8")) as { private?: boolean; files?: string[] }) : undefined;
  if (!context.options.pack && (!pkg || pkg.private)) {
    return rowOf(context, { id: "pack", status: "skipped", code: null, message: pkg ? "package.json is private: not published to npm." : "not an npm package (no package.json): nothing to pack.", files: [] });
  }
  const { packCheck } = await import("../versioning/pack.js");
  const required = [...(pkg?.files ?? []).filter((f) => !f.startsWith("!") && !/[*?]/.test(f)), ...["README.md", "CHANGELOG.md"].filter((f) => existsSync(join(context.base, f)))];
  try {
    const result = await packCheck({ cwd: context.base, require: required });
    if (result.ok) return rowOf(context, { id: "pack", status: "passed", code: null, message: `${result.name}@${result.version}: the package holds ${required.join(", ")} (${result.files} files).`, files: [] });
    return rowOf(context, { id: "pack", status: "failed", code: "PACK_INCOMPLETE", message: `the npm package lacks ${result.missing.join(", ")}, which package.json's files (or the project) name.`, files: result.missing.map((m) => m.replace(/\/$/, "")) });
  } catch (error) {
    return errorRow(context, "pack", error, ["package.json"]);
  }
}

const PACKAGE_DIRS: readonly [PackageName, keyof ReleaseSettings["dirs"]][] = [
  ["dataset", "dataset"],
  ["training", "training"],
  ["model", "model"],
  ["demo", "demo"],
  ["paper", "paper"],
];

/** One row per package (its verifier), the release set's cross-checks, and the plan. */
async function packageRows(context: GateContext, env: NodeJS.ProcessEnv): Promise<GateRow[]> {
  const { settings, options } = context;
  const release = options.stage !== "pr";
  const exists = (key: keyof ReleaseSettings["dirs"]) => settings.dirs[key] !== undefined && existsSync(settings.dirs[key]!);
  const all = PACKAGE_DIRS.every(([, key]) => exists(key));
  const verdict = await verifyRelease({
    modelDir: settings.dirs.model,
    datasetDir: settings.dirs.dataset,
    demoDir: settings.dirs.demo,
    ...(settings.dirs.paper ? { paperDir: settings.dirs.paper } : {}),
    ...(settings.dirs.training && exists("training") ? { runDir: settings.dirs.training } : {}),
    releaseId: settings.releaseId,
    version: settings.version,
    release,
  });
  const locate = (path: string) => {
    const [head, ...rest] = path.split("/");
    const entry = PACKAGE_DIRS.find(([name]) => name === head);
    const dir = entry && (head === "training" ? settings.dirs.training : settings.dirs[entry[1]]);
    return dir ? context.show(join(dir, ...rest)) : path;
  };
  const rows: GateRow[] = [];
  for (const [name, key] of PACKAGE_DIRS) {
    const id = `package:${name}`;
    if (!exists(key)) {
      rows.push(
        release
          ? rowOf(context, { id, status: "failed", code: "MISSING_EVIDENCE", message: `the ${name} package (${settings.dirs[key] ? context.show(settings.dirs[key]!) : `packages.${key}`}) does not exist; a release needs every package.`, files: settings.dirs[key] ? [context.show(settings.dirs[key]!)] : ["bindery.yaml"] })
          : rowOf(context, { id, status: "skipped", code: null, message: `the ${name} package (${settings.dirs[key] ? context.show(settings.dirs[key]!) : `packages.${key}`}) does not exist yet.`, files: [] }),
      );
      continue;
    }
    const own = verdict.packages.find((p) => p.package === name)?.findings ?? [];
    rows.push(findingsRow(context, id, own, `the ${name} package verifies${release ? " as a release" : ""}.`, locate));
  }
  if (!all) {
    rows.push(rowOf(context, { id: "release-set", status: release ? "failed" : "skipped", code: release ? "MISSING_EVIDENCE" : null, message: "not every package exists yet, so the cross-checks between them and the plan wait.", files: [] }));
    return rows;
  }
  const cross = verdict.packages.find((p) => p.package === "release")?.findings ?? [];
  rows.push(findingsRow(context, "release-set", cross, `the packages agree: one release, one model, one dataset snapshot, one commit${release ? ", verified as a release" : ""}.`, locate));
  rows.push(await planRow(context, env, verdict.ok));
  return rows;
}

async function planRow(context: GateContext, env: NodeJS.ProcessEnv, setOk: boolean): Promise<GateRow> {
  if (!setOk) return rowOf(context, { id: "plan", status: "failed", code: "VERIFICATION_FAILED", message: "the release set does not verify, so it cannot be planned (see the package rows).", files: [] });
  const { planRelease } = await import("../hub/plan.js");
  try {
    const result = await planRelease({ settings: context.settings, offline: true, env, ...(context.options.limits ? { limits: context.options.limits } : {}) });
    const forecast = result.plan?.preflight.forecast;
    return findingsRow(context, "plan", result.findings, `the release plans within the platforms' limits (offline: ${forecast?.files ?? "?"} files, ${forecast?.commits ?? "?"} commits).`);
  } catch (error) {
    return errorRow(context, "plan", error, ["bindery.yaml"]);
  }
}
