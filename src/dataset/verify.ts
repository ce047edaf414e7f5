/**
 * `bindery dataset verify`: everything a dataset package claims, checked against its bytes, with
 * every finding listed. One hashing pass covers SHA256SUMS and every identity; while the workers
 * hash, this thread recounts the records of every payload file, so split_integrity.json's counts
 * are checked against the data and its decision against its own numbers. Deep verification
 * (`--deep`, implied by `--release`) re-derives the whole analysis instead (every record parsed,
 * keys compared), so leakage, duplicates and balance are recomputed, never trusted.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { z } from "zod";
import { readEvidence, type ArtifactDefinition } from "../evidence/artifact.js";
import { isBinderyError, type Finding } from "../evidence/errors.js";
import { HashPool, hashFiles, type FileDigest, type HashOptions } from "../evidence/hashing.js";
import type { Identity } from "../evidence/identity.js";
import { sortByPath } from "../evidence/paths.js";
import {
  agreementRule,
  exactSetRule,
  finding,
  generatorRule,
  identityRule,
  placeholderRule,
  fixtureRule,
  publicTextRule,
  rerenderRule,
  runRules,
  uniqueFindings,
  verdictOf,
  type Rule,
  type Verdict,
} from "../evidence/rules/index.js";
import { verifyChecksums } from "../evidence/seal.js";
import { walkTree } from "../evidence/walk.js";
import { integrityFindings, snapshotFindings, type DataRead } from "./cross-checks.js";
import { analyzeSplits, type SplitAnalysis } from "./integrity.js";
import { countRecords } from "./records.js";
import type { PlannedSplit } from "./inputs.js";
import { renderCroissant, renderDataCard, renderManifest } from "./render.js";
import {
  DATASET_FILES,
  datasetManifest,
  datasetPackageReport,
  inputCheckReport,
  PACKAGE_OUTPUTS,
  snapshotReport,
  splitIntegrityReport,
  type DatasetManifest,
  type DatasetPackage,
} from "./schema.js";

export interface VerifyDatasetOptions extends HashOptions {
  dir: string;
  /** Require the snapshot and input-check reports (a release gate); implies `deep`. */
  release?: boolean;
  /**
   * Re-derive the whole integrity analysis from the data (parse every record) instead of
   * recounting records and checking split_integrity.json against its own numbers.
   */
  deep?: boolean;
  /** Placeholder wording (TODO, TBD, ...) in the metadata becomes a warning instead of an error. */
  allowPlaceholders?: boolean;
  /** Work already done this run (by `packageDataset`): digests by relative path, and the analysis. */
  reuse?: { digests: ReadonlyMap<string, FileDigest>; analysis?: SplitAnalysis };
}

export interface VerifyDatasetResult extends Verdict {
  dir: string;
  dataset: { name: string; version: string } | null;
  /** Files hashed (or reused), records counted, and whether the integrity analysis was re-derived. */
  checked: { files: number; records: number; deep: boolean };
  /** One row per area checked, for reports. */
  areas: { id: string; ok: boolean; findings: number; codes: string[] }[];
  /** The identity of every file in the directory, as hashed. */
  files: Identity[];
}

/** What a finding is about, for the per-area summary. */
const AREAS: readonly [string, (f: Finding) => boolean][] = [
  ["checksums", (f) => f.message.includes(DATASET_FILES.sums)],
  ["package", (f) => f.path === DATASET_FILES.package],
  ["manifest", (f) => f.path === DATASET_FILES.manifest],
  ["integrity", (f) => f.path === DATASET_FILES.integrity],
  ["card", (f) => f.path === DATASET_FILES.card],
  ["croissant", (f) => f.path === DATASET_FILES.croissant],
  ["snapshot", (f) => f.path === DATASET_FILES.snapshot],
  ["input-check", (f) => f.path === DATASET_FILES.inputCheck],
];
/** Findings no area above claims: the payload files, undeclared files, the walk. */
const OTHER_AREA = "files";

function areaOf(finding: Finding): string {
  return AREAS.find(([, about]) => about(finding))?.[0] ?? OTHER_AREA;
}


export async function verifyDataset(options: VerifyDatasetOptions): Promise<VerifyDatasetResult> {
  const { dir } = options;
  const findings: Finding[] = [];
  const walked = walkTree(dir);
  findings.push(...walked.findings);
  const present = new Map(walked.files.map((f) => [f.path, f]));
  const at = (path: string) => join(dir, path);

  // Only files the walk accepted are read (not a link out of the tree, not a special file).
  const load = <S extends z.ZodType>(path: string, definition: ArtifactDefinition<S>, required: boolean) =>
    readEvidence(definition, at(path), path, findings, { required, packageKind: "dataset package", exists: present.has(path) });

  const pkg = await load(DATASET_FILES.package, datasetPackageReport, true);
  const manifest = await load(DATASET_FILES.manifest, datasetManifest, true);
  const integrityRaw = await load(DATASET_FILES.integrity, splitIntegrityReport, true);
  const snapshot = await load(DATASET_FILES.snapshot, snapshotReport, false);
  const inputCheck = await load(DATASET_FILES.inputCheck, inputCheckReport, false);

  // One pass: workers hash every file while this thread counts (or, deep, re-analyzes) the records.
  const splits: PlannedSplit[] | undefined = pkg.value?.splits.map((s) => ({
    name: s.name,
    declared_records: s.declared_records,
    files: s.files,
  }));
  const payloadPresent = splits?.every((s) => s.files.every((f) => present.has(f.path))) ?? false;
  const deep = options.deep === true || options.release === true || options.reuse?.analysis !== undefined;
  const { digests, data } = await hashAndRead(options, walked.files, async () => {
    if (!pkg.value || !splits || !payloadPresent) return undefined;
    try {
      if (deep) {
        const analysis = options.reuse?.analysis ?? (await analyzeSplits({ dir, parameters: pkg.value.integrity, splits }));
        return { analysis, counts: new Map(analysis.splits.flatMap((s) => s.files.map((f) => [f.path, f.records] as const))) };
      }
      const counts = new Map<string, number>();
      for (const file of splits.flatMap((s) => s.files)) counts.set(file.path, await countRecords(at(file.path), file.format, { shown: file.path }));
      return { analysis: undefined, counts };
    } catch (error) {
      if (!isBinderyError(error)) throw error;
      findings.push(finding(error.code, DATASET_FILES.integrity, `the data cannot be read: ${error.message}`));
      return undefined;
    }
  });
  const known = new Map(walked.files.flatMap((f) => (digests.has(f.path) ? [[f.abs, digests.get(f.path)!] as const] : [])));
  const identityOf = (path: string): Identity | undefined => {
    const digest = digests.get(path);
    return digest ? { path, ...digest } : undefined;
  };

  // SHA256SUMS: format, exact set and bytes.
  try {
    const sums = await verifyChecksums({ dir, known, concurrency: 1 });
    findings.push(...sums.findings.filter((f) => !walked.findings.some((w) => w.path === f.path && w.code === f.code)));
  } catch (error) {
    if (!isBinderyError(error)) throw error;
    findings.push(finding("MISSING_FILE", DATASET_FILES.sums, `${DATASET_FILES.sums} is missing or unreadable: ${error.message}`));
  }

  const rules: Rule[] = [];
  const identityCheck = (expected: readonly Identity[], claimedBy: string) =>
    identityRule({ expected: expected.map((e) => ({ ...e, abs: at(e.path) })), known, claimedBy, concurrency: 1 });

  for (const [path, loaded, generator] of [
    [DATASET_FILES.package, pkg, datasetPackageReport.generatedBy],
    [DATASET_FILES.manifest, manifest, datasetManifest.schema.shape.generated_by.value],
    [DATASET_FILES.integrity, integrityRaw, splitIntegrityReport.generatedBy],
    [DATASET_FILES.snapshot, snapshot, snapshotReport.generatedBy],
    [DATASET_FILES.inputCheck, inputCheck, inputCheckReport.generatedBy],
  ] as const) {
    if (loaded.raw === undefined) continue;
    rules.push(generatorRule({ path, document: loaded.raw, expected: generator }), publicTextRule({ path, document: loaded.raw }));
  }
  checkKeysDeclared(integrityRaw.raw, findings);

  const p = pkg.value;
  if (p) {
    rules.push(placeholderRule({ path: DATASET_FILES.package, document: { dataset: p.dataset }, allowPlaceholders: options.allowPlaceholders ?? false }));
    const referenced = [p.manifest, p.split_integrity, p.snapshot_report, p.input_check_report].filter((i) => i !== null);
    rules.push(identityCheck(referenced, DATASET_FILES.package));
    if (options.release) {
      for (const [path, read] of [[DATASET_FILES.package, pkg], [DATASET_FILES.manifest, manifest], [DATASET_FILES.integrity, integrityRaw], [DATASET_FILES.snapshot, snapshot], [DATASET_FILES.inputCheck, inputCheck]] as const) {
        if (read.raw !== undefined) rules.push(fixtureRule({ path, document: read.raw }));
      }
      for (const [name, ref] of [
        [DATASET_FILES.snapshot, p.snapshot_report],
        [DATASET_FILES.inputCheck, p.input_check_report],
      ] as const) {
        if (ref === null) {
          findings.push(finding("MISSING_EVIDENCE", DATASET_FILES.package, `a release needs ${name}, but ${DATASET_FILES.package} references none; build the dataset with \`bindery dataset snapshot\`.`));
        }
      }
    }
    // The package's files: the payload, the package outputs and the reports it references.
    const payloadPaths = p.splits.flatMap((s) => s.files.map((f) => f.path));
    rules.push(
      exactSetRule({
        listing: `${DATASET_FILES.package} and its referenced reports`,
        listed: [...payloadPaths, ...PACKAGE_OUTPUTS, ...referenced.filter((r) => r.path !== DATASET_FILES.manifest && r.path !== DATASET_FILES.integrity).map((r) => r.path)],
        present: [...present.keys()],
      }),
    );
    if (manifest.value) rules.push(...manifestRules(p, manifest.value, data?.counts, at, identityCheck));
    if (integrityRaw.value) {
      rules.push(rerenderRule({ path: DATASET_FILES.card, abs: at(DATASET_FILES.card), render: () => renderDataCard(p, integrityRaw.value!) }));
    }
    if (manifest.value) {
      rules.push(rerenderRule({ path: DATASET_FILES.croissant, abs: at(DATASET_FILES.croissant), render: () => renderCroissant(p, manifest.value!) }));
    }
    if (integrityRaw.value && data) {
      const payload = sortByPath(payloadPaths.map(identityOf).filter((i) => i !== undefined), (i) => i.path);
      findings.push(...integrityFindings(p, integrityRaw.value, data, payload));
    }
    if (snapshot.value) findings.push(...snapshotFindings(p, snapshot.value, inputCheck.value, manifest.value, identityOf));
  }
  if (inputCheck.value && !inputCheck.value.ok) {
    findings.push(finding("REPORT_NOT_OK", DATASET_FILES.inputCheck, `${DATASET_FILES.inputCheck} records a failed input check: ${inputCheck.value.blockers.join(" ")}`, { field: "/ok" }));
  }
  const card = present.has(DATASET_FILES.card) ? (await readFile(at(DATASET_FILES.card))).toString("utf8") : undefined;
  if (card !== undefined) rules.push(publicTextRule({ path: DATASET_FILES.card, text: card }));

  findings.push(...(await runRules(rules)).findings);
  const verdict = verdictOf(uniqueFindings(findings));
  return {
    ...verdict,
    dir,
    dataset: p ? { name: p.dataset.name, version: p.dataset.version } : null,
    checked: { files: digests.size, records: [...(data?.counts.values() ?? [])].reduce((sum, n) => sum + n, 0), deep },
    areas: [...AREAS.map(([id]) => id), OTHER_AREA].map((id) => {
      const mine = verdict.findings.filter((f) => f.severity === "error" && areaOf(f) === id);
      return { id, ok: mine.length === 0, findings: mine.length, codes: [...new Set(mine.map((f) => f.code))].sort() };
    }),
    files: sortByPath([...digests.entries()].map(([path, digest]) => ({ path, ...digest })), (f) => f.path),
  };
}


async function hashAndRead(
  options: VerifyDatasetOptions,
  files: readonly { path: string; abs: string }[],
  read: () => Promise<DataRead | undefined>,
): Promise<{ digests: Map<string, FileDigest>; data: DataRead | undefined }> {
  const digests = new Map(options.reuse?.digests);
  const toHash = files.filter((f) => !digests.has(f.path));
  const pool = toHash.length > 0 && !options.pool && options.concurrency !== 1 ? HashPool.start(options.concurrency) : undefined;
  try {
    const hashing = hashFiles(
      toHash.map((f) => ({ path: f.abs, shown: f.path })),
      {
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        ...(options.pool ? { pool: options.pool } : pool ? { pool } : { concurrency: 1 }),
      },
    );
    const [data, hashed] = await Promise.all([read(), hashing]);
    toHash.forEach((f, i) => digests.set(f.path, hashed[i]!));
    return { digests, data };
  } finally {
    await pool?.close();
  }
}

/** An integrity file that names no key fields cannot show anything about leakage. */
function checkKeysDeclared(raw: unknown, findings: Finding[]): void {
  if (typeof raw !== "object" || raw === null) return;
  const fields = (raw as { key_fields?: unknown }).key_fields;
  if (Array.isArray(fields) && fields.length > 0) return;
  const path = DATASET_FILES.integrity;
  // Replace the schema finding this also raised with the specific one.
  const index = findings.findIndex((f) => f.path === path && f.code === "INPUT_INVALID");
  if (index >= 0) findings.splice(index, 1);
  findings.push(finding("NO_COMPARABLE_KEYS", path, `${path} names no key fields, so it cannot show that the splits do not leak.`, { field: "/key_fields" }));
}

function manifestRules(
  p: DatasetPackage,
  manifest: DatasetManifest,
  counted: ReadonlyMap<string, number> | undefined,
  at: (path: string) => string,
  identityCheck: (expected: readonly Identity[], claimedBy: string) => Rule,
): Rule[] {
  const rules: Rule[] = [identityCheck(manifest.files, DATASET_FILES.manifest)];
  // Re-rendered from the manifest's identities, the package's splits and the records counted now.
  const recorded = new Map(manifest.files.map((f) => [f.path, f]));
  const files = p.splits.flatMap((s) =>
    s.files.flatMap((f) => {
      const identity = recorded.get(f.path);
      if (!identity) return [];
      return [{ path: f.path, sha256: identity.sha256, size: identity.size, split: s.name, format: f.format, records: counted?.get(f.path) ?? identity.records }];
    }),
  );
  rules.push(rerenderRule({ path: DATASET_FILES.manifest, abs: at(DATASET_FILES.manifest), render: () => renderManifest(p.dataset, files) }));
  // The package's split summaries restate the manifest's numbers.
  rules.push(
    agreementRule({
      fact: "split record and byte totals",
      sources: [
        {
          path: DATASET_FILES.manifest,
          value: p.splits.map((s) => {
            const mine = s.files.flatMap((f) => recorded.get(f.path) ?? []);
            return { name: s.name, records: mine.reduce((n, f) => n + f.records, 0), bytes: mine.reduce((n, f) => n + f.size, 0) };
          }),
        },
        { path: DATASET_FILES.package, field: "/splits", value: p.splits.map((s) => ({ name: s.name, records: s.records, bytes: s.bytes })) },
      ],
    }),
  );
  return rules;
}

