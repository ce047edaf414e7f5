/**
 * `bindery model verify`: every check of a model package, re-run through the rule engine, with
 * every finding listed: SHA256SUMS, the manifest (files, shards, Merkle root, parity), the
 * identities model_package.json names, the agreement of the evaluation, efficiency and training
 * evidence, the evaluation's own rules, the eval report and the model card re-rendered, private
 * paths, placeholder wording, and (with --release) fixture evidence.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { z } from "zod";
import { readEvidence, type ArtifactDefinition } from "../evidence/artifact.js";
import { BinderyError, isBinderyError, type Finding } from "../evidence/errors.js";
import { finding, fixtureRule, generatorRule, identityRule, placeholderRule, publicTextRule, rerenderRule, runRules, uniqueFindings, verdictOf, type Rule, type Verdict } from "../evidence/rules/index.js";
import { verifyChecksums } from "../evidence/seal.js";
import { evalMetricsReport, metricsFindings } from "../eval/aggregate.js";
import { efficiencyReport } from "../eval/efficiency.js";
import { RUN_FILES, runManifest } from "../training/schema.js";
import { MANIFEST_FILE, modelManifest, verifyModelManifest } from "./manifest.js";
import { MODEL_FILES, modelEvidenceFindings, modelPackageReport, renderModelCard } from "./package.js";

export interface VerifyModelOptions {
  dir: string;
  /** A release gate: evidence marked as fixture evidence is refused. */
  release?: boolean;
  allowPlaceholders?: boolean;
}

export interface VerifyModelResult extends Verdict {
  modelId: string | undefined;
}

export async function verifyModel(options: VerifyModelOptions): Promise<VerifyModelResult> {
  const { dir } = options;
  if (!existsSync(dir)) throw new BinderyError("INPUT_NOT_FOUND", `directory ${dir} does not exist.`);
  const findings: Finding[] = [];
  const rules: Rule[] = [];
  const documents: { path: string; raw: unknown }[] = [];

  /** Reads one artifact (missing or malformed is a finding) and checks its generator. */
  const load = async <S extends z.ZodType>(path: string, definition: ArtifactDefinition<S>, generator: string | undefined): Promise<z.output<S> | undefined> => {
    const { value, raw } = await readEvidence(definition, join(dir, path), path, findings, { required: true, packageKind: "model package" });
    if (raw !== undefined) {
      documents.push({ path, raw });
      if (generator) rules.push(generatorRule({ path, document: raw, expected: generator }));
    }
    return value;
  };

  const sums = await verifyChecksums({ dir }).catch((error: unknown) => {
    if (!isBinderyError(error)) throw error;
    findings.push(finding("MISSING_FILE", "SHA256SUMS", `SHA256SUMS is missing or unreadable: ${error.message}`));
    return undefined;
  });
  if (sums) findings.push(...sums.findings);
  const model = await verifyModelManifest({ dir }).catch((error: unknown) => {
    if (!isBinderyError(error)) throw error;
    findings.push(finding(error.code, MANIFEST_FILE, error.message));
    return undefined;
  });
  if (model) findings.push(...model.findings);

  const pkg = await load(MODEL_FILES.package, modelPackageReport, modelPackageReport.generatedBy);
  const manifest = await load(MANIFEST_FILE, modelManifest, undefined);
  const metrics = await load(MODEL_FILES.evalMetrics, evalMetricsReport, evalMetricsReport.generatedBy);
  const efficiency = await load(MODEL_FILES.efficiency, efficiencyReport, efficiencyReport.generatedBy);
  const run = await load(`${MODEL_FILES.training}/${RUN_FILES.manifest}`, runManifest, runManifest.generatedBy);
  const evalReport = existsSync(join(dir, MODEL_FILES.evalReport)) ? await readFile(join(dir, MODEL_FILES.evalReport), "utf8") : undefined;

  if (pkg) {
    const named = [pkg.manifest, pkg.eval_metrics, pkg.eval_report, pkg.efficiency_report, ...pkg.training.files];
    rules.push(identityRule({ expected: named.map((i) => ({ ...i, abs: join(dir, i.path) })), claimedBy: MODEL_FILES.package, concurrency: 1 }));
    rules.push(placeholderRule({ path: MODEL_FILES.package, document: { metadata: pkg.metadata }, allowPlaceholders: options.allowPlaceholders ?? false }));
    if (model?.modelId && pkg.model_id !== model.modelId) {
      findings.push(finding("DISAGREEMENT", MODEL_FILES.package, `${MODEL_FILES.package} names model ${pkg.model_id}, but ${MANIFEST_FILE} is model ${model.modelId}.`, { field: "/model_id" }));
    }
    if (run && pkg.training.run_id !== run.run_id) {
      findings.push(finding("DISAGREEMENT", MODEL_FILES.package, `${MODEL_FILES.package} names training run ${pkg.training.run_id}, but the training evidence is run ${run.run_id}.`, { field: "/training/run_id" }));
    }
    if (manifest && metrics && efficiency) {
      rules.push(rerenderRule({ path: MODEL_FILES.card, abs: join(dir, MODEL_FILES.card), render: () => renderModelCard(pkg, manifest, metrics, efficiency) }));
    }
  }
  if (metrics) findings.push(...metricsFindings(metrics, MODEL_FILES.evalMetrics));
  if (pkg && manifest && metrics && efficiency && run && evalReport !== undefined && model?.modelId) {
    findings.push(
      ...modelEvidenceFindings({ metadata: pkg.metadata, modelId: model.modelId, manifest, evalMetrics: metrics, evalReportText: evalReport, efficiency, run }),
    );
  }
  for (const { path, raw } of documents) {
    rules.push(publicTextRule({ path, document: raw }));
    if (options.release) rules.push(fixtureRule({ path, document: raw }));
  }
  if (existsSync(join(dir, MODEL_FILES.card))) rules.push(publicTextRule({ path: MODEL_FILES.card, text: await readFile(join(dir, MODEL_FILES.card), "utf8") }));
  findings.push(...(await runRules(rules)).findings);
  return { ...verdictOf(uniqueFindings(findings)), modelId: model?.modelId };
}
