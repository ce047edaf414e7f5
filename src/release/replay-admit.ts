/**
 * What `bindery release replay` checks before any request: the candidate report is bindery's,
 * ready by its own rows, complete (every readiness row the embedded plan requires), bound to the
 * plan it embeds (re-serialized byte for byte), of this release (plan, candidate and bindery.yaml
 * agree), and names only safe destinations; and the output directory is empty. Each refusal is a
 * BinderyError with a stable code and exit 3: replay cannot use the candidate, so it has no answer.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { basename, resolve } from "node:path";
import { loadConfig } from "../config/config.js";
import { parseArtifact } from "../evidence/artifact.js";
import { prettyJson } from "../evidence/canonical-json.js";
import { readReport } from "../evidence/envelope.js";
import { BinderyError, isBinderyError, type ErrorCode } from "../evidence/errors.js";
import { identityOfBytes, type Identity, type RootedIdentity } from "../evidence/identity.js";
import { safePath } from "../evidence/paths.js";
import { generatorProblem } from "../evidence/rules/generator.js";
import { hubReleasePlan, type HubReleasePlan } from "../hub/schema.js";
import { CANDIDATE_FILE, candidateReport, type CandidateReport } from "./candidate-schema.js";
import { REPLAY_ROOTS, type ReplayRoot } from "./replay-schema.js";

/** One planned file to fetch: where from (credentials stripped), its planned identity, and whether it is the first entry of its source. */
export interface PlannedDownload {
  url: string;
  source: RootedIdentity & { root: ReplayRoot };
  /** `<root>/<path>`: where it goes, relative to the output directory. */
  path: string;
  /** False for a second entry of the same source (the model card as README.md): hashed, not written again. */
  write: boolean;
  /** Other places the same bytes belong, relative to the output directory (see runCopies). */
  copies: string[];
}

export interface AdmittedCandidate {
  candidate: CandidateReport;
  /** The candidate report's exact bytes, named by its file name. */
  identity: Identity;
  plan: HubReleasePlan;
  downloads: PlannedDownload[];
  /** The output directory, resolved. */
  outputDir: string;
}

export interface AdmitOptions {
  candidate: string;
  outputDir: string;
  config?: string;
  cwd?: string;
}

/** A refusal: exit 3 (replay cannot use its input), with the field it is about as a finding when there is one. */
function refuse(code: ErrorCode, message: string, hint?: string, at?: { file: string; field: string }): BinderyError {
  const findings = at ? [{ code, severity: "error" as const, path: at.file, message, field: at.field }] : [];
  return new BinderyError(code, message, { exitCode: 3, findings, ...(hint ? { hint } : {}) });
}

/** The readiness rows a candidate of `plan` must hold (see `bindery release candidate`). */
export function requiredRows(plan: HubReleasePlan, withPublishReport: boolean): string[] {
  const rows = ["plan", "evidence", ...(withPublishReport ? ["publish-report"] : []), "link:paper"];
  const types = [...new Set(plan.repos.map((r) => r.repo_type))].filter((t) => t === "model" || t === "dataset");
  for (const type of types) rows.push(`link:hub:${type}`, `tag:hub:${type}`, `files:hub:${type}`, `bytes:hub:${type}`);
  if (plan.releases.length > 0 || plan.entries.some((e) => e.target.platform === "github")) rows.push("link:github:release", "files:github:release", "bytes:github:release");
  return rows;
}

/** The decision fields must agree with each other, and say ready. */
function checkDecision(c: CandidateReport, shown: string, file: string): void {
  const failed = c.checks.filter((row) => !row.ok);
  const rows = failed.map((r) => r.id).join(", ");
  if (c.ready && (failed.length > 0 || c.blockers.length > 0)) {
    const why = failed.length > 0 ? `${failed.length} readiness row${failed.length === 1 ? "" : "s"} failed (${rows})` : `it lists ${c.blockers.length} blocker${c.blockers.length === 1 ? "" : "s"}`;
    throw refuse("DISAGREEMENT", `${shown}: field /ready says true, but ${why}; a candidate whose flag disagrees with its own rows cannot be replayed.`, "Run `bindery release candidate` again; do not edit its report.", { file, field: "/ready" });
  }
  if (!c.ready || failed.length > 0 || c.blockers.length > 0) {
    const why = failed.length > 0 ? `${failed.length} readiness row${failed.length === 1 ? "" : "s"} failed (${rows})` : c.blockers.length > 0 ? `it lists ${c.blockers.length} blocker${c.blockers.length === 1 ? "" : "s"}` : "ready is false";
    throw refuse("REPORT_NOT_OK", `${shown} is not ready: ${why}${c.blockers.length > 0 ? ` (${c.blockers[0]})` : ""}; only a ready release is replayed.`, "Fix what the candidate report lists, publish again, and write a new candidate report.", { file, field: "/ready" });
  }
  if (c.public_checks !== "done") {
    throw refuse("REPORT_NOT_OK", `${shown} skipped the public checks (public_checks: ${c.public_checks}); a replay needs a candidate that proved the public bytes online.`, "Run `bindery release candidate` without --skip-public-checks.", { file, field: "/public_checks" });
  }
}

/** The embedded plan: bound to plan_identity byte for byte, then a valid bindery plan. */
function checkPlan(c: CandidateReport, shown: string, file: string): HubReleasePlan {
  if (typeof c.plan !== "object" || c.plan === null || Array.isArray(c.plan)) {
    throw refuse("INPUT_INVALID", `${shown}: field /plan holds no plan (a JSON object is required).`);
  }
  const again = identityOfBytes(c.plan_identity.path, prettyJson(c.plan));
  if (again.sha256 !== c.plan_identity.sha256 || again.size !== c.plan_identity.size) {
    throw refuse(
      "IDENTITY_MISMATCH",
      `${shown}: the embedded plan re-serializes to sha256 ${again.sha256} (${again.size} bytes), but plan_identity names ${c.plan_identity.path} as sha256 ${c.plan_identity.sha256} (${c.plan_identity.size} bytes); the plan was changed after the candidate bound it.`,
      undefined,
      { file, field: "/plan_identity" },
    );
  }
  const where = `${shown} (embedded plan)`;
  rawPathsSafe(c.plan as Record<string, unknown>, where);
  const problem = generatorProblem(c.plan, hubReleasePlan.generatedBy);
  if (problem) throw refuse("FOREIGN_GENERATOR", `${where}: ${problem}`);
  const plan = parseArtifact(hubReleasePlan, c.plan, where);
  if (plan.fixture || c.fixture) {
    throw refuse("FIXTURE_EVIDENCE", `${plan.fixture ? where : shown} is fixture evidence (fixture: true), which a release replay does not accept.`);
  }
  return plan;
}

function checkRelease(c: CandidateReport, plan: HubReleasePlan, shown: string, file: string, config: { id: string; file: string } | undefined): void {
  for (const key of ["id", "version", "tag"] as const) {
    if (c.release[key] !== plan.release[key]) {
      throw refuse("DISAGREEMENT", `${shown}: field /release/${key} is ${JSON.stringify(c.release[key])}, but its embedded plan is of ${key} ${JSON.stringify(plan.release[key])}; the candidate is not of the plan it embeds.`, undefined, { file, field: `/release/${key}` });
    }
  }
  if (config && config.id !== c.release.id) {
    throw refuse("DISAGREEMENT", `${shown}: field /release/id is ${JSON.stringify(c.release.id)}, but ${config.file} names release ${JSON.stringify(config.id)}; this is a candidate of another release.`, "Pass the candidate report of this release, or --config with that release's bindery.yaml.", { file, field: "/release/id" });
  }
}

/**
 * The paths the replay would write to, checked before the schema so that an unsafe one is named
 * as such (UNSAFE_PATH) rather than as a schema problem: every entry's source path, every root.
 */
function rawPathsSafe(plan: Record<string, unknown>, where: string): void {
  const entries = Array.isArray(plan.entries) ? (plan.entries as unknown[]) : [];
  entries.forEach((entry, index) => {
    const path = (entry as { source?: { path?: unknown } } | null)?.source?.path;
    if (typeof path === "string") unsafe(path, `${where}: entry ${index}`);
  });
  const roots = typeof plan.roots === "object" && plan.roots !== null ? Object.entries(plan.roots as Record<string, unknown>) : [];
  for (const [root, dir] of roots) if (typeof dir === "string") unsafe(dir, `${where}: root ${root}`);
}

/** A planned URL stripped of credentials (user info, token-like query parameters), or the reason it is refused. */
export function publicUrl(url: string, endpoint: string): { url: string } | { problem: string } {
  let parsed: URL;
  let base: URL;
  try {
    parsed = new URL(url);
    base = new URL(endpoint);
  } catch {
    return { problem: "it is not a URL" };
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return { problem: `its scheme ${parsed.protocol} is not http(s)` };
  parsed.username = "";
  parsed.password = "";
  for (const key of [...parsed.searchParams.keys()]) if (/token|auth|key|secret|sig|credential|password/i.test(key)) parsed.searchParams.delete(key);
  const prefix = base.pathname.endsWith("/") ? base.pathname : `${base.pathname}/`;
  if (parsed.origin !== base.origin || !(parsed.pathname === base.pathname || parsed.pathname.startsWith(prefix))) {
    return { problem: `it is not under the plan's endpoint ${base.origin}${base.pathname === "/" ? "" : base.pathname}` };
  }
  return { url: parsed.toString() };
}

/** Every destination safe, every URL public and under the plan's endpoints; one download per entry. */
function plannedDownloads(plan: HubReleasePlan, shown: string): PlannedDownload[] {
  for (const [endpoint, value] of Object.entries(plan.endpoints)) {
    let protocol = "";
    try {
      protocol = new URL(value).protocol;
    } catch {
      // refused below
    }
    if (protocol !== "https:" && protocol !== "http:") throw refuse("INPUT_INVALID", `${shown}: the plan's endpoint ${endpoint} (${JSON.stringify(value)}) is not an http(s) URL.`);
  }
  for (const [root, dir] of Object.entries(plan.roots)) {
    if (!(REPLAY_ROOTS as readonly string[]).includes(root)) throw refuse("INPUT_INVALID", `${shown}: the plan names a package root ${JSON.stringify(root)}; a release's roots are ${REPLAY_ROOTS.join(", ")}.`);
    unsafe(dir, `${shown}: the plan's root ${root}`);
  }
  const seen = new Map<string, RootedIdentity>();
  const downloads = plan.entries.map((entry, index): PlannedDownload => {
    const where = `${shown}: plan entry ${index}`;
    const root = entry.source.root;
    if (root === undefined || !(REPLAY_ROOTS as readonly string[]).includes(root)) {
      throw refuse("INPUT_INVALID", `${where} has the package root ${JSON.stringify(root ?? null)}; every planned file lies in one of ${REPLAY_ROOTS.join(", ")}.`);
    }
    unsafe(entry.source.path, where);
    const endpoint = entry.target.platform === "hub" ? plan.endpoints.hub : plan.endpoints.github_web;
    const url = publicUrl(entry.url, endpoint);
    if ("problem" in url) throw refuse("INPUT_INVALID", `${where} (${root}/${entry.source.path}) has the URL ${JSON.stringify(entry.url)}: ${url.problem}.`);
    const path = `${root}/${entry.source.path}`;
    const earlier = seen.get(path);
    if (earlier && (earlier.sha256 !== entry.source.sha256 || earlier.size !== entry.source.size)) {
      throw refuse("DISAGREEMENT", `${where}: ${path} is planned twice with different bytes (sha256 ${earlier.sha256}, then ${entry.source.sha256}).`);
    }
    seen.set(path, entry.source);
    return { url: url.url, source: { ...entry.source, root: root as ReplayRoot }, path, write: earlier === undefined, copies: [] };
  });
  for (const [index, copy] of runCopies(plan)) if (downloads[index]!.write && !seen.has(copy)) downloads[index]!.copies.push(copy);
  return downloads;
}

/**
 * The plan names each Hub path once: a file of the training run that the model package also holds
 * (its copies under training/) is published once, from the model package, as the same bytes (the
 * plan's rule). The run's folder in the repository is then the run directory as published, so the
 * replay places those bytes in the run package too. Returns [entry index, run/<path>] pairs.
 */
function runCopies(plan: HubReleasePlan): [number, string][] {
  const prefixes = new Set<string>();
  for (const e of plan.entries) {
    if (e.source.root !== "run" || e.target.platform !== "hub" || !e.target.path.endsWith(`/${e.source.path}`)) continue;
    prefixes.add(`${e.target.repo_type}:${e.target.repo}:${e.target.path.slice(0, -e.source.path.length)}`);
  }
  const pairs: [number, string][] = [];
  plan.entries.forEach((e, index) => {
    if (e.source.root === "run" || e.target.platform !== "hub") return;
    for (const prefix of prefixes) {
      const [type, repo, folder] = prefix.split(":") as [string, string, string];
      if (e.target.repo_type === type && e.target.repo === repo && e.target.path.startsWith(folder)) pairs.push([index, `run/${e.target.path.slice(folder.length)}`]);
    }
  });
  return pairs;
}

function unsafe(path: string, where: string): void {
  let normal: string;
  try {
    normal = safePath(path);
  } catch (error) {
    if (!isBinderyError(error)) throw error;
    throw refuse("UNSAFE_PATH", `${where}: ${error.message}`);
  }
  if (normal !== path) throw refuse("UNSAFE_PATH", `${where}: path ${JSON.stringify(path)} is not in normal form (${JSON.stringify(normal)}).`);
}

function checkOutputDir(dir: string, shown: string): void {
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory()) throw refuse("OUTPUT_EXISTS", `--output-dir ${shown} exists and is not a directory.`);
  const entries = readdirSync(dir);
  if (entries.length > 0) {
    throw refuse("OUTPUT_EXISTS", `--output-dir ${shown} is not empty (it holds ${entries.length === 1 ? "1 entry" : `${entries.length} entries`}); a clean-machine replay starts from an empty directory.`, "Choose a new or empty directory.");
  }
}

/** Every check before any request; throws the first refusal. */
export async function admitCandidate(options: AdmitOptions): Promise<AdmittedCandidate> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const shown = options.candidate;
  const read = await readReport(candidateReport, resolve(cwd, options.candidate), shown);
  const candidate = read.value;
  const file = safeName(options.candidate);
  checkDecision(candidate, shown, file);
  const plan = checkPlan(candidate, shown, file);
  const present = new Set(candidate.checks.map((row) => row.id));
  const missing = requiredRows(plan, candidate.publish_report !== null).filter((id) => !present.has(id));
  if (missing.length > 0) {
    throw refuse("MISSING_EVIDENCE", `${shown} lacks the readiness row${missing.length === 1 ? "" : "s"} ${missing.join(", ")}, which its plan requires; a candidate that did not check everything cannot be replayed.`, "Run `bindery release candidate` again; do not edit its report.", { file, field: "/checks" });
  }
  const loaded = await loadConfig(options.config, cwd);
  checkRelease(candidate, plan, shown, file, loaded ? { id: loaded.config.release.id, file: options.config ?? "bindery.yaml" } : undefined);
  const downloads = plannedDownloads(plan, shown);
  const outputDir = resolve(cwd, options.outputDir);
  checkOutputDir(outputDir, options.outputDir);
  return { candidate, identity: identityOfBytes(file, read.bytes), plan, downloads, outputDir };
}

/** The candidate report's name in the report and in findings: its file name, when public-safe. */
function safeName(given: string): string {
  const name = basename(given);
  try {
    return safePath(name);
  } catch {
    return CANDIDATE_FILE;
  }
}
