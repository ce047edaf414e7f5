/**
 * The artifacts of a terminal demo package, one zod schema each (published in docs/schemas/):
 *
 * - runtime_preflight_report.json  what the demo is about to run: model, programs, inputs, runtime
 * - terminal_demo_manifest.json    what ran and what it produced: status, exit code, output, identities
 * - transcript.md                  rendered from the manifest (see render.ts)
 * - SHA256SUMS                     every other file of the package
 */
import { z } from "zod";
import { defineReport } from "../evidence/envelope.js";
import { identitySchema, rootedIdentitySchema, sha256HexSchema } from "../evidence/identity.js";

export const DEMO_FILES = {
  preflight: "runtime_preflight_report.json",
  manifest: "terminal_demo_manifest.json",
  transcript: "transcript.md",
  sums: "SHA256SUMS",
  /** Inputs are copied under this directory, by their file names. */
  inputs: "inputs",
} as const;

/** The names bindery writes itself; a demo may not declare an output under one of them. */
export const DEMO_OWN_FILES: readonly string[] = [DEMO_FILES.preflight, DEMO_FILES.manifest, DEMO_FILES.transcript, DEMO_FILES.sums];

/** The placeholders a demo command may use. */
export const DEMO_PLACEHOLDERS = ["{model_dir}", "{output_dir}", "{input:NAME}", "{output:NAME}"] as const;

const count = z.number().int().nonnegative();

export const recordSummarySchema = z
  .object({
    format: z.enum(["jsonl", "csv", "tsv"]),
    rows: count,
    fields: z.array(z.string()).describe("Every field name seen, sorted"),
  })
  .describe("Rows and field names of a record file; null for other files");
export type RecordSummary = z.infer<typeof recordSummarySchema>;

const namedFile = z.object({
  name: z.string().describe("The NAME of --input NAME=FILE or --output NAME=FILE"),
  file: identitySchema.describe("Relative to the demo package"),
  summary: recordSummarySchema.nullable(),
});
export type NamedFile = z.infer<typeof namedFile>;
const outputFile = namedFile.extend({ file: identitySchema.nullable().describe("Relative to the demo package; null when the demo did not write it") });
export type OutputFile = z.infer<typeof outputFile>;

const modelShape = z.object({
  release_id: z.string(),
  version: z.string(),
  model_id: sha256HexSchema.describe("sha256 of the model's manifest.json"),
  manifest: rootedIdentitySchema.describe("manifest.json, root model"),
  package: rootedIdentitySchema.describe("model_package.json, root model"),
});

const runtimeShape = z.object({
  node: z.string(),
  platform: z.string(),
  arch: z.string(),
  probes: z.array(z.object({ argv: z.array(z.string()), version: z.string().nullable(), error: z.string().nullable() })),
});

export const runtimePreflightReport = defineReport({
  name: DEMO_FILES.preflight,
  generatedBy: "bindery demo run",
  schemaVersion: "1.0.0",
  claimBoundary: "Pins the model, programs, inputs and runtime a demo was about to run with; it does not prove the demo ran.",
  body: {
    model: modelShape,
    command: z.array(z.string()).min(1).describe("The demo command as given, placeholders unexpanded: package-local paths only"),
    programs: z.array(identitySchema).describe("Program files copied into the package, at their project-relative paths"),
    input_files: z.array(namedFile),
    output_files: z.array(z.object({ name: z.string(), path: z.string() })).describe("The declared outputs"),
    runtime: runtimeShape,
  },
});
export type RuntimePreflight = z.output<typeof runtimePreflightReport.schema>;

const streamShape = z.object({
  text: z.string().describe("Bounded (head and tail kept) and with secrets redacted"),
  bytes: count.describe("Bytes of output seen (after redaction, one newline per line), before anything was cut"),
  truncated: z.boolean(),
});

export const terminalDemoManifest = defineReport({
  name: DEMO_FILES.manifest,
  generatedBy: "bindery demo run",
  schemaVersion: "1.0.0",
  claimBoundary:
    "Records one run of the demo command against the packaged model and the bytes it read and wrote; quality claims rest on the published evaluation report, not on this demo.",
  body: {
    status: z.enum(["ok", "failed"]),
    model: modelShape,
    command: z.array(z.string()).min(1),
    preflight: identitySchema.describe("runtime_preflight_report.json, as it was before and after the run"),
    runtime: runtimeShape.omit({ probes: true }).extend({ probes: z.array(z.string()).describe("`argv: version` of each probe") }),
    programs: z.array(identitySchema),
    input_files: z.array(namedFile),
    output_files: z.array(outputFile),
    run: z.object({
      started_at: z.string(),
      ended_at: z.string(),
      duration_ms: count,
      exit_code: z.number().int().nullable(),
      signal: z.string().nullable(),
      stdout: streamShape,
      stderr: streamShape,
    }),
    problems: z.array(z.string()).describe("Why the status is failed: exit code, missing or undeclared outputs"),
  },
});
export type TerminalDemoManifest = z.output<typeof terminalDemoManifest.schema>;
