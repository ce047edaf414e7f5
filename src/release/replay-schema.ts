/**
 * clean_machine_demo_report.json: what a replay on a clean machine found. It binds the candidate
 * report's exact bytes, downloads every planned file from its public URL into an empty directory
 * (no credentials, no cache), hashes each against the plan, re-runs the release-set verifier on
 * the downloaded packages, re-runs the published demo against the downloaded model and compares
 * the replayed demo manifest with the published one. Written by `bindery release replay`.
 */
import { z } from "zod";
import { decisionShape, defineReport, findingSchema } from "../evidence/envelope.js";
import { identitySchema, rootedIdentitySchema } from "../evidence/identity.js";

export const REPLAY_REPORT_FILE = "clean_machine_demo_report.json";

/** The package roots a replay downloads, each into the output directory's folder of that name. */
export const REPLAY_ROOTS = ["model", "run", "dataset", "demo", "paper"] as const;
export type ReplayRoot = (typeof REPLAY_ROOTS)[number];

/** Where the replayed demo package is written, relative to the output directory. */
export const REPLAY_DEMO_DIR = "replay/demo";

const downloadRow = z.object({
  url: z.string().describe("The planned public URL as fetched (credentials stripped)"),
  source: rootedIdentitySchema.describe("The planned identity (path relative to its package root)"),
  file: identitySchema
    .nullable()
    .describe("What was downloaded: path relative to the output directory (<root>/<path>), sha256 and size of the bytes received; null when nothing arrived"),
  written: z.boolean().describe("false for a second entry of the same source (e.g. the model card as README.md): hashed, not written again"),
  copies: z
    .array(z.string())
    .describe("The same bytes also placed here, relative to the output directory: a training-run file the plan publishes once, from the model package's copy under training/, belongs in run/ too"),
  status: z.number().int().describe("The HTTP status of the last attempt (0: no answer)"),
  ok: z.boolean().describe("The bytes' sha256 and size equal the plan's"),
  error: z.string().nullable(),
});

const comparedField = z.object({
  field: z.string().describe("A JSON pointer into terminal_demo_manifest.json, e.g. /output_files/0/file"),
  file: z.string().describe("The file the field is about, relative to the output directory"),
  published: z.unknown().describe("The published manifest's value"),
  replayed: z.unknown().describe("The replayed manifest's value (null when the replay recorded none)"),
  equal: z.boolean(),
});

export const cleanMachineDemoReport = defineReport({
  name: REPLAY_REPORT_FILE,
  generatedBy: "bindery release replay",
  schemaVersion: "1.0.0",
  claimBoundary:
    "Shows that the public bytes at the release tag, fetched anonymously into an empty directory, are the planned bytes, verify as a release, and replay the published demo to the same outputs on this machine's runtime; it does not prove the release's claims are true, nor that the bytes stay public.",
  body: {
    ...decisionShape,
    candidate: identitySchema.describe("The candidate report's exact bytes, as read (path: its file name)"),
    release: z.object({ id: z.string(), version: z.string(), tag: z.string() }),
    plan: identitySchema.describe("The plan embedded in the candidate report, by the identity its re-serialization was checked against"),
    output_layout: z
      .object({
        roots: z.record(z.string(), z.string()).describe("Each package root's folder, relative to the output directory"),
        replay: z.string().describe("The replayed demo package's folder, relative to the output directory"),
      })
      .describe("Where things are, relative to the output directory (which holds this report)"),
    downloads: z.array(downloadRow),
    verify: z.object({
      ok: z.boolean(),
      findings: z.array(findingSchema.extend({ package: z.string() })).describe("The release-set verifier's findings on the downloaded packages (paths as <root>/...)"),
    }),
    replay: z.object({
      status: z.enum(["ok", "failed", "not_run"]).describe("not_run when the downloads did not match the plan or the demo package could not be read"),
      command: z.array(z.string()).describe("The published demo command, placeholders unexpanded"),
      manifest: identitySchema.nullable().describe("The replayed terminal_demo_manifest.json, relative to the output directory"),
      files: z.array(identitySchema).describe("Every file of the replayed demo package, relative to the output directory"),
      exit_code: z.number().int().nullable(),
      outputs: z.array(z.object({ name: z.string(), file: identitySchema.nullable(), rows: z.number().int().nullable() })),
      error: z.string().nullable().describe("Why the replay did not run or was not recorded"),
    }),
    comparison: z.object({
      equal: z.boolean().describe("Every compared field is equal"),
      published: identitySchema.nullable().describe("The published terminal_demo_manifest.json (demo/...)"),
      replayed: identitySchema.nullable().describe("The replayed terminal_demo_manifest.json (replay/demo/...)"),
      fields: z.array(comparedField),
      findings: z.array(findingSchema).describe("One DISAGREEMENT per differing field, naming the field and the file"),
    }),
  },
});
export type CleanMachineDemoReport = z.output<typeof cleanMachineDemoReport.schema>;
export type ReplayDownload = z.infer<typeof downloadRow>;
export type ComparedField = z.infer<typeof comparedField>;
