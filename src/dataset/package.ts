/**
 * `bindery dataset package`: turns a directory of data files plus metadata into a package:
 * split_integrity.json, dataset_manifest.json, dataset_package.json, data_card.md, croissant.json
 * and SHA256SUMS. Hashing (worker threads) and record parsing (this thread) run side by side, and
 * the finished package is verified before the command answers, so exit 0 means it verifies.
 */
import { join } from "node:path";
import { readArtifact } from "../evidence/artifact.js";
import { writeFileAtomic } from "../evidence/atomic.js";
import { prettyJson } from "../evidence/canonical-json.js";
import { buildReport, decide, readReport } from "../evidence/envelope.js";
import { BinderyError, isBinderyError, type Finding } from "../evidence/errors.js";
import { HashPool, hashFiles, type FileDigest, type HashOptions } from "../evidence/hashing.js";
import { identityOfBytes, type Identity } from "../evidence/identity.js";
import { sortByPath } from "../evidence/paths.js";
import { generatorProblem } from "../evidence/rules/generator.js";
import { formatSums } from "../evidence/sha256sums.js";
import { throwOnFindings, walkTree, type WalkedFile } from "../evidence/walk.js";
import { analyzeSplits, type SplitAnalysis } from "./integrity.js";
import { plannedSplits, type DatasetMetadata, type PlannedSplit } from "./inputs.js";
import { renderCroissant, renderDataCard, renderManifest } from "./render.js";
import {
  DATASET_FILES,
  datasetPackageReport,
  inputCheckReport,
  OWNED_NAMES,
  SNAPSHOT_GENERATOR,
  snapshotReport,
  splitIntegrityReport,
  type DatasetManifest,
  type DatasetPackage,
  type IntegrityParameters,
  type SplitIntegrity,
} from "./schema.js";
import { verifyDataset, type VerifyDatasetResult } from "./verify.js";

export interface PackageDatasetOptions extends HashOptions {
  /** The dataset directory: the payload, and the snapshot reports when there are any. */
  dir: string;
  metadata: DatasetMetadata;
  /** How to name the directory in messages (default: `dir`). */
  shown?: string;
  /** Accept placeholder wording (TODO, TBD, ...) in the metadata, as warnings, for a draft. */
  allowPlaceholders?: boolean;
  /** Digests already taken (e.g. by the snapshot), by path relative to `dir`. */
  known?: ReadonlyMap<string, FileDigest>;
  env?: NodeJS.ProcessEnv;
}

export interface PackageDatasetResult {
  dir: string;
  /** True when the package verifies (leakage within the limit, counts as declared, ...). */
  ok: boolean;
  findings: Finding[];
  package: DatasetPackage;
  integrity: SplitIntegrity;
  /** Every file SHA256SUMS lists. */
  files: Identity[];
}

export function integrityParameters(meta: DatasetMetadata): IntegrityParameters {
  return {
    key_fields: [...meta.key_fields],
    key_normalization: meta.key_normalization,
    label_field: meta.label_field ?? null,
    max_leakage: meta.max_leakage,
  };
}

export async function packageDataset(options: PackageDatasetOptions): Promise<PackageDatasetResult> {
  const { dir, metadata } = options;
  const splits = plannedSplits(metadata);
  const parameters = integrityParameters(metadata);
  const shown = options.shown ?? dir;
  const walked = throwOnFindings(walkTree(dir), shown);
  const { payload, reports } = classify(shown, walked, splits);

  const pool = options.pool ?? (options.concurrency === 1 ? undefined : HashPool.start(options.concurrency));
  let digests: Map<string, FileDigest>;
  let analysis: SplitAnalysis;
  try {
    const toHash = [...payload, ...reports].filter((f) => !options.known?.has(f.path));
    const hashing = hashFiles(
      toHash.map((f) => ({ path: f.abs, shown: f.path })),
      { ...(options.onProgress ? { onProgress: options.onProgress } : {}), ...(pool ? { pool } : { concurrency: 1 }) },
    );
    [analysis] = await Promise.all([analyzeSplits({ dir, parameters, splits }), hashing]);
    const hashed = await hashing;
    digests = new Map(options.known);
    toHash.forEach((f, i) => digests.set(f.path, hashed[i]!));
  } finally {
    if (pool && !options.pool) await pool.close();
  }
  const identity = (path: string): Identity => ({ path, ...digests.get(path)! });
  const reportIdentities = await readReports(dir, reports, identity);

  const dataset = { name: metadata.name, version: metadata.version };
  const payloadIdentities = payload.map((f) => identity(f.path));
  const integrity = buildReport(splitIntegrityReport, {
    inputs: payloadIdentities,
    body: { dataset, ...parameters, splits: analysis.splits, leakage: analysis.leakage, ...decide(analysis.checks) },
    ...(options.env ? { env: options.env } : {}),
  });
  const integrityText = prettyJson(integrity);

  const records = new Map(analysis.splits.flatMap((s) => s.files.map((f) => [f.path, f.records] as const)));
  const manifestFiles = splits.flatMap((s) =>
    s.files.map((f) => ({ ...identity(f.path), split: s.name, format: f.format, records: records.get(f.path)! })),
  );
  const manifestText = renderManifest(dataset, manifestFiles);
  const manifest = JSON.parse(manifestText) as DatasetManifest;

  const bytesOf = (split: PlannedSplit) => split.files.reduce((sum, f) => sum + digests.get(f.path)!.size, 0);
  const pkg = buildReport(datasetPackageReport, {
    inputs: [
      identityOfBytes(DATASET_FILES.manifest, manifestText),
      identityOfBytes(DATASET_FILES.integrity, integrityText),
      ...[reportIdentities.snapshot, reportIdentities.inputCheck].filter((i) => i !== null),
    ],
    body: {
      dataset: {
        ...dataset,
        pretty_name: metadata.pretty_name ?? metadata.name,
        description: metadata.description,
        license: metadata.license,
        citation: metadata.citation ?? null,
        homepage: metadata.homepage ?? null,
      },
      integrity: parameters,
      splits: splits.map((s, i) => ({
        name: s.name,
        declared_records: s.declared_records,
        files: s.files,
        records: analysis.splits[i]!.records,
        bytes: bytesOf(s),
      })),
      manifest: identityOfBytes(DATASET_FILES.manifest, manifestText),
      split_integrity: identityOfBytes(DATASET_FILES.integrity, integrityText),
      snapshot_report: reportIdentities.snapshot,
      input_check_report: reportIdentities.inputCheck,
    },
    ...(options.env ? { env: options.env } : {}),
  });
  const packageText = prettyJson(pkg);
  const generated: [string, string][] = [
    [DATASET_FILES.integrity, integrityText],
    [DATASET_FILES.manifest, manifestText],
    [DATASET_FILES.package, packageText],
    [DATASET_FILES.card, renderDataCard(pkg, integrity)],
    [DATASET_FILES.croissant, renderCroissant(pkg, manifest)],
  ];
  const files = sortByPath(
    [...payloadIdentities, ...reports.map((f) => identity(f.path)), ...generated.map(([name, text]) => identityOfBytes(name, text))],
    (f) => f.path,
  );
  const sums = formatSums(files);
  for (const [name, text] of generated) await writeFileAtomic(join(dir, name), text);
  await writeFileAtomic(join(dir, DATASET_FILES.sums), sums);

  const known = new Map(files.map((f) => [f.path, { sha256: f.sha256, size: f.size }]));
  const verdict: VerifyDatasetResult = await verifyDataset({
    dir,
    reuse: { digests: known, analysis },
    allowPlaceholders: options.allowPlaceholders ?? false,
    concurrency: 1,
  });
  return { dir, ok: verdict.ok, findings: verdict.findings, package: pkg, integrity, files };
}

/** Splits the directory into declared payload and snapshot reports; anything else is refused. */
function classify(dir: string, walked: readonly WalkedFile[], splits: readonly PlannedSplit[]) {
  const declared = new Set(splits.flatMap((s) => s.files.map((f) => f.path)));
  const present = new Map(walked.map((f) => [f.path, f]));
  const missing = [...declared].filter((path) => !present.has(path));
  if (missing.length > 0) {
    throw new BinderyError("INPUT_NOT_FOUND", `${dir} is missing ${listPaths(missing)}, which the metadata declares.`, {
      hint: "Check the file names under splits in the metadata.",
    });
  }
  const owned = new Set(OWNED_NAMES);
  const stray = walked.filter((f) => !declared.has(f.path) && !owned.has(f.path)).map((f) => f.path);
  if (stray.length > 0) {
    throw new BinderyError("INPUT_INVALID", `${dir} holds ${listPaths(stray)}, which the metadata does not declare in any split.`, {
      hint: "Every file of a package is declared (so SHA256SUMS and the manifest agree): add it to a split or move it out.",
    });
  }
  const payload = walked.filter((f) => declared.has(f.path));
  const reports = walked.filter((f) => f.path === DATASET_FILES.snapshot || f.path === DATASET_FILES.inputCheck);
  return { payload, reports };
}

/** Up to five paths, then how many more: for messages. */
export function listPaths(paths: readonly string[]): string {
  const shown = paths.slice(0, 5).join(", ");
  return paths.length > 5 ? `${shown} and ${paths.length - 5} more` : shown;
}

/** The snapshot reports in the directory, checked for schema and generator; their identities. */
async function readReports(dir: string, reports: readonly WalkedFile[], identity: (path: string) => Identity) {
  const found = { snapshot: null as Identity | null, inputCheck: null as Identity | null };
  for (const file of reports) {
    const isSnapshot = file.path === DATASET_FILES.snapshot;
    const { value } = isSnapshot
      ? await readArtifact(snapshotReport, join(dir, file.path), file.path)
      : await readArtifact(inputCheckReport, join(dir, file.path), file.path);
    const problem = generatorProblem(value, SNAPSHOT_GENERATOR);
    if (problem) throw new BinderyError("FOREIGN_GENERATOR", `${file.path}: ${problem}`, { exitCode: 3 });
    if (isSnapshot) found.snapshot = identity(file.path);
    else found.inputCheck = identity(file.path);
  }
  return found;
}

export interface DatasetIntegrityOptions extends HashOptions {
  dir: string;
  /** Key fields, label field and splits; without it, the package's own (dataset_package.json). */
  metadata?: DatasetMetadata;
  env?: NodeJS.ProcessEnv;
}

/**
 * `bindery dataset integrity`: the split integrity analysis of a dataset directory on its own,
 * with the parameters and splits of the metadata given or of the package already there.
 */
export async function datasetIntegrity(options: DatasetIntegrityOptions): Promise<SplitIntegrity> {
  const { dir } = options;
  let dataset: { name: string; version: string };
  let parameters: IntegrityParameters;
  let splits: PlannedSplit[];
  if (options.metadata) {
    dataset = { name: options.metadata.name, version: options.metadata.version };
    parameters = integrityParameters(options.metadata);
    splits = plannedSplits(options.metadata);
  } else {
    const { value } = await readReport(datasetPackageReport, join(dir, DATASET_FILES.package), join(dir, DATASET_FILES.package)).catch((error: unknown) => {
      if (isBinderyError(error) && error.code === "INPUT_NOT_FOUND") {
        throw new BinderyError("INPUT_NOT_FOUND", `${dir} has no ${DATASET_FILES.package} to take the key fields and splits from.`, {
          hint: "Pass --metadata with the dataset metadata.",
        });
      }
      // A foreign package file is this command's input, not evidence under verification: exit 3.
      if (isBinderyError(error)) throw new BinderyError(error.code, error.message, { exitCode: 3, cause: error });
      throw error;
    });
    dataset = { name: value.dataset.name, version: value.dataset.version };
    parameters = value.integrity;
    splits = value.splits.map((s) => ({ name: s.name, declared_records: s.declared_records, files: s.files }));
  }
  const paths = sortByPath(splits.flatMap((s) => s.files.map((f) => f.path)), (p) => p);
  const [analysis, digests] = await Promise.all([
    analyzeSplits({ dir, parameters, splits }),
    hashFiles(paths.map((path) => ({ path: join(dir, path), shown: path })), options),
  ]);
  return buildReport(splitIntegrityReport, {
    inputs: paths.map((path, i) => ({ path, ...digests[i]! })),
    body: { dataset, ...parameters, splits: analysis.splits, leakage: analysis.leakage, ...decide(analysis.checks) },
    ...(options.env ? { env: options.env } : {}),
  });
}
