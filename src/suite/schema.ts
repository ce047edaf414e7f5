/**
 * `bindery suite`: the manifest an author writes (`kind: bindery/suite`, a graph of steps, each an
 * argv run without a shell) and the report the command writes (`suite_report.json`).
 */
import { z } from "zod";
import { defineAuthorInput } from "../evidence/author-input.js";
import { decisionShape, defineReport, findingSchema } from "../evidence/envelope.js";
import { identitySchema } from "../evidence/identity.js";

export const SUITE_REPORT = "suite_report.json";
export const STEP_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const stepSchema = z.strictObject({
  id: z.string().regex(STEP_ID, "must be letters, digits, `.`, `_` or `-`, starting with a letter or digit").describe("The step's name; in the mapping form, its key"),
  argv: z.array(z.string()).min(1).describe("The command as an argv array, run without a shell; published as written"),
  cwd: z.string().min(1).optional().describe("Where the command runs, relative to the suite root (default: the root)"),
  inputs: z.array(z.string().min(1)).default([]).describe("Paths (relative to the suite root) that must exist, or be outputs of other steps"),
  outputs: z.array(z.string().min(1)).default([]).describe("Files (relative to the suite root) the step must write; unique across steps; deleted before the suite runs"),
  needs: z.array(z.string().min(1)).default([]).describe("Steps that must pass first; the producer of each input is needed implicitly"),
  env: z.record(z.string().regex(ENV_NAME, "must be an environment variable name"), z.string()).default({}).describe("Non-secret environment variables added for this step"),
  timeout: z.number().positive().optional().describe("Seconds before the command is killed (default: no limit)"),
});
export type SuiteStep = z.output<typeof stepSchema>;

const isMapping = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** `steps:` as a list of steps with ids, or a mapping from id to step (an `id` there must equal its key). */
const stepsSchema = z.preprocess((raw, context) => {
  if (!isMapping(raw)) return raw;
  return Object.entries(raw).map(([key, step]) => {
    if (!isMapping(step)) return step;
    if (step.id !== undefined && step.id !== key) {
      context.addIssue({ code: "custom", message: `id ${JSON.stringify(step.id)} differs from its key ${JSON.stringify(key)}`, path: [key, "id"], input: step });
    }
    return { ...step, id: key };
  });
}, z.array(stepSchema).min(1));

export const suiteManifestSchema = z
  .strictObject({
    kind: z.literal("bindery/suite"),
    steps: stepsSchema,
  })
  .describe("bindery/suite: a graph of steps, each a command run without a shell, with the files it reads and writes");
export const suiteManifest = defineAuthorInput("bindery/suite", suiteManifestSchema);
export type SuiteManifest = z.output<typeof suiteManifestSchema>;

const streamSchema = z.object({
  text: z.string().describe("The first and last bytes of the stream, credentials redacted, the suite root shown as {root}"),
  bytes: z.number().int().nonnegative().describe("Bytes the command wrote to the stream"),
  truncated: z.boolean(),
});

export const STEP_STATUSES = ["passed", "failed", "skipped", "planned"] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

export const stepRecordSchema = z.object({
  id: z.string(),
  argv: z.array(z.string()).describe("As the manifest gives it (credential values redacted)"),
  cwd: z.string().nullable().describe("Where it ran, relative to the suite root; null for the root"),
  needs: z.array(z.string()).describe("The steps it waited for: its needs and the producers of its inputs, sorted"),
  inputs: z.array(z.string()),
  declared_outputs: z.array(z.string()),
  status: z.enum(STEP_STATUSES).describe("planned under --plan; skipped when a needed step did not pass"),
  exit_code: z.number().int().nullable(),
  signal: z.string().nullable(),
  timed_out: z.boolean(),
  duration_ms: z.number().int().nonnegative().nullable(),
  stdout: streamSchema.nullable(),
  stderr: streamSchema.nullable(),
  outputs: z.array(identitySchema).describe("The declared outputs it wrote, by identity relative to the suite root"),
  problems: z.array(z.string()),
});
export type StepRecord = z.output<typeof stepRecordSchema>;

export const CLAIM_PLAN =
  "Plan only: checks the suite's step graph (needs, cycles, inputs, outputs, public-safe paths); nothing ran, so no output is evidenced and ok is false by design.";
export const CLAIM_EXECUTE =
  "Records that each step's command ran from the suite root, its exit code, and the identities of the declared outputs it wrote after they were cleared; it does not judge what the outputs say, nor that the commands are deterministic.";

export const suiteReport = defineReport({
  name: SUITE_REPORT,
  generatedBy: "bindery suite",
  schemaVersion: "1.0.0",
  claimBoundary: CLAIM_EXECUTE,
  body: {
    manifest: identitySchema.describe("The bindery/suite manifest, relative to the suite root (else by its file name)"),
    mode: z.enum(["plan", "execute"]),
    jobs: z.number().int().positive().nullable().describe("Steps run at once (execute)"),
    steps: z.array(stepRecordSchema).describe("In manifest order"),
    findings: z.array(findingSchema).describe("Every problem with the graph, and every step that failed"),
    ...decisionShape,
  },
});
export type SuiteReport = z.output<typeof suiteReport.schema>;
