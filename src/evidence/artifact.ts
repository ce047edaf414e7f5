/**
 * The schema loader contract every reader of a generated artifact goes through:
 *
 * - the same MAJOR `schema_version` is accepted (any MINOR or PATCH), and unknown optional fields
 *   are ignored (stripped);
 * - an older MAJOR is accepted only through the artifact's registered migrations, applied one
 *   MAJOR at a time;
 * - a newer MAJOR, or a name in `required_extensions` this version does not know, is refused
 *   with `SCHEMA_COMPAT`: the writer said "you must understand this to read me".
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import type { z } from "zod";
import { BinderyError, inputError, isBinderyError, type Finding } from "./errors.js";

export const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

/** Lifts a document from MAJOR n to MAJOR n + 1. */
export type Migration = (document: Record<string, unknown>) => Record<string, unknown>;

export interface ArtifactDefinition<S extends z.ZodType = z.ZodType> {
  /** The artifact's name in messages, e.g. `dataset_package.json`. */
  name: string;
  /** The version this bindery writes, e.g. `1.2.0`. */
  schemaVersion: string;
  /** The schema of the current MAJOR; an object schema that strips unknown keys. */
  schema: S;
  /** Extension names this version understands (for `required_extensions`). */
  extensions?: readonly string[];
  /** Migrations keyed by the MAJOR they lift from. */
  migrations?: Readonly<Record<number, Migration>>;
}

export function defineArtifact<S extends z.ZodType>(definition: ArtifactDefinition<S>): ArtifactDefinition<S> {
  if (!SEMVER.test(definition.schemaVersion)) {
    throw new BinderyError("INTERNAL", `${definition.name}: schemaVersion ${definition.schemaVersion} is not semver.`);
  }
  return definition;
}

export function majorOf(version: string): number {
  return Number(version.split(".")[0]);
}

/** Applies the loader contract to a parsed JSON value. `shown` names the file in messages. */
export function parseArtifact<S extends z.ZodType>(definition: ArtifactDefinition<S>, raw: unknown, shown: string): z.output<S> {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new BinderyError("INPUT_INVALID", `${shown} is not a JSON object, so it cannot be a ${definition.name}.`);
  }
  let document = raw as Record<string, unknown>;
  const version = document.schema_version;
  if (typeof version !== "string" || !SEMVER.test(version)) {
    throw new BinderyError("INPUT_INVALID", `${shown} has no valid schema_version (a semver string such as "1.0.0"), so it cannot be a ${definition.name}.`);
  }
  const current = majorOf(definition.schemaVersion);
  let major = majorOf(version);
  if (major > current) {
    throw new BinderyError("SCHEMA_COMPAT", `${shown} has schema_version ${version}, written by a newer bindery; this bindery reads ${definition.name} MAJOR ${current}.`, {
      hint: "Upgrade bindery to read it.",
    });
  }
  while (major < current) {
    const migrate = definition.migrations?.[major];
    if (!migrate) {
      throw new BinderyError("SCHEMA_COMPAT", `${shown} has schema_version ${version}; this bindery reads ${definition.name} MAJOR ${current} and has no migration from MAJOR ${major}.`, {
        hint: "Regenerate the file with this version of bindery.",
      });
    }
    major += 1;
    document = { ...migrate(document), schema_version: `${major}.0.0` };
  }
  checkExtensions(definition, document, shown);
  return validate(definition.schema, document, `${shown} (${definition.name})`);
}

function checkExtensions(definition: ArtifactDefinition, document: Record<string, unknown>, shown: string): void {
  const required = document.required_extensions;
  if (required === undefined) return;
  if (!Array.isArray(required) || !required.every((name) => typeof name === "string")) {
    throw new BinderyError("INPUT_INVALID", `${shown}: required_extensions must be a list of names.`);
  }
  const known = new Set(definition.extensions ?? []);
  const unknown = required.filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new BinderyError("SCHEMA_COMPAT", `${shown} requires extension${unknown.length === 1 ? "" : "s"} ${unknown.map((n) => JSON.stringify(n)).join(", ")}, which this bindery does not understand.`, {
      hint: "Upgrade bindery to read it.",
    });
  }
}

/** Validates with zod; a failure is INPUT_INVALID listing the first few problems by field. */
export function validate<S extends z.ZodType>(schema: S, value: unknown, shown: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new BinderyError("INPUT_INVALID", `${shown} does not match its schema: ${formatIssues(result.error)}`);
}

export function formatIssues(error: z.ZodError, max = 5): string {
  const parts = error.issues.slice(0, max).map((issue) => {
    const field = issue.path.length === 0 ? "(top level)" : issue.path.map(String).join(".");
    return `${field}: ${issue.message}`;
  });
  const more = error.issues.length > max ? `; and ${error.issues.length - max} more` : "";
  return `${parts.join("; ")}${more}.`;
}

/** Reads a JSON file and applies the loader contract. Returns the value and the exact bytes read. */
export async function readArtifact<S extends z.ZodType>(
  definition: ArtifactDefinition<S>,
  file: string,
  shown: string = file,
): Promise<{ value: z.output<S>; bytes: Buffer }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw inputError(error, shown);
  }
  return { value: parseArtifact(definition, parseJson(bytes, shown), shown), bytes };
}

export function parseJson(bytes: Uint8Array | string, shown: string): unknown {
  try {
    return JSON.parse(typeof bytes === "string" ? bytes : Buffer.from(bytes).toString("utf8"));
  } catch (error) {
    throw new BinderyError("INPUT_INVALID", `${shown} is not valid JSON: ${(error as Error).message}`);
  }
}

/**
 * Reads one artifact of a package under verification: a missing (when required) or malformed
 * file becomes a finding instead of an error, so a verifier can go on and list everything.
 * `raw` is the parsed JSON whenever it parsed, for rules that read any document (generator,
 * public text).
 */
export async function readEvidence<S extends z.ZodType>(
  definition: ArtifactDefinition<S>,
  file: string,
  path: string,
  findings: Finding[],
  /** `exists`: what the caller's walk found (default: the file system), e.g. to skip a refused link. */
  options: { required: boolean; packageKind: string; exists?: boolean },
): Promise<{ value: z.output<S> | undefined; raw: unknown }> {
  if (!(options.exists ?? existsSync(file))) {
    if (options.required) {
      findings.push({ code: "MISSING_FILE", severity: "error", path, message: `${path} is missing; every ${options.packageKind} has one.` });
    }
    return { value: undefined, raw: undefined };
  }
  let raw: unknown;
  try {
    raw = parseJson(await readFile(file), path);
    return { value: parseArtifact(definition, raw, path), raw };
  } catch (error) {
    if (!isBinderyError(error)) throw error;
    findings.push({ code: error.code, severity: "error", path, message: error.message });
    return { value: undefined, raw };
  }
}
