/**
 * The release set: the model, dataset and demo packages read together, and the facts that must
 * agree across them (one release id, one model id, one dataset snapshot, one commit). The paper
 * draft refuses a set that disagrees; `bindery verify` lists every disagreement.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { DATASET_FILES, datasetPackageReport, type DatasetPackage } from "../dataset/schema.js";
import { DEMO_FILES, terminalDemoManifest, type TerminalDemoManifest } from "../demo/schema.js";
import { summarizeRecords, describeSummary } from "../demo/summary.js";
import { readReport } from "../evidence/envelope.js";
import { inputError, isBinderyError, type Finding } from "../evidence/errors.js";
import { identityOfBytes, type RootedIdentity } from "../evidence/identity.js";
import { finding } from "../evidence/rules/engine.js";
import { evalMetricsReport, renderEvalReport, type EvalMetrics } from "../eval/aggregate.js";
import { MANIFEST_FILE } from "../model/manifest.js";
import { MODEL_FILES, modelPackageReport, type ModelPackage } from "../model/package.js";
import { RUN_FILES, runManifest, type RunManifest } from "../training/schema.js";

export interface ReleaseDirs {
  modelDir: string;
  datasetDir: string;
  demoDir: string;
}

export interface ReleaseSet {
  model: ModelPackage;
  modelId: string;
  metrics: EvalMetrics;
  evalReport: string;
  run: RunManifest;
  dataset: DatasetPackage;
  /** sha256 of dataset_snapshot_report.json, the id training and evaluation name; null without one. */
  snapshotId: string | null;
  demo: TerminalDemoManifest;
  /** Identities of every evidence file a paper cites, by package. */
  cited: RootedIdentity[];
}

/** The evidence files a paper cites, per package, when present. */
export const CITED_FILES = {
  model: [MODEL_FILES.package, MANIFEST_FILE, MODEL_FILES.evalMetrics, MODEL_FILES.evalReport, MODEL_FILES.efficiency, MODEL_FILES.card, "SHA256SUMS"],
  dataset: [DATASET_FILES.package, DATASET_FILES.manifest, DATASET_FILES.integrity, DATASET_FILES.card, DATASET_FILES.snapshot, DATASET_FILES.inputCheck, DATASET_FILES.sums],
  demo: [DEMO_FILES.manifest, DEMO_FILES.preflight, DEMO_FILES.transcript, DEMO_FILES.sums],
} as const;

async function bytesOf(file: string, shown: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    throw inputError(error, shown);
  }
}

/** Reads the three packages' evidence; a missing or malformed file is an input error (exit 3). */
export async function readReleaseSet(dirs: ReleaseDirs): Promise<ReleaseSet> {
  const model = await readReport(modelPackageReport, join(dirs.modelDir, MODEL_FILES.package), `model/${MODEL_FILES.package}`);
  const manifestBytes = await bytesOf(join(dirs.modelDir, MANIFEST_FILE), `model/${MANIFEST_FILE}`);
  const metrics = await readReport(evalMetricsReport, join(dirs.modelDir, MODEL_FILES.evalMetrics), `model/${MODEL_FILES.evalMetrics}`);
  const evalReport = (await bytesOf(join(dirs.modelDir, MODEL_FILES.evalReport), `model/${MODEL_FILES.evalReport}`)).toString("utf8");
  const run = await readReport(runManifest, join(dirs.modelDir, MODEL_FILES.training, RUN_FILES.manifest), `model/${MODEL_FILES.training}/${RUN_FILES.manifest}`);
  const dataset = await readReport(datasetPackageReport, join(dirs.datasetDir, DATASET_FILES.package), `dataset/${DATASET_FILES.package}`);
  const snapshotPath = join(dirs.datasetDir, DATASET_FILES.snapshot);
  const snapshotId = existsSync(snapshotPath) ? identityOfBytes(DATASET_FILES.snapshot, await bytesOf(snapshotPath, `dataset/${DATASET_FILES.snapshot}`)).sha256 : null;
  const demo = await readReport(terminalDemoManifest, join(dirs.demoDir, DEMO_FILES.manifest), `demo/${DEMO_FILES.manifest}`);

  const cited: RootedIdentity[] = [];
  const roots = { model: dirs.modelDir, dataset: dirs.datasetDir, demo: dirs.demoDir } as const;
  for (const root of ["model", "dataset", "demo"] as const) {
    for (const name of CITED_FILES[root]) {
      const file = join(roots[root], name);
      if (root === "dataset" && !existsSync(file)) continue;
      cited.push({ ...identityOfBytes(name, await bytesOf(file, `${root}/${name}`)), root });
    }
  }
  return {
    model: model.value,
    modelId: identityOfBytes(MANIFEST_FILE, manifestBytes).sha256,
    metrics: metrics.value,
    evalReport,
    run: run.value,
    dataset: dataset.value,
    snapshotId,
    demo: demo.value,
    cited,
  };
}

/**
 * What must agree across the set, each disagreement a finding on the file that is out of step:
 * the release id, the model the demo ran and the evaluation scored, the dataset snapshot the run
 * read and the evaluation used, the commit, and the eval report as the render of its metrics.
 */
export function releaseSetFindings(set: ReleaseSet): Finding[] {
  const findings: Finding[] = [];
  const disagree = (path: string, field: string, message: string) => findings.push(finding("DISAGREEMENT", path, message, { field }));
  const release = set.model.release_id;
  if (set.modelId !== set.model.model_id) disagree(`model/${MODEL_FILES.package}`, "/model_id", `model/${MODEL_FILES.package} names model ${set.model.model_id}, but model/${MANIFEST_FILE} is model ${set.modelId}.`);
  if (set.demo.model.model_id !== set.modelId) disagree(`demo/${DEMO_FILES.manifest}`, "/model/model_id", `the demo ran model ${set.demo.model.model_id}, but the model package is model ${set.modelId}: the demo did not run the packaged model.`);
  if (set.demo.model.release_id !== release) disagree(`demo/${DEMO_FILES.manifest}`, "/model/release_id", `the demo is of release ${set.demo.model.release_id}, but the model package is ${release}.`);
  if (set.metrics.release_id !== release) disagree(`model/${MODEL_FILES.evalMetrics}`, "/release_id", `model/${MODEL_FILES.evalMetrics} is for release ${set.metrics.release_id}, but the model package is ${release}.`);
  if (set.snapshotId === null) {
    findings.push(finding("MISSING_EVIDENCE", `dataset/${DATASET_FILES.snapshot}`, `the dataset package has no ${DATASET_FILES.snapshot}, so the snapshot the model was trained on cannot be matched to it.`));
  } else {
    if (set.run.dataset.snapshot_id !== set.snapshotId) {
      disagree(`model/${MODEL_FILES.training}/${RUN_FILES.manifest}`, "/dataset/snapshot_id", `the training run read dataset snapshot ${set.run.dataset.snapshot_id ?? "none"}, but the dataset package is snapshot ${set.snapshotId}: the run did not read the packaged dataset.`);
    }
    if (set.model.dataset_snapshot !== set.snapshotId) {
      disagree(`model/${MODEL_FILES.package}`, "/dataset_snapshot", `model/${MODEL_FILES.package} names dataset snapshot ${set.model.dataset_snapshot}, but the dataset package is snapshot ${set.snapshotId}.`);
    }
  }
  if (set.run.commit?.sha !== set.model.commit) {
    disagree(`model/${MODEL_FILES.training}/${RUN_FILES.manifest}`, "/commit", `the training run was made from commit ${set.run.commit?.sha ?? "none"}, but the model package names commit ${set.model.commit}.`);
  }
  if (set.evalReport !== renderEvalReport(set.metrics)) {
    findings.push(finding("STALE_RENDER", `model/${MODEL_FILES.evalReport}`, `model/${MODEL_FILES.evalReport} is not the render of ${MODEL_FILES.evalMetrics}; re-run \`bindery eval report\`.`));
  }
  return findings;
}

/**
 * The demo's recorded files against the files as they are now: each input's and output's identity
 * and record summary (a changed row shows as a new sha256; a dropped row also as a new count).
 */
export async function demoFileFindings(demoDir: string, demo: TerminalDemoManifest, prefix = ""): Promise<Finding[]> {
  const findings: Finding[] = [];
  const entries = [
    ...demo.input_files.map((f, i) => ({ kind: "input", field: `/input_files/${i}`, name: f.name, file: f.file, summary: f.summary })),
    ...demo.output_files.flatMap((f, i) => (f.file ? [{ kind: "output", field: `/output_files/${i}`, name: f.name, file: f.file, summary: f.summary }] : [])),
  ];
  for (const entry of entries) {
    const abs = join(demoDir, entry.file.path);
    if (!existsSync(abs)) continue; // the checksum and identity rules name a missing file
    let now;
    try {
      now = await summarizeRecords(abs, entry.file.path);
    } catch (error) {
      if (!isBinderyError(error)) throw error;
      findings.push(finding(error.code, `${prefix}${entry.file.path}`, error.message));
      continue;
    }
    if (JSON.stringify(now) !== JSON.stringify(entry.summary)) {
      findings.push(
        finding(
          "DISAGREEMENT",
          `${prefix}${DEMO_FILES.manifest}`,
          `the ${entry.kind} summary of ${entry.name} (${describeSummary(entry.summary)}) no longer matches ${entry.file.path} (${describeSummary(now)}).`,
          { field: `${entry.field}/summary` },
        ),
      );
    }
  }
  return findings;
}
