/**
 * `bindery model package`: binds the weights (manifest.json, the model id), the training run
 * that produced them, the evaluation and the efficiency evidence into one checksummed package:
 * `model_package.json`, `model_card.md` (a Hugging Face model card whose `model-index` comes from
 * `eval_metrics.json`) and `SHA256SUMS`. The training evidence is copied in, so the package stands
 * alone. Evidence that does not agree is refused before anything is written.
 */
import { copyFile, mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { stringify as stringifyYaml } from "yaml";
import { z } from "zod";
import { SEMVER } from "../evidence/artifact.js";
import { defineAuthorInput } from "../evidence/author-input.js";
import { prettyJson } from "../evidence/canonical-json.js";
import { buildReport, defineReport, readReport } from "../evidence/envelope.js";
import { writeFileAtomic } from "../evidence/atomic.js";
import { inputError, type Finding } from "../evidence/errors.js";
import { identityOfBytes, identitySchema, sha256HexSchema, type Identity } from "../evidence/identity.js";
import { finding } from "../evidence/rules/engine.js";
import { writeChecksums } from "../evidence/seal.js";
import { evalMetricsReport, formatMetric, renderEvalReport, type EvalMetrics } from "../eval/aggregate.js";
import { efficiencyReport, type EfficiencyReport } from "../eval/efficiency.js";
import { RUN_FILES, runManifest, type RunManifest } from "../training/schema.js";
import { MANIFEST_FILE, modelManifest, type ModelManifest } from "./manifest.js";
import { parseArtifact } from "../evidence/artifact.js";

export const MODEL_FILES = {
  package: "model_package.json",
  card: "model_card.md",
  evalMetrics: "eval_metrics.json",
  evalReport: "eval_report.md",
  efficiency: "efficiency_report.json",
  training: "training",
} as const;

/** The training evidence copied into the package, under `training/`. */
export const TRAINING_EVIDENCE = [RUN_FILES.manifest, RUN_FILES.card, RUN_FILES.preflight, RUN_FILES.sums] as const;

export const modelMetadataSchema = z
  .strictObject({
    kind: z.literal("bindery/model-metadata"),
    release_id: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]*-v\d+\.\d+\.\d+(?:-[0-9a-z.]+)?-r\d+$/, "must look like name-v0.1.0-r1")
      .describe("The release this model is part of, e.g. lines-v0.1.0-r1"),
    version: z.string().regex(SEMVER, "must be a semver version"),
    pretty_name: z.string().min(1).optional(),
    description: z.string().min(1),
    license: z.string().regex(/^[a-z0-9][a-z0-9.+-]*$/, "must be a lowercase license id such as apache-2.0"),
    base_model: z.string().min(1).optional().describe("The Hub id of the base model"),
    datasets: z.array(z.string().min(1)).min(1).describe("Hub ids of the training and evaluation datasets"),
    task: z.strictObject({ type: z.string().min(1), name: z.string().min(1).optional() }).describe("For model-index, e.g. {type: tabular-regression}"),
    tags: z.array(z.string().min(1)).optional(),
    library_name: z.string().min(1).optional(),
    pipeline_tag: z.string().min(1).optional(),
  })
  .describe("bindery/model-metadata: what a model package says about the model");
export type ModelMetadata = z.output<typeof modelMetadataSchema>;
export const modelMetadata = defineAuthorInput("bindery/model-metadata", modelMetadataSchema);

/**
 * The model-card metadata keys bindery writes, as the Hub documents them (model cards: "model card
 * metadata" and "model-index"): license, datasets, base_model, tags, library_name, pipeline_tag and
 * model-index results of task, dataset and metrics.
 */
export const hubModelCardMetadataSchema = z.strictObject({
  license: z.string().min(1),
  datasets: z.array(z.string().min(1)).optional(),
  base_model: z.union([z.string().min(1), z.array(z.string().min(1))]).optional(),
  tags: z.array(z.string()).optional(),
  library_name: z.string().optional(),
  pipeline_tag: z.string().optional(),
  "model-index": z
    .array(
      z.strictObject({
        name: z.string().min(1),
        results: z.array(
          z.strictObject({
            task: z.strictObject({ type: z.string().min(1), name: z.string().optional() }),
            dataset: z.strictObject({ type: z.string().min(1), name: z.string().min(1), config: z.string().optional(), split: z.string().optional(), revision: z.string().optional() }),
            metrics: z.array(z.strictObject({ type: z.string().min(1), value: z.union([z.number(), z.string()]), name: z.string().optional(), verified: z.boolean().optional() })).min(1),
          }),
        ),
      }),
    )
    .optional(),
});

export const modelPackageReport = defineReport({
  name: MODEL_FILES.package,
  generatedBy: "bindery model package",
  schemaVersion: "1.0.0",
  claimBoundary:
    "Binds the weights to the run that produced them and to their evaluation and efficiency evidence by identity; it does not re-run training, evaluation or benchmarks.",
  body: {
    release_id: z.string(),
    version: z.string(),
    model_id: sha256HexSchema,
    dataset_snapshot: sha256HexSchema,
    commit: z.string(),
    metadata: modelMetadataSchema.omit({ kind: true }),
    manifest: identitySchema,
    eval_metrics: identitySchema,
    eval_report: identitySchema,
    efficiency_report: identitySchema,
    training: z.object({ run_id: z.string(), files: z.array(identitySchema) }),
  },
});
export type ModelPackage = z.output<typeof modelPackageReport.schema>;

export interface PackageModelOptions {
  modelDir: string;
  runDir: string;
  metadata: ModelMetadata;
  env?: NodeJS.ProcessEnv;
}

async function bytesOf(file: string, shown: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    throw inputError(error, shown);
  }
}

/** The cross-checks model package runs before writing (and model verify re-runs). */
export function modelEvidenceFindings(e: {
  metadata: Pick<ModelMetadata, "release_id">;
  modelId: string;
  manifest: ModelManifest;
  evalMetrics: EvalMetrics;
  evalReportText: string;
  efficiency: EfficiencyReport;
  run: RunManifest;
}): Finding[] {
  const findings: Finding[] = [];
  const disagree = (path: string, message: string, field: string) => findings.push(finding("DISAGREEMENT", path, message, { field }));
  if (e.evalMetrics.model_id !== e.modelId) disagree(MODEL_FILES.evalMetrics, `${MODEL_FILES.evalMetrics} evaluated model ${e.evalMetrics.model_id}, but ${MANIFEST_FILE} is model ${e.modelId}.`, "/model_id");
  if (e.efficiency.model_id !== e.modelId) disagree(MODEL_FILES.efficiency, `${MODEL_FILES.efficiency} measured model ${e.efficiency.model_id}, but ${MANIFEST_FILE} is model ${e.modelId}.`, "/model_id");
  if (e.evalMetrics.release_id !== e.metadata.release_id) disagree(MODEL_FILES.evalMetrics, `${MODEL_FILES.evalMetrics} is for release ${e.evalMetrics.release_id}, but the package is ${e.metadata.release_id}.`, "/release_id");
  if (e.efficiency.release_id !== null && e.efficiency.release_id !== e.metadata.release_id) {
    disagree(MODEL_FILES.efficiency, `${MODEL_FILES.efficiency} is for release ${e.efficiency.release_id}, but the package is ${e.metadata.release_id}.`, "/release_id");
  }
  if (e.evalMetrics.dataset_snapshot !== e.run.dataset.snapshot_id) {
    disagree(MODEL_FILES.evalMetrics, `${MODEL_FILES.evalMetrics} names dataset snapshot ${e.evalMetrics.dataset_snapshot}, but the training run used ${e.run.dataset.snapshot_id ?? "none"}.`, "/dataset_snapshot");
  }
  if (e.evalMetrics.commit !== e.run.commit?.sha) {
    disagree(MODEL_FILES.evalMetrics, `${MODEL_FILES.evalMetrics} names commit ${e.evalMetrics.commit}, but the training run was made from ${e.run.commit?.sha ?? "no commit"}.`, "/commit");
  }
  // The weights must be bytes the run produced.
  const produced = new Set([...e.run.outputs, ...e.run.checkpoints].map((f) => f.sha256));
  for (const file of e.manifest.files.filter((f) => f.role === "weights")) {
    if (!produced.has(file.sha256)) {
      disagree(MANIFEST_FILE, `${file.path} (sha256 ${file.sha256}) is not among the outputs of training run ${e.run.run_id}: the training evidence is from another run.`, "/files");
    }
  }
  if (e.evalReportText !== renderEvalReport(e.evalMetrics)) {
    findings.push(finding("STALE_RENDER", MODEL_FILES.evalReport, `${MODEL_FILES.evalReport} is not the render of ${MODEL_FILES.evalMetrics}; re-run \`bindery eval report\`.`));
  }
  return findings;
}

export async function packageModel(options: PackageModelOptions): Promise<{ ok: boolean; findings: Finding[]; package?: ModelPackage; files?: Identity[] }> {
  const { modelDir, runDir, metadata } = options;
  const manifestBytes = await bytesOf(join(modelDir, MANIFEST_FILE), join(modelDir, MANIFEST_FILE));
  const manifest = parseArtifact(modelManifest, JSON.parse(manifestBytes.toString("utf8")), MANIFEST_FILE);
  const modelId = identityOfBytes(MANIFEST_FILE, manifestBytes).sha256;
  const evalMetrics = await readReport(evalMetricsReport, join(modelDir, MODEL_FILES.evalMetrics), MODEL_FILES.evalMetrics);
  const evalReportBytes = await bytesOf(join(modelDir, MODEL_FILES.evalReport), MODEL_FILES.evalReport);
  const efficiency = await readReport(efficiencyReport, join(modelDir, MODEL_FILES.efficiency), MODEL_FILES.efficiency);
  const run = await readReport(runManifest, join(runDir, RUN_FILES.manifest), RUN_FILES.manifest);
  const findings = modelEvidenceFindings({
    metadata,
    modelId,
    manifest,
    evalMetrics: evalMetrics.value,
    evalReportText: evalReportBytes.toString("utf8"),
    efficiency: efficiency.value,
    run: run.value,
  });
  if (findings.length > 0) return { ok: false, findings };

  await mkdir(join(modelDir, MODEL_FILES.training), { recursive: true });
  const training: Identity[] = [];
  for (const name of TRAINING_EVIDENCE) {
    const bytes = await bytesOf(join(runDir, name), join(runDir, name));
    await copyFile(join(runDir, name), join(modelDir, MODEL_FILES.training, name));
    training.push(identityOfBytes(`${MODEL_FILES.training}/${name}`, bytes));
  }
  const { kind: _kind, ...described } = metadata;
  const pkg = buildReport(modelPackageReport, {
    inputs: [identityOfBytes(MANIFEST_FILE, manifestBytes), identityOfBytes(MODEL_FILES.evalMetrics, evalMetrics.bytes), identityOfBytes(MODEL_FILES.efficiency, efficiency.bytes), ...training],
    body: {
      release_id: metadata.release_id,
      version: metadata.version,
      model_id: modelId,
      dataset_snapshot: evalMetrics.value.dataset_snapshot,
      commit: evalMetrics.value.commit,
      metadata: described,
      manifest: identityOfBytes(MANIFEST_FILE, manifestBytes),
      eval_metrics: identityOfBytes(MODEL_FILES.evalMetrics, evalMetrics.bytes),
      eval_report: identityOfBytes(MODEL_FILES.evalReport, evalReportBytes),
      efficiency_report: identityOfBytes(MODEL_FILES.efficiency, efficiency.bytes),
      training: { run_id: run.value.run_id, files: training },
    },
    ...(options.env ? { env: options.env } : {}),
  });
  await writeFileAtomic(join(modelDir, MODEL_FILES.package), prettyJson(pkg));
  await writeFileAtomic(join(modelDir, MODEL_FILES.card), renderModelCard(pkg, manifest, evalMetrics.value, efficiency.value));
  const sums = await writeChecksums({ dir: modelDir });
  return { ok: true, findings: [], package: pkg, files: sums.files };
}

/** The card's front matter: the Hub's model-card metadata, model-index from the evaluation. */
export function modelCardMetadata(pkg: ModelPackage, metrics: EvalMetrics): z.infer<typeof hubModelCardMetadataSchema> {
  const m = pkg.metadata;
  const splits = [...new Set(metrics.rows.map((r) => r.split))];
  return {
    license: m.license,
    datasets: m.datasets,
    ...(m.base_model ? { base_model: m.base_model } : {}),
    ...(m.tags ? { tags: m.tags } : {}),
    ...(m.library_name ? { library_name: m.library_name } : {}),
    ...(m.pipeline_tag ? { pipeline_tag: m.pipeline_tag } : {}),
    "model-index": [
      {
        name: pkg.release_id,
        results: splits.map((split) => ({
          task: { type: m.task.type, ...(m.task.name ? { name: m.task.name } : {}) },
          dataset: { type: m.datasets[0]!, name: m.datasets[0]!, split },
          metrics: metrics.rows.filter((r) => r.split === split).map((r) => ({ type: r.name, value: r.value, name: r.name })),
        })),
      },
    ],
  };
}

/** model_card.md: a pure function of model_package.json, manifest.json, eval_metrics.json and efficiency_report.json. */
export function renderModelCard(pkg: ModelPackage, manifest: ModelManifest, metrics: EvalMetrics, efficiency: EfficiencyReport): string {
  const m = pkg.metadata;
  const front = stringifyYaml(modelCardMetadata(pkg, metrics), { lineWidth: 0 }).trimEnd();
  const weights = manifest.files.filter((f) => f.role === "weights");
  const lines = [
    "---",
    front,
    "---",
    "",
    "<!-- Generated by bindery model package from model_package.json, manifest.json, eval_metrics.json and efficiency_report.json. Do not edit. -->",
    "",
    `# ${m.pretty_name ?? pkg.release_id}`,
    "",
    m.description.trim(),
    "",
    `- Release: \`${pkg.release_id}\` (version ${pkg.version})`,
    `- Model id: \`${pkg.model_id}\` (sha256 of \`manifest.json\`)`,
    `- Training run: \`${pkg.training.run_id}\`, commit \`${pkg.commit}\``,
    `- Dataset snapshot: \`${pkg.dataset_snapshot}\``,
    ...(m.base_model ? [`- Base model: ${m.base_model}`] : []),
    "",
    "## Evaluation",
    "",
    "| Metric | Split | Value | Interval | Baseline | Delta |",
    "|---|---|---:|---|---|---:|",
    ...metrics.rows.map(
      (r) =>
        `| ${r.name} | ${r.split} | ${formatMetric(r.value)} | ${r.ci_low === undefined ? "" : `[${formatMetric(r.ci_low)}, ${formatMetric(r.ci_high!)}]`} | ${r.baseline ?? ""} | ${r.delta_vs_baseline === undefined ? "" : formatMetric(r.delta_vs_baseline)} |`,
    ),
    "",
    "Negative findings:",
    "",
    ...metrics.negative_findings.map((f) => `- ${f}`),
    "",
    "## Efficiency",
    "",
    `- Latency (single item): p50 ${efficiency.latency_ms.p50} ms, p95 ${efficiency.latency_ms.p95} ms`,
    `- Throughput: ${efficiency.throughput.items_per_second} items/s at batch ${efficiency.throughput.batch_size}`,
    `- Peak memory: ${efficiency.peak_memory_bytes} bytes`,
    `- Hardware: ${efficiency.hardware}; runtime: ${efficiency.runtime}`,
    ...efficiency.limitations.map((l) => `- Limitation: ${l}`),
    "",
    "## Files",
    "",
    ...weights.map((f) => `- \`${f.path}\`: ${f.size} bytes, sha256 \`${f.sha256}\``),
    ...(manifest.merkle_root ? [`- ${manifest.shards!.length} shards under \`shards/\`, Merkle root \`${manifest.merkle_root}\``] : []),
    "- Checksums: `SHA256SUMS` (verify with `sha256sum -c SHA256SUMS`)",
  ];
  return `${lines.join("\n")}\n`;
}
