/**
 * `bindery verify`: the release-set verifier. It runs the dataset, model, training, demo and paper
 * checks and the cross-checks between them (one release id, one model id, one dataset snapshot,
 * one commit; the demo ran the packaged model; the training run read the packaged dataset), and
 * lists every finding, grouped by the package it is about.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { verifyDataset } from "../dataset/verify.js";
import { verifyDemo } from "../demo/verify.js";
import { buildReport, decide, decisionShape, defineReport, findingSchema, type CheckRow } from "../evidence/envelope.js";
import { isBinderyError, type Finding } from "../evidence/errors.js";
import type { RootedIdentity } from "../evidence/identity.js";
import { finding, uniqueFindings, verdictOf, warning } from "../evidence/rules/engine.js";
import { verifyChecksums } from "../evidence/seal.js";
import { MANIFEST_FILE } from "../model/manifest.js";
import { verifyModel } from "../model/verify.js";
import { MODEL_FILES, TRAINING_EVIDENCE } from "../model/package.js";
import { verifyPaper } from "../paper/verify.js";
import { RUN_FILES } from "../training/schema.js";
import type { Revocation } from "../versioning/release-index.js";
import { readReleaseSet, releaseSetFindings, type ReleaseDirs } from "./set.js";

export const PACKAGES = ["dataset", "training", "model", "demo", "paper", "release"] as const;
export type PackageName = (typeof PACKAGES)[number];

export interface VerifyReleaseOptions extends ReleaseDirs {
  paperDir?: string;
  /** The packaged training run directory, checked against its training_run_SHA256SUMS and the model's copy. */
  runDir?: string;
  /** The release id and version the config names, which the model package must carry. */
  releaseId?: string;
  version?: string;
  /** Placeholder wording becomes a warning (for a draft release). */
  allowPlaceholders?: boolean;
  /** A release gate: no fixture evidence, the dataset's provenance reports required. Placeholder text is refused with or without it (see allowPlaceholders). */
  release?: boolean;
  /** A revocation list's entries: a yanked model still verifies, with a MODEL_YANKED warning. */
  revoked?: readonly Revocation[];
}

export interface PackageVerdict {
  package: PackageName;
  ok: boolean;
  checked: boolean;
  findings: Finding[];
}

export interface VerifyReleaseResult {
  ok: boolean;
  packages: PackageVerdict[];
  findings: (Finding & { package: PackageName })[];
  /** The evidence files of the release set, as read (empty when the set could not be read). */
  inputs: RootedIdentity[];
}

/** Which package a finding is about, from the path it names (`model/training/...` is the training run). */
function packageOf(path: string): PackageName {
  if (path.startsWith(`model/${MODEL_FILES.training}/`) || path.startsWith("training/")) return "training";
  const head = path.split("/")[0] as PackageName;
  return PACKAGES.includes(head) ? head : "release";
}

/** A verifier that cannot start (its directory is missing, say) is one finding, not a crash. */
async function guarded(label: string, work: () => Promise<Finding[]>): Promise<Finding[]> {
  try {
    return await work();
  } catch (error) {
    if (!isBinderyError(error)) throw error;
    return [finding(error.code, label, error.message)];
  }
}

const prefix = (p: string, list: Finding[]) => list.map((f) => ({ ...f, path: f.path.startsWith(`${p}/`) ? f.path : `${p}/${f.path}` }));

export async function verifyRelease(options: VerifyReleaseOptions): Promise<VerifyReleaseResult> {
  const release = options.release ?? false;
  const allowPlaceholders = options.allowPlaceholders ?? false;
  const findings: Finding[] = [];
  const checked = new Set<PackageName>(["dataset", "model", "training", "demo", "release"]);

  findings.push(...(await guarded("dataset", async () => prefix("dataset", (await verifyDataset({ dir: options.datasetDir, release, allowPlaceholders })).findings))));
  findings.push(...(await guarded("model", async () => prefix("model", (await verifyModel({ dir: options.modelDir, release, allowPlaceholders })).findings))));
  findings.push(...(await guarded("demo", async () => (await verifyDemo({ dir: options.demoDir, modelDir: options.modelDir, release })).findings)));
  if (options.paperDir) {
    checked.add("paper");
    findings.push(...(await guarded("paper", async () => (await verifyPaper({ ...options, paperDir: options.paperDir!, release, allowPlaceholders })).findings)));
  }
  if (options.revoked?.length) findings.push(...(await yankedFindings(options.modelDir, options.revoked)));
  if (options.runDir) findings.push(...(await guarded("training", () => runDirFindings(options.modelDir, options.runDir!))));
  const inputs: RootedIdentity[] = [];
  const cross = await guarded("release", async () => {
    const set = await readReleaseSet(options);
    const found = releaseSetFindings(set);
    if (set.run.exit_code !== 0) {
      found.push(finding("RUN_FAILED", `model/${MODEL_FILES.training}/${RUN_FILES.manifest}`, `the training run exited with code ${set.run.exit_code}.`, { field: "/exit_code" }));
    }
    if (options.releaseId && set.model.release_id !== options.releaseId) {
      found.push(finding("DISAGREEMENT", `model/${MODEL_FILES.package}`, `the model package is release ${set.model.release_id}, but the config names release ${options.releaseId}.`, { field: "/release_id" }));
    }
    if (options.version && set.model.version !== options.version) {
      found.push(finding("DISAGREEMENT", `model/${MODEL_FILES.package}`, `the model package is version ${set.model.version}, but the config names version ${options.version}.`, { field: "/version" }));
    }
    inputs.push(...set.cited);
    return found;
  });
  // A set that cannot be read is already a finding of the package verifier that read the same
  // file; the skipped cross-checks are then a warning, not a second error for the same problem.
  const unread = cross.length === 1 && cross[0]!.path === "release";
  const alreadyFailed = unread && findings.some((f) => f.severity === "error" && cross[0]!.message.includes(f.path));
  findings.push(
    ...(unread && alreadyFailed
      ? [{ ...cross[0]!, severity: "warning" as const, message: `the cross-checks between packages were not run: ${cross[0]!.message}` }]
      : notFoundYet(cross, findings)),
  );

  const all = uniqueFindings(findings).map((f) => ({ ...f, package: packageOf(f.path) }));
  const packages = PACKAGES.map((name) => {
    const own = all.filter((f) => f.package === name);
    return { package: name, ok: verdictOf(own).ok, checked: checked.has(name) || own.length > 0, findings: own };
  });
  return { ok: verdictOf(all).ok, packages, findings: all, inputs };
}

/**
 * A package verifier and the cross-checks can reach one condition by two routes (a stale eval
 * report, a package naming another model): a cross-check finding with the code, file and field of
 * a package verifier's finding is that finding again, and is left out.
 */
function notFoundYet(cross: readonly Finding[], found: readonly Finding[]): Finding[] {
  const key = (f: Finding) => `${f.code}\u0000${f.path}\u0000${f.field ?? ""}`;
  const seen = new Set(found.map(key));
  return cross.filter((f) => !seen.has(key(f)));
}

/** The model's id (sha256 of its manifest.json) looked up in a revocation list. */
async function yankedFindings(modelDir: string, revoked: readonly Revocation[]): Promise<Finding[]> {
  const file = join(modelDir, MANIFEST_FILE);
  if (!existsSync(file)) return []; // the model verifier names a missing manifest
  const modelId = createHash("sha256").update(await readFile(file)).digest("hex");
  const hit = revoked.find((r) => r.model_id === modelId);
  if (!hit) return [];
  return [warning("MODEL_YANKED", `model/${MANIFEST_FILE}`, `model id ${modelId} (${hit.release_id}) was yanked on ${hit.date}: ${hit.reason}${hit.upgrade_to ? `; upgrade to ${hit.upgrade_to}` : ""}. Its bytes still verify against its manifest.`)];
}

/** The run directory: its own checksum file, and the model package's copies of its evidence. */
async function runDirFindings(modelDir: string, runDir: string): Promise<Finding[]> {
  const sums = await verifyChecksums({ dir: runDir, sums: join(runDir, RUN_FILES.sums) });
  const found = prefix("training", sums.findings);
  for (const name of TRAINING_EVIDENCE) {
    const copy = join(modelDir, MODEL_FILES.training, name);
    const original = join(runDir, name);
    if (!existsSync(copy) || !existsSync(original)) continue; // named by the model and checksum checks
    if (!(await readFile(copy)).equals(await readFile(original))) {
      found.push(finding("DISAGREEMENT", `model/${MODEL_FILES.training}/${name}`, `model/${MODEL_FILES.training}/${name} differs from ${name} in the training run directory: the model package holds another run's evidence.`));
    }
  }
  return found;
}

export const releaseVerifyReport = defineReport({
  name: "release_verify_report.json",
  generatedBy: "bindery verify",
  schemaVersion: "1.0.0",
  claimBoundary: "Checks the release's packages against their bytes and each other on this machine; it does not check what was published.",
  body: {
    release: z.boolean().describe("Verified as a release (--release): no fixture evidence, provenance reports required"),
    ...decisionShape,
    findings: z.array(findingSchema.extend({ package: z.enum(PACKAGES) })),
  },
});

/** One check row per package verified: ok, or how many problems of which codes. */
export function releaseChecks(result: VerifyReleaseResult): CheckRow[] {
  return result.packages
    .filter((p) => p.checked)
    .map((p) => {
      const errors = p.findings.filter((f) => f.severity === "error");
      const codes = [...new Set(errors.map((f) => f.code))];
      return {
        id: p.package,
        ok: p.ok,
        detail: p.ok ? `${p.package}: no problem found.` : `${p.package}: ${errors.length} problem${errors.length === 1 ? "" : "s"} (${codes.join(", ")}).`,
        issue_refs: codes,
      };
    });
}

export function buildReleaseReport(result: VerifyReleaseResult, options: { release: boolean; env?: NodeJS.ProcessEnv }) {
  return buildReport(releaseVerifyReport, {
    inputs: result.inputs,
    body: { release: options.release, ...decide(releaseChecks(result)), findings: result.findings },
    ...(options.env ? { env: options.env } : {}),
  });
}
