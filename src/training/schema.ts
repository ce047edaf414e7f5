/**
 * The artifacts of a training run, one zod schema each (published in docs/schemas/):
 *
 * - training_preflight_report.json  the dataset verified, the base model and config pinned, the machine probed
 * - training_run.json               what ran: run id, seed, commit, argv, times, exit code, log
 * - training_resume.json            an accepted resume from a checkpoint
 * - training_run_manifest.json      the run package: every identity above, checkpoints and logs
 *
 * plus the author input `bindery/training-metadata` and the checkpoint sidecar format.
 */
import { z } from "zod";
import { decisionShape, defineReport, findingSchema } from "../evidence/envelope.js";
import { identitySchema, rootedIdentitySchema, sha256HexSchema } from "../evidence/identity.js";
import { defineAuthorInput } from "../evidence/author-input.js";

export const RUN_FILES = {
  preflight: "training_preflight_report.json",
  run: "training_run.json",
  resume: "training_resume.json",
  manifest: "training_run_manifest.json",
  card: "training_run_card.md",
  sums: "training_run_SHA256SUMS",
  log: "logs/training.log",
} as const;

/** The config is copied into the run directory under this name (its extension kept). */
export const CONFIG_BASENAME = "training_config";

const count = z.number().int().nonnegative();
const seedSchema = z.union([z.number().int(), z.string()]).nullable().describe("The config's `seed`, or null");

export const preflightReport = defineReport({
  name: RUN_FILES.preflight,
  generatedBy: "bindery training preflight",
  schemaVersion: "1.0.0",
  claimBoundary:
    "Proves the dataset package verified, and pins the base model, config and machine the run was prepared on; it does not prove the run used them.",
  body: {
    dataset: z.object({
      name: z.string().nullable(),
      version: z.string().nullable(),
      package: rootedIdentitySchema.nullable().describe("dataset_package.json, root dataset"),
      sums: rootedIdentitySchema.nullable(),
      snapshot_report: rootedIdentitySchema.nullable(),
      input_check_report: rootedIdentitySchema.nullable(),
      snapshot_id: sha256HexSchema.nullable().describe("sha256 of the snapshot report: the dataset snapshot id"),
      findings: z.array(findingSchema).describe("What dataset verification found"),
    }),
    base_model: z
      .object({
        model_id: sha256HexSchema.nullable().describe("sha256 of the base model's manifest.json, when it has one"),
        files: z.array(identitySchema).describe("Relative to the base model directory"),
      })
      .nullable(),
    config: z.object({
      file: identitySchema.describe("The config as copied into the run directory"),
      sha256: sha256HexSchema.describe("Canonical hash of the resolved config"),
      payload: z.unknown().describe("The resolved config"),
      seed: seedSchema,
      schema: identitySchema.nullable().describe("The JSON Schema it was validated against (copied into the run directory)"),
    }),
    accelerator: z.object({
      required: z.string().nullable(),
      min_device_memory_gib: z.number().nullable(),
      tool: z.string(),
      available: z.boolean(),
      devices: z.array(z.object({ name: z.string(), memory_gib: z.number(), driver: z.string() })),
      error: z.string().nullable(),
    }),
    probes: z.array(z.object({ argv: z.array(z.string()), version: z.string().nullable(), error: z.string().nullable() })),
    ...decisionShape,
  },
});
export type PreflightReport = z.output<typeof preflightReport.schema>;

export const runRecord = defineReport({
  name: RUN_FILES.run,
  generatedBy: "bindery training run",
  schemaVersion: "1.0.0",
  claimBoundary: "Records what bindery started and observed; it does not prove what the training command computed.",
  body: {
    run_id: z.string(),
    preflight: identitySchema,
    config: identitySchema,
    config_sha256: sha256HexSchema,
    seed: seedSchema,
    commit: z.object({ sha: z.string().regex(/^[0-9a-f]{40,64}$/), dirty: z.boolean() }).nullable().describe("null outside a git work tree (allowed only with --allow-dirty)"),
    argv: z.array(z.string()).describe("The training command, as given"),
    started_at: z.string(),
    ended_at: z.string(),
    duration_ms: count,
    exit_code: z.number().int().nullable().describe("null when killed by a signal"),
    log: identitySchema,
    log_truncated: z.boolean(),
    resumed_from: z.object({ step: count, checkpoint: identitySchema }).nullable(),
  },
});
export type RunRecord = z.output<typeof runRecord.schema>;

/** The sidecar a training script writes beside each checkpoint: `CKPT.bindery.json`. */
export const checkpointSidecarSchema = z
  .strictObject({
    kind: z.literal("bindery/checkpoint"),
    run_id: z.string().min(1),
    dataset_snapshot_id: sha256HexSchema.describe("sha256 of the dataset's snapshot report"),
    seed: z.union([z.number().int(), z.string()]).nullable(),
    config_sha256: sha256HexSchema.describe("Canonical hash of the resolved config"),
    step: count,
  })
  .describe("bindery/checkpoint: what a checkpoint was trained from, written beside it as CKPT.bindery.json");
export type CheckpointSidecar = z.output<typeof checkpointSidecarSchema>;
export const checkpointSidecar = defineAuthorInput("bindery/checkpoint", checkpointSidecarSchema);

export const resumeRecord = defineReport({
  name: RUN_FILES.resume,
  generatedBy: "bindery training check-resume",
  schemaVersion: "1.0.0",
  claimBoundary: "Proves the checkpoint's sidecar names this run, dataset snapshot, seed and config; it does not prove the checkpoint's tensors.",
  body: {
    run_id: z.string(),
    step: count,
    checkpoint: identitySchema,
    sidecar: identitySchema,
  },
});

export const trainingMetadataSchema = z
  .strictObject({
    kind: z.literal("bindery/training-metadata"),
    name: z.string().min(1).describe("The run's name, for people"),
    description: z.string().min(1),
    checkpoints: z.array(z.string().min(1)).default(["checkpoints/**"]).describe("Globs (relative to the run directory) of checkpoint files"),
    logs: z.array(z.string().min(1)).default(["logs/**"]).describe("Globs of log files"),
  })
  .describe("bindery/training-metadata: what a training-run package says about the run");
export const trainingMetadata = defineAuthorInput("bindery/training-metadata", trainingMetadataSchema);
export type TrainingMetadata = z.output<typeof trainingMetadataSchema>;

export const runManifest = defineReport({
  name: RUN_FILES.manifest,
  generatedBy: "bindery training package",
  schemaVersion: "1.0.0",
  claimBoundary:
    "Binds the run record to its dataset snapshot, base model, config, commit, checkpoints and logs by identity; it does not prove the weights came from this run.",
  body: {
    name: z.string(),
    description: z.string(),
    run_id: z.string(),
    seed: seedSchema,
    commit: runRecord.schema.shape.commit,
    dataset: z.object({
      name: z.string().nullable(),
      version: z.string().nullable(),
      package: rootedIdentitySchema.nullable(),
      snapshot_report: rootedIdentitySchema.nullable(),
      snapshot_id: sha256HexSchema.nullable(),
    }),
    base_model: preflightReport.schema.shape.base_model,
    config: identitySchema,
    config_sha256: sha256HexSchema,
    preflight: identitySchema,
    run_record: identitySchema,
    resumed_from: z.object({ step: count, checkpoint: identitySchema }).nullable(),
    checkpoints: z.array(identitySchema),
    logs: z.array(identitySchema),
    outputs: z.array(identitySchema).describe("Every other file of the run directory"),
    exit_code: z.number().int(),
    duration_ms: count,
  },
});
export type RunManifest = z.output<typeof runManifest.schema>;

