/**
 * bindery's own public contract, as data: every command path with its arguments and options,
 * every exit code, every error code with its exit code, and the JSON Schema of every published
 * artifact. Help and description texts are left out, so rewording help is never a contract
 * change. `diffContracts` classifies every difference between two contracts as additive or
 * breaking (docs/versioning.md, "The contract"); `checkContract` decides whether the version
 * bump between them licenses the breaking ones.
 */
import type { Argument, Command, Option } from "commander";
import { z } from "zod";
import { defineArtifact, readArtifact, SEMVER } from "../evidence/artifact.js";
import { writeFileAtomic } from "../evidence/atomic.js";
import { prettyJson } from "../evidence/canonical-json.js";
import { BinderyError, errorCodes, ExitCode, isBinderyError } from "../evidence/errors.js";
import { TOOL_NAME, TOOL_VERSION } from "../evidence/tool.js";
import { jsonSchemas } from "../schemas.js";
import { compatibility, type CompatibilityResult, type Pre1Policy } from "./compare.js";
import { diffContracts, withoutAnnotations, type ContractDifference, type DifferenceKind } from "./contract-diff.js";

export { diffContracts, type ContractDifference, type DifferenceKind } from "./contract-diff.js";
import { parseVersion } from "./pins.js";

/** Where bindery keeps the snapshot of its own contract. */
export const CONTRACT_FILE = "docs/contract.json";
export const CONTRACT_GENERATOR = "bindery contract snapshot";

const argumentSchema = z.object({
  name: z.string(),
  required: z.boolean(),
  variadic: z.boolean(),
  default: z.unknown().optional(),
  choices: z.array(z.string()).optional(),
});

const optionSchema = z.object({
  short: z.string().nullable(),
  value: z.enum(["none", "required", "optional"]).describe("Whether the flag takes a value: none (a switch), required (--flag <value>) or optional (--flag [value])"),
  required: z.boolean().describe("The option must be given"),
  variadic: z.boolean(),
  negatable: z.boolean().describe("A --no- flag, or a flag with a --no- counterpart"),
  default: z.unknown().optional(),
  choices: z.array(z.string()).optional(),
  env: z.string().optional(),
  preset: z.unknown().optional(),
});

const commandSchema = z.object({
  aliases: z.array(z.string()),
  arguments: z.array(argumentSchema),
  options: z.record(z.string(), optionSchema).describe("By long flag (or short flag, when there is no long one)"),
});

export const contractSchema = z.object({
  schema_version: z.string().regex(SEMVER, "must be a semver version"),
  generated_by: z.literal(CONTRACT_GENERATOR),
  tool: z.object({ name: z.string(), version: z.string().regex(SEMVER, "must be a semver version") }),
  program: commandSchema.describe("The options of `bindery` itself"),
  commands: z.record(z.string(), commandSchema).describe("By command path, e.g. `changelog check`"),
  exit_codes: z.record(z.string(), z.number().int()),
  error_codes: z.record(z.string(), z.number().int()),
  schemas: z.record(z.string(), z.unknown()).describe("By file name in docs/schemas/, without titles and descriptions"),
});

export type Contract = z.infer<typeof contractSchema>;
export type CommandContract = z.infer<typeof commandSchema>;
export type OptionContract = z.infer<typeof optionSchema>;
export type ArgumentContract = z.infer<typeof argumentSchema>;

export const contractArtifact = defineArtifact({ name: "bindery contract snapshot", schemaVersion: "1.0.0", schema: contractSchema });

/** What a contract is built from besides the command tree; each defaults to this bindery's own. */
export interface ContractParts {
  version: string;
  exitCodes: Readonly<Record<string, number>>;
  errorCodes: Readonly<Record<string, number>>;
  schemas: ReadonlyMap<string, unknown>;
}

/** The contract of a command tree (the root `bindery` program). */
export function buildContract(program: Command, parts: Partial<ContractParts> = {}): Contract {
  const {
    version = TOOL_VERSION,
    exitCodes = ExitCode,
    errorCodes: codes = Object.fromEntries(Object.entries(errorCodes).map(([code, [exit]]) => [code, exit])),
    schemas = jsonSchemas(),
  } = parts;
  const commands: Record<string, CommandContract> = {};
  const walk = (command: Command, prefix: readonly string[]): void => {
    for (const sub of command.commands) {
      const path = [...prefix, sub.name()];
      commands[path.join(" ")] = describeCommand(sub);
      walk(sub, path);
    }
  };
  walk(program, []);
  return {
    schema_version: contractArtifact.schemaVersion,
    generated_by: CONTRACT_GENERATOR,
    tool: { name: TOOL_NAME, version },
    program: describeCommand(program),
    commands,
    exit_codes: { ...exitCodes },
    error_codes: { ...codes },
    schemas: Object.fromEntries([...schemas].map(([file, schema]) => [file, withoutAnnotations(schema)])),
  };
}

function describeCommand(command: Command): CommandContract {
  const visible = command.options.filter((o) => !o.hidden);
  const longs = new Set(visible.map((o) => o.long));
  return {
    aliases: [...command.aliases()].sort(),
    arguments: command.registeredArguments.map(describeArgument),
    options: Object.fromEntries(visible.map((o) => [o.long ?? o.short!, describeOption(o, longs)])),
  };
}

function describeArgument(argument: Argument): ArgumentContract {
  return {
    name: argument.name(),
    required: argument.required,
    variadic: argument.variadic,
    ...optionalFields({ default: argument.defaultValue, choices: argument.argChoices && [...argument.argChoices].sort() }),
  };
}

function describeOption(option: Option, longs: ReadonlySet<string | undefined>): OptionContract {
  const negatable = option.negate || (option.long !== undefined && longs.has(option.long.replace(/^--/, "--no-")));
  return {
    short: option.short ?? null,
    value: option.required ? "required" : option.optional ? "optional" : "none",
    required: option.mandatory,
    variadic: option.variadic,
    negatable,
    ...optionalFields({ default: option.defaultValue, choices: option.argChoices && [...option.argChoices].sort(), env: option.envVar, preset: option.presetArg }),
  };
}

/** The defined fields only, as JSON values (a default may be any value commander accepts). */
function optionalFields(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(fields)
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => [key, JSON.parse(JSON.stringify(value) ?? "null") as unknown]),
  );
}

/** Whether going from version `from` to `to` licenses breaking changes: a MAJOR bump, or a pre-1.0 MINOR bump under the breaking policy. */
export function bumpLicensesBreaking(from: string, to: string, policy: Pre1Policy = "additive"): { allowed: boolean; compatibility: CompatibilityResult } {
  const result = compatibility(parseVersion(from), parseVersion(to), policy);
  return { allowed: result.order < 0 && result.level === "INCOMPATIBLE", compatibility: result };
}

export interface ContractCheck {
  /** No breaking difference, or the version bump licenses them. */
  ok: boolean;
  snapshot_version: string;
  current_version: string;
  breaking: Omit<ContractDifference, "kind">[];
  additive: Omit<ContractDifference, "kind">[];
  allowed_by_bump: boolean;
  /** Why the bump does or does not license breaking changes. */
  bump: CompatibilityResult;
}

/** Compares the current contract with a snapshot, under a pre-1.0 policy (docs/versioning.md). */
export function checkContract(snapshot: Contract, current: Contract, policy: Pre1Policy = "additive"): ContractCheck {
  const differences = diffContracts(snapshot, current);
  const of = (kind: DifferenceKind) => differences.filter((d) => d.kind === kind).map(({ location, message }) => ({ location, message }));
  const breaking = of("breaking");
  const bump = bumpLicensesBreaking(snapshot.tool.version, current.tool.version, policy);
  return {
    ok: breaking.length === 0 || bump.allowed,
    snapshot_version: snapshot.tool.version,
    current_version: current.tool.version,
    breaking,
    additive: of("additive"),
    allowed_by_bump: bump.allowed,
    bump: bump.compatibility,
  };
}

/** The command that records a contract at `file`. */
export function snapshotCommand(file: string): string {
  return `bindery contract snapshot${file === CONTRACT_FILE ? "" : ` --output ${file}`}`;
}

/** Reads a contract snapshot; a missing or malformed one is INPUT_NOT_FOUND or INPUT_INVALID, with the command that writes it. */
export async function readContract(file: string, shown: string = file): Promise<Contract> {
  try {
    return (await readArtifact(contractArtifact, file, shown)).value;
  } catch (error) {
    if (isBinderyError(error) && (error.code === "INPUT_NOT_FOUND" || error.code === "INPUT_INVALID")) {
      throw new BinderyError(error.code, error.message, { hint: `Run \`${snapshotCommand(shown)}\` to record the contract.`, cause: error });
    }
    throw error;
  }
}

/** Writes a contract as pretty JSON with sorted keys and a final newline (a temp file, then a rename). */
export async function writeContract(file: string, contract: Contract): Promise<void> {
  await writeFileAtomic(file, prettyJson(contract));
}
