/**
 * Every artifact schema bindery publishes as JSON Schema in docs/schemas/ (written by
 * `npm run schemas`; a test fails when the files drift from the zod schemas).
 */
import { z } from "zod";
import { envelopeSchema } from "./evidence/envelope.js";
import { identitySchema, rootedIdentitySchema } from "./evidence/identity.js";
import { datasetMetadataSchema, datasetSpecSchema } from "./dataset/inputs.js";
import {
  datasetManifestSchema,
  datasetPackageReport,
  datasetVerifyReport,
  inputCheckReport,
  snapshotReport,
  splitIntegrityReport,
} from "./dataset/schema.js";
import { evalMetricsReport, metricsInputSchema } from "./eval/aggregate.js";
import { efficiencyMeasurementsSchema, efficiencyReport } from "./eval/efficiency.js";
import { modelManifestSchema } from "./model/manifest.js";
import { modelMetadataSchema, modelPackageReport } from "./model/package.js";
import { configSchema } from "./config/config.js";
import { runtimePreflightReport, terminalDemoManifest } from "./demo/schema.js";
import { citationCffSchema, paperMetadataSchema, paperPackageReport } from "./paper/schema.js";
import { releaseVerifyReport } from "./release/verify.js";
import { cleanMachineDemoReport } from "./release/replay-schema.js";
import { hubPublishReport, hubReleasePlan } from "./hub/schema.js";
import { candidateReport } from "./release/candidate-schema.js";
import { publicationReport } from "./release/publication.js";
import { auditReport } from "./release/audit.js";
import { releaseIndexSchema, revocationsSchema } from "./versioning/release-index.js";
import { suiteReport } from "./suite/schema.js";
import { signaturesSchema } from "./signing/signatures.js";
import { gateReport } from "./gate/schema.js";
import { scopeReport } from "./gate/scope.js";
import { checkpointSidecarSchema, preflightReport, resumeRecord, runManifest, runRecord, trainingMetadataSchema } from "./training/schema.js";

export const PUBLISHED_SCHEMAS: readonly { file: string; title: string; schema: z.ZodType }[] = [
  { file: "identity.schema.json", title: "bindery identity {path, sha256, size}", schema: identitySchema },
  { file: "rooted-identity.schema.json", title: "bindery identity with an optional root label", schema: rootedIdentitySchema },
  { file: "report-envelope.schema.json", title: "bindery report envelope", schema: envelopeSchema },
  { file: "dataset-spec.schema.json", title: "bindery/dataset-spec (author input)", schema: datasetSpecSchema },
  { file: "dataset-metadata.schema.json", title: "bindery/dataset-metadata (author input)", schema: datasetMetadataSchema },
  { file: "dataset-input-check-report.schema.json", title: "dataset_input_check_report.json", schema: inputCheckReport.schema },
  { file: "dataset-snapshot-report.schema.json", title: "dataset_snapshot_report.json", schema: snapshotReport.schema },
  { file: "split-integrity.schema.json", title: "split_integrity.json", schema: splitIntegrityReport.schema },
  { file: "dataset-manifest.schema.json", title: "dataset_manifest.json", schema: datasetManifestSchema },
  { file: "dataset-package.schema.json", title: "dataset_package.json", schema: datasetPackageReport.schema },
  { file: "model-manifest.schema.json", title: "manifest.json (model manifest; model_id is its sha256)", schema: modelManifestSchema },
  { file: "training-preflight-report.schema.json", title: "training_preflight_report.json", schema: preflightReport.schema },
  { file: "training-run.schema.json", title: "training_run.json (the run record)", schema: runRecord.schema },
  { file: "training-resume.schema.json", title: "training_resume.json", schema: resumeRecord.schema },
  { file: "training-run-manifest.schema.json", title: "training_run_manifest.json", schema: runManifest.schema },
  { file: "training-metadata.schema.json", title: "bindery/training-metadata (author input)", schema: trainingMetadataSchema },
  { file: "checkpoint-sidecar.schema.json", title: "bindery/checkpoint: the CKPT.bindery.json sidecar", schema: checkpointSidecarSchema },
  { file: "metrics.schema.json", title: "bindery/metrics (author input: one evaluation's metrics)", schema: metricsInputSchema },
  { file: "eval-metrics.schema.json", title: "eval_metrics.json", schema: evalMetricsReport.schema },
  { file: "efficiency-measurements.schema.json", title: "bindery/efficiency-measurements (author input)", schema: efficiencyMeasurementsSchema },
  { file: "efficiency-report.schema.json", title: "efficiency_report.json", schema: efficiencyReport.schema },
  { file: "model-metadata.schema.json", title: "bindery/model-metadata (author input)", schema: modelMetadataSchema },
  { file: "model-package.schema.json", title: "model_package.json", schema: modelPackageReport.schema },
  { file: "dataset-verify-report.schema.json", title: "dataset verification report (bindery dataset verify --report)", schema: datasetVerifyReport.schema },
  { file: "runtime-preflight-report.schema.json", title: "runtime_preflight_report.json (demo)", schema: runtimePreflightReport.schema },
  { file: "terminal-demo-manifest.schema.json", title: "terminal_demo_manifest.json", schema: terminalDemoManifest.schema },
  { file: "paper-metadata.schema.json", title: "bindery/paper-metadata (author input)", schema: paperMetadataSchema },
  { file: "paper-package.schema.json", title: "paper_package.json", schema: paperPackageReport.schema },
  { file: "citation-cff.schema.json", title: "CITATION.cff as bindery writes it (a subset of Citation File Format 1.2.0)", schema: citationCffSchema },
  { file: "config.schema.json", title: "bindery/config: bindery.yaml", schema: configSchema },
  { file: "hub-release-plan.schema.json", title: "hub_release_plan.json (bindery hub plan)", schema: hubReleasePlan.schema },
  { file: "hub-publish-report.schema.json", title: "hub_publish_report.json (bindery hub publish)", schema: hubPublishReport.schema },
  { file: "release-candidate-report.schema.json", title: "release_candidate_report.json (bindery release candidate)", schema: candidateReport.schema },
  { file: "publication-evidence-report.schema.json", title: "publication_evidence_report.json (bindery release publication)", schema: publicationReport.schema },
  { file: "release-audit-report.schema.json", title: "release_audit_report.json (bindery release audit --output)", schema: auditReport.schema },
  { file: "release-verify-report.schema.json", title: "release verification report (bindery verify --report)", schema: releaseVerifyReport.schema },
  { file: "clean-machine-demo-report.schema.json", title: "clean_machine_demo_report.json (bindery release replay)", schema: cleanMachineDemoReport.schema },
  { file: "release-index.schema.json", title: "release_index.json (bindery index add, index publish, yank)", schema: releaseIndexSchema },
  { file: "revocations.schema.json", title: "revocations.json (bindery yank): yanked model ids", schema: revocationsSchema },
  { file: "suite-report.schema.json", title: "suite_report.json (bindery suite)", schema: suiteReport.schema },
  { file: "release-gate-report.schema.json", title: "release_gate_report.json (bindery gate)", schema: gateReport.schema },
  { file: "scope-decision.schema.json", title: "scope_decision.json (bindery scope accept)", schema: scopeReport.schema },
  { file: "signatures.schema.json", title: "signatures.json (bindery sign): the signed files and their Sigstore bundles", schema: signaturesSchema },
];

/** The JSON Schema documents, by file name. */
export function jsonSchemas(): Map<string, unknown> {
  return new Map(
    PUBLISHED_SCHEMAS.map(({ file, title, schema }) => [
      file,
      { title, ...z.toJSONSchema(schema, { target: "draft-2020-12", io: "input" }) },
    ]),
  );
}
