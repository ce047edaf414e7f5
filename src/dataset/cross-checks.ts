/**
 * The dataset verifier's cross-checks between reports: split_integrity.json against the records
 * counted (or the analysis re-derived) now, and the snapshot report against the package, the
 * manifest and the input check.
 */
import type { z } from "zod";
import { canonicalJson } from "../evidence/canonical-json.js";
import { decide, type Envelope } from "../evidence/envelope.js";
import type { Finding } from "../evidence/errors.js";
import type { Identity } from "../evidence/identity.js";
import { finding } from "../evidence/rules/engine.js";
import { checkFindings, integrityChecks, type SplitAnalysis } from "./integrity.js";
import { DATASET_FILES, type DatasetManifest, type DatasetPackage, type inputCheckReport, type snapshotReport, type SplitIntegrity } from "./schema.js";

export interface DataRead {
  /** Records per payload file, counted now. */
  counts: Map<string, number>;
  /** The integrity analysis re-derived now (deep verification only). */
  analysis: SplitAnalysis | undefined;
}

/**
 * split_integrity.json against the data: its record counts against the counts taken now; then
 * its parameters (the package's), its inputs (the payload's identities) and its numbers and
 * decision against the analysis re-derived now (deep) or against its own numbers (otherwise).
 */
export function integrityFindings(p: DatasetPackage, recorded: SplitIntegrity, data: DataRead, payload: Identity[]): Finding[] {
  const path = DATASET_FILES.integrity;
  const findings: Finding[] = [];
  for (const split of recorded.splits) {
    const check = (name: string, claimed: number, actual: number | undefined) => {
      if (actual !== undefined && actual !== claimed) {
        findings.push(finding("COUNT_MISMATCH", path, `${path} says ${name} has ${claimed} records, but the data has ${actual}.`));
      }
    };
    const files = p.splits.find((s) => s.name === split.name)?.files ?? [];
    const total = files.every((f) => data.counts.has(f.path)) ? files.reduce((sum, f) => sum + data.counts.get(f.path)!, 0) : undefined;
    check(`split ${split.name}`, split.records, total);
    for (const file of split.files) check(file.path, file.records, data.counts.get(file.path));
  }
  if (findings.length > 0) return findings;
  const { analysis } = data;
  const splits = analysis?.splits ?? recorded.splits;
  const leakage = analysis?.leakage ?? recorded.leakage;
  const expected: Omit<SplitIntegrity, keyof Envelope | "dataset"> = {
    ...p.integrity,
    splits,
    leakage,
    ...decide(analysis?.checks ?? integrityChecks(p.integrity, splits, leakage)),
  };
  findings.push(...checkFindings(expected.checks));
  const differs = (Object.keys(expected) as (keyof typeof expected)[]).filter((key) => canonicalJson(recorded[key]) !== canonicalJson(expected[key]));
  if (canonicalJson(recorded.inputs) !== canonicalJson(payload)) differs.unshift("inputs" as never);
  if (differs.length > 0) {
    const against = analysis ? "the analysis re-derived from the data now" : "the package and its own numbers";
    const verb = differs.length === 1 ? "differs" : "differ";
    findings.push(finding("STALE_RENDER", path, `${path} no longer matches ${against}: ${differs.map((key) => `/${key}`).join(", ")} ${verb}.`, { field: `/${differs[0]}` }));
  }
  return findings;
}

export function snapshotFindings(
  p: DatasetPackage,
  snapshot: z.output<typeof snapshotReport.schema>,
  inputCheck: z.output<typeof inputCheckReport.schema> | undefined,
  manifest: DatasetManifest | undefined,
  identityOf: (path: string) => Identity | undefined,
): Finding[] {
  const path = DATASET_FILES.snapshot;
  const findings: Finding[] = [];
  const disagree = (field: string, message: string) => findings.push(finding("DISAGREEMENT", path, message, { field }));
  const show = (d: { name: string; version: string }) => `${d.name} ${d.version}`;
  if (snapshot.dataset.name !== p.dataset.name || snapshot.dataset.version !== p.dataset.version) {
    disagree("/dataset", `${path} is a snapshot of ${show(snapshot.dataset)}, but ${DATASET_FILES.package} packages ${show(p.dataset)}.`);
  }
  const actual = identityOf(snapshot.input_check_report.path);
  if (!actual) {
    findings.push(finding("MISSING_FILE", path, `${path} names ${snapshot.input_check_report.path}, which is missing.`, { field: "/input_check_report" }));
  } else if (actual.sha256 !== snapshot.input_check_report.sha256 || actual.size !== snapshot.input_check_report.size) {
    findings.push(finding("IDENTITY_MISMATCH", path, `${path} names an input check report with sha256 ${snapshot.input_check_report.sha256}, but ${actual.path} has ${actual.sha256}: the input check is stale.`, { field: "/input_check_report" }));
  }
  if (inputCheck) {
    if (inputCheck.spec_sha256 !== snapshot.spec_sha256) {
      disagree("/spec_sha256", `${path} was built from spec ${snapshot.spec_sha256}, but ${DATASET_FILES.inputCheck} checked the inputs of spec ${inputCheck.spec_sha256}.`);
    }
    const observed = new Map(inputCheck.sources.map((s) => [s.id, s.observed]));
    for (const source of snapshot.sources) {
      const seen = observed.get(source.id);
      if (!seen || seen.sha256 !== source.sha256 || seen.size !== source.size) {
        disagree("/sources", `${path} says source ${source.id} is ${source.sha256} (${source.size} bytes), but ${DATASET_FILES.inputCheck} observed ${seen ? `${seen.sha256} (${seen.size} bytes)` : "no such file"}.`);
      }
    }
  }
  if (manifest) {
    const built = canonicalJson([...snapshot.outputs].sort((a, b) => (a.path < b.path ? -1 : 1)));
    const packaged = canonicalJson(manifest.files.map((f) => ({ path: f.path, sha256: f.sha256, size: f.size })).sort((a, b) => (a.path < b.path ? -1 : 1)));
    if (built !== packaged) {
      disagree("/outputs", `${path} lists the files the build wrote, and they are not the payload ${DATASET_FILES.manifest} lists: the data changed after the snapshot.`);
    }
  }
  return findings;
}

