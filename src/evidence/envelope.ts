/**
 * The report envelope every generated report shares: what wrote it and when, with which tool,
 * from which inputs (by identity), whether fixture evidence was allowed, and one sentence on what
 * the report does not prove.
 */
import { z } from "zod";
import { defineArtifact, readArtifact, SEMVER, type ArtifactDefinition, type Migration } from "./artifact.js";
import { writeFileAtomic } from "./atomic.js";
import { prettyJson } from "./canonical-json.js";
import { BinderyError, errorCodes, type ErrorCode, type Finding } from "./errors.js";
import { identityOfBytes, rootedIdentitySchema, type Identity, type RootedIdentity } from "./identity.js";
import { generatorProblem } from "./rules/generator.js";
import { generatedAt, UTC_TIMESTAMP } from "./time.js";
import { TOOL_NAME, TOOL_VERSION } from "./tool.js";

export const envelopeShape = {
  schema_version: z.string().regex(SEMVER, "must be a semver version"),
  generated_by: z.string().min(1),
  generated_at: z.string().regex(UTC_TIMESTAMP, "must be a UTC timestamp like 2026-01-31T12:00:00Z"),
  tool: z.object({ name: z.string(), version: z.string() }),
  inputs: z.array(rootedIdentitySchema),
  fixture: z.boolean(),
  claim_boundary: z.string().min(1),
  required_extensions: z.array(z.string()).optional(),
};
export const envelopeSchema = z.object(envelopeShape);

/** One row of a report's decision: a named check, whether it passed, and why. */
export const checkRowSchema = z.object({
  id: z.string().min(1).describe("Stable check name, e.g. leakage:train/test"),
  ok: z.boolean(),
  detail: z.string().describe("One sentence, citing the numbers"),
  issue_refs: z.array(z.string()).describe("Finding codes a failure raises, e.g. SPLIT_LEAKAGE"),
});
export type CheckRow = z.infer<typeof checkRowSchema>;

/** The fields of a report that decides something: `ok`, the checks behind it, and the blockers. */
export const decisionShape = {
  ok: z.boolean(),
  checks: z.array(checkRowSchema),
  blockers: z.array(z.string()).describe("The detail of every failed check"),
};

/** A verifier finding as reports record it. */
export const findingSchema = z.object({
  code: z.enum(Object.keys(errorCodes) as [ErrorCode, ...ErrorCode[]]),
  severity: z.enum(["error", "warning"]),
  path: z.string(),
  message: z.string(),
  field: z.string().optional(),
  line: z.number().int().positive().optional(),
});

/** Every failed check as a finding, coded by its first `issue_refs` entry, pointing at its row. */
export function findingsOfChecks(checks: readonly CheckRow[], path: string): Finding[] {
  return checks.flatMap((check, index): Finding[] =>
    check.ok
      ? []
      : [{ code: (check.issue_refs[0] ?? "VERIFICATION_FAILED") as ErrorCode, severity: "error", path, message: `${path}: ${check.detail}`, field: `/checks/${index}` }],
  );
}

/** The decision fields for a list of checks: ok when every check passed. */
export function decide(checks: readonly CheckRow[]): { ok: boolean; checks: CheckRow[]; blockers: string[] } {
  const blockers = checks.filter((c) => !c.ok).map((c) => c.detail);
  return { ok: blockers.length === 0, checks: [...checks], blockers };
}
export type Envelope = z.infer<typeof envelopeSchema>;

export interface ReportDefinition<Body extends z.ZodRawShape>
  extends ArtifactDefinition<z.ZodObject<typeof envelopeShape & Body>> {
  /** The command that writes it, e.g. `bindery dataset package`. */
  generatedBy: string;
  /** The default claim-boundary sentence. */
  claimBoundary: string;
}

export function defineReport<Body extends z.ZodRawShape>(options: {
  name: string;
  generatedBy: string;
  schemaVersion: string;
  claimBoundary: string;
  body: Body;
  extensions?: readonly string[];
  migrations?: Readonly<Record<number, Migration>>;
}): ReportDefinition<Body> {
  if (!/^bindery( [a-z][a-z0-9-]*)+$/.test(options.generatedBy)) {
    throw new BinderyError("INTERNAL", `generatedBy must name a bindery command, not ${options.generatedBy}.`);
  }
  const schema = z.object({ ...envelopeShape, ...options.body });
  return {
    ...defineArtifact({
      name: options.name,
      schemaVersion: options.schemaVersion,
      schema,
      ...(options.extensions ? { extensions: options.extensions } : {}),
      ...(options.migrations ? { migrations: options.migrations } : {}),
    }),
    generatedBy: options.generatedBy,
    claimBoundary: options.claimBoundary,
  };
}

/** Builds a report: the envelope filled in, the whole validated (a failure here is a bindery bug). */
export function buildReport<Body extends z.ZodRawShape>(
  definition: ReportDefinition<Body>,
  options: {
    inputs: readonly RootedIdentity[];
    body: z.input<z.ZodObject<Body>>;
    fixture?: boolean;
    claimBoundary?: string;
    env?: NodeJS.ProcessEnv;
  },
): z.output<z.ZodObject<typeof envelopeShape & Body>> {
  const report = {
    schema_version: definition.schemaVersion,
    generated_by: definition.generatedBy,
    generated_at: generatedAt(options.env),
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    inputs: [...options.inputs],
    fixture: options.fixture ?? false,
    claim_boundary: options.claimBoundary ?? definition.claimBoundary,
    ...options.body,
  };
  const result = definition.schema.safeParse(report);
  if (!result.success) {
    throw new BinderyError("INTERNAL", `bindery built an invalid ${definition.name}: ${result.error.message}`);
  }
  return result.data;
}

/** Writes a report atomically in the stable pretty form; returns the identity of the bytes written. */
export async function writeReport(file: string, report: Envelope, name: string): Promise<Identity> {
  const text = prettyJson(report);
  await writeFileAtomic(file, text);
  return identityOfBytes(name, text);
}

/** Reads a report: loader contract, schema re-validation, and its generator checked. */
export async function readReport<Body extends z.ZodRawShape>(
  definition: ReportDefinition<Body>,
  file: string,
  shown: string = file,
): Promise<{ value: z.output<z.ZodObject<typeof envelopeShape & Body>>; bytes: Buffer }> {
  const read = await readArtifact(definition, file, shown);
  const problem = generatorProblem(read.value, definition.generatedBy);
  // A command's own input, not evidence under verification: bindery cannot use it (exit 3).
  if (problem) throw new BinderyError("FOREIGN_GENERATOR", `${shown}: ${problem}`, { exitCode: 3 });
  return read;
}
