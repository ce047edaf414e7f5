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
import { canonicalJson, prettyJson } from "../evidence/canonical-json.js";
import { BinderyError, errorCodes, ExitCode, isBinderyError } from "../evidence/errors.js";
import { TOOL_NAME, TOOL_VERSION } from "../evidence/tool.js";
import { jsonSchemas } from "../schemas.js";
import { compatibility, type CompatibilityResult, type Pre1Policy } from "./compare.js";
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

// JSON Schema keywords that hold subschemas, by shape; everything else is a value.
const SUBSCHEMA = ["items", "additionalProperties", "propertyNames", "not", "contains", "if", "then", "else", "unevaluatedProperties", "unevaluatedItems", "contentSchema"] as const;
const SUBSCHEMA_LIST = ["anyOf", "oneOf", "allOf", "prefixItems"] as const;
const SUBSCHEMA_MAP = ["properties", "$defs", "definitions", "patternProperties", "dependentSchemas"] as const;
/** Words for people, not constraints: not part of the contract. */
const ANNOTATIONS = new Set(["title", "description", "$comment", "examples"]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A JSON Schema without its titles, descriptions, comments and examples (a field named `title` stays). */
function withoutAnnotations(schema: unknown): unknown {
  if (!isRecord(schema)) return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (ANNOTATIONS.has(key)) continue;
    if ((SUBSCHEMA as readonly string[]).includes(key)) out[key] = withoutAnnotations(value);
    else if ((SUBSCHEMA_LIST as readonly string[]).includes(key) && Array.isArray(value)) out[key] = value.map(withoutAnnotations);
    else if ((SUBSCHEMA_MAP as readonly string[]).includes(key) && isRecord(value)) out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutAnnotations(v)]));
    else out[key] = value;
  }
  return out;
}

export type DifferenceKind = "breaking" | "additive";

export interface ContractDifference {
  kind: DifferenceKind;
  /** A JSON pointer into the contract, e.g. `/commands/changelog check/options/--file`. */
  location: string;
  message: string;
}

/** A JSON pointer from its reference tokens (`~` and `/` escaped as RFC 6901 says). */
function pointer(tokens: readonly string[]): string {
  return tokens.map((t) => `/${t.replace(/~/g, "~0").replace(/\//g, "~1")}`).join("");
}

const show = (value: unknown): string => (value === undefined ? "nothing" : JSON.stringify(value));
/** Equal as JSON, whatever the order of object keys. */
const same = (a: unknown, b: unknown): boolean => a === b || (a !== undefined && b !== undefined && canonicalJson(a) === canonicalJson(b));

class Differences {
  readonly list: ContractDifference[] = [];
  add(kind: DifferenceKind, at: readonly string[], message: string): void {
    this.list.push({ kind, location: pointer(at), message });
  }
}

/** Calls `removed`, `added` or `both` for every key of two maps, in sorted key order. */
function eachKey<T>(a: Readonly<Record<string, T>>, b: Readonly<Record<string, T>>, on: { removed(key: string, before: T): void; added(key: string, after: T): void; both(key: string, before: T, after: T): void }): void {
  for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    if (!(key in b)) on.removed(key, a[key]!);
    else if (!(key in a)) on.added(key, b[key]!);
    else on.both(key, a[key]!, b[key]!);
  }
}

/** Every difference from `before` (the snapshot) to `after` (the current contract), classified. */
export function diffContracts(before: Contract, after: Contract): ContractDifference[] {
  const out = new Differences();
  diffCommand(out, ["program"], "bindery", before.program, after.program);
  eachKey(before.commands, after.commands, {
    removed: (path) => out.add("breaking", ["commands", path], `the command \`bindery ${path}\` was removed (or renamed): command lines that use it stop working`),
    added: (path) => out.add("additive", ["commands", path], `\`bindery ${path}\` is a new command`),
    both: (path, x, y) => diffCommand(out, ["commands", path], `bindery ${path}`, x, y),
  });
  for (const [section, what] of [["exit_codes", "exit code"], ["error_codes", "error code"]] as const) {
    eachKey(before[section], after[section], {
      removed: (name, exit) => out.add("breaking", [section, name], `the ${what} ${name} (exit ${exit}) was removed`),
      added: (name, exit) => out.add("additive", [section, name], `${name} is a new ${what} (exit ${exit})`),
      both: (name, x, y) => {
        if (x !== y) out.add("breaking", [section, name], `the ${what} ${name} changed its exit code from ${x} to ${y}`);
      },
    });
  }
  eachKey(before.schemas, after.schemas, {
    removed: (file) => out.add("breaking", ["schemas", file], `the artifact schema ${file} was removed`),
    added: (file) => out.add("additive", ["schemas", file], `${file} is a new artifact schema`),
    both: (file, x, y) => diffSchema(out, file, ["schemas", file], "", x, y),
  });
  return out.list;
}

type FieldRule = (before: unknown, after: unknown) => [DifferenceKind, string];

const defaultRule: FieldRule = (x, y) => ["breaking", `now defaults to ${show(y)} instead of ${show(x)}: command lines that omit it change meaning`];

const optionRules: Readonly<Record<string, FieldRule>> = {
  short: (x, y) => (x === null ? ["additive", `gained the short flag ${String(y)}`] : ["breaking", y === null ? `lost its short flag ${String(x)}` : `changed its short flag from ${String(x)} to ${String(y)}`]),
  value: (x, y) =>
    x === "none" ? ["breaking", `now takes a value (${String(y)}): the word after it is no longer an argument`]
    : y === "none" ? ["breaking", "no longer takes a value: command lines that give one stop working"]
    : y === "optional" ? ["additive", "now takes an optional value instead of a required one"]
    : ["breaking", "now requires a value: command lines that give it without one stop working"],
  required: (_x, y) => (y ? ["breaking", "is now required: command lines without it stop working"] : ["additive", "is no longer required"]),
  variadic: (_x, y) => ["breaking", y ? "now takes several values: words after it that were arguments become its values" : "no longer takes several values"],
  negatable: (_x, y) => (y ? ["additive", "can now be turned off with a --no- flag"] : ["breaking", "can no longer be turned off with a --no- flag"]),
  default: defaultRule,
  env: (x, y) => (x === undefined ? ["additive", `can now be set with the environment variable ${String(y)}`] : ["breaking", y === undefined ? `can no longer be set with ${String(x)}` : `is now set with ${String(y)} instead of ${String(x)}`]),
};

const argumentRules: Readonly<Record<string, FieldRule>> = {
  name: (x, y) => ["additive", `is now called <${String(y)}> (was <${String(x)}>); arguments are positional, so command lines are unaffected`],
  required: (_x, y) => (y ? ["breaking", "is now required: command lines without it stop working"] : ["additive", "is now optional"]),
  variadic: (_x, y) => (y ? ["additive", "now takes several values"] : ["breaking", "no longer takes several values: command lines that give several stop working"]),
  default: defaultRule,
};

function diffCommand(out: Differences, at: readonly string[], label: string, x: CommandContract, y: CommandContract): void {
  for (const alias of x.aliases.filter((a) => !y.aliases.includes(a))) out.add("breaking", [...at, "aliases"], `\`${label}\` lost its alias ${alias}`);
  for (const alias of y.aliases.filter((a) => !x.aliases.includes(a))) out.add("additive", [...at, "aliases"], `\`${label}\` gained the alias ${alias}`);
  const count = Math.max(x.arguments.length, y.arguments.length);
  for (let i = 0; i < count; i += 1) {
    const [before, after] = [x.arguments[i], y.arguments[i]];
    const where = [...at, "arguments", String(i)];
    if (!after) out.add("breaking", where, `\`${label}\` no longer takes the argument <${before!.name}>: command lines that give it stop working`);
    else if (!before) out.add(after.required ? "breaking" : "additive", where, after.required ? `\`${label}\` takes a new required argument <${after.name}>: command lines without it stop working` : `\`${label}\` takes a new optional argument [${after.name}]`);
    else diffFields(out, where, `the argument <${before.name}> of \`${label}\``, before, after, argumentRules);
  }
  eachKey(x.options, y.options, {
    removed: (flag) => out.add("breaking", [...at, "options", flag], `\`${label}\` no longer has the option ${flag}: command lines that use it stop working`),
    added: (flag, option) =>
      out.add(option.required ? "breaking" : "additive", [...at, "options", flag], option.required ? `\`${label}\` has a new required option ${flag}: command lines without it stop working` : `\`${label}\` has a new option ${flag}`),
    both: (flag, before, after) => diffFields(out, [...at, "options", flag], `${flag} of \`${label}\``, before, after, optionRules),
  });
}

/** One difference per changed field, by its rule; a field without a rule is breaking. */
function diffFields(out: Differences, at: readonly string[], subject: string, x: object, y: object, rules: Readonly<Record<string, FieldRule>>): void {
  const [a, b] = [x as Record<string, unknown>, y as Record<string, unknown>];
  for (const field of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    if (same(a[field], b[field])) continue;
    if (field === "choices") {
      diffValues(out, [...at, field], subject, a[field] as unknown[] | undefined, b[field] as unknown[] | undefined);
      continue;
    }
    const [kind, message] = rules[field]?.(a[field], b[field]) ?? ["breaking", `changed ${field} from ${show(a[field])} to ${show(b[field])}`];
    out.add(kind, [...at, field], `${subject} ${message}`);
  }
}

/**
 * A closed set of values (an option's choices, a schema's enum): a value removed is breaking, a
 * value added is additive; a set that appears or disappears restricts or frees the values, and is
 * breaking.
 */
function diffValues(out: Differences, at: readonly string[], subject: string, x: readonly unknown[] | undefined, y: readonly unknown[] | undefined): void {
  if (x === undefined || y === undefined) {
    out.add("breaking", at, x === undefined ? `${subject} is now limited to ${y!.map(show).join(", ")}` : `${subject} is no longer limited to ${x.map(show).join(", ")}`);
    return;
  }
  for (const value of x.filter((v) => !y.some((w) => same(v, w)))) out.add("breaking", at, `${subject} no longer allows ${show(value)}`);
  for (const value of y.filter((v) => !x.some((w) => same(v, w)))) out.add("additive", at, `${subject} now also allows ${show(value)}`);
}

const typesOf = (schema: Record<string, unknown>): string[] | undefined => (schema.type === undefined ? undefined : [schema.type].flat().map(String).sort());
const valuesOf = (schema: Record<string, unknown>): unknown[] | undefined => (Array.isArray(schema.enum) ? schema.enum : "const" in schema ? [schema.const] : undefined);

/**
 * Two versions of one JSON Schema. A document that was valid must stay valid, and a field a reader
 * could rely on must stay there with its type: a new optional property, a new `$defs` entry and a
 * new enum value are additive; a property removed, retyped, made required or made optional, a
 * required property added, an enum value removed, and every change not classified here are
 * breaking.
 */
function diffSchema(out: Differences, file: string, at: readonly string[], field: string, x: unknown, y: unknown): void {
  if (same(x, y)) return;
  const subject = `${file}: ${field ? `the field ${field}` : "the document"}`;
  if (!isRecord(x) || !isRecord(y)) {
    out.add("breaking", at, `${subject} changed from ${show(x)} to ${show(y)}`);
    return;
  }
  const handled = new Set<string>(["enum", "const", "type", ...SUBSCHEMA, ...SUBSCHEMA_LIST, ...SUBSCHEMA_MAP]);
  const [vx, vy] = [valuesOf(x), valuesOf(y)];
  if (!same(vx, vy)) diffValues(out, [...at, "enum" in y || !("const" in y) ? "enum" : "const"], subject, vx, vy);
  const [tx, ty] = [typesOf(x), typesOf(y)];
  if (!same(tx, ty)) out.add("breaking", [...at, "type"], `${subject} changed type from ${tx?.join(" | ") ?? "any"} to ${ty?.join(" | ") ?? "any"}`);
  if (isRecord(x.properties) && isRecord(y.properties)) {
    handled.add("required");
    diffProperties(out, file, at, field, x, y);
  }
  for (const keyword of SUBSCHEMA) {
    if (!(keyword in x) && !(keyword in y)) continue;
    if (!(keyword in x) || !(keyword in y)) out.add("breaking", [...at, keyword], `${subject} ${keyword in y ? "gained" : "lost"} the constraint ${keyword}`);
    else diffSchema(out, file, [...at, keyword], subField(field, keyword), x[keyword], y[keyword]);
  }
  for (const keyword of SUBSCHEMA_LIST) {
    const [lx, ly] = [x[keyword], y[keyword]];
    if (same(lx, ly)) continue;
    if (!Array.isArray(lx) || !Array.isArray(ly) || lx.length !== ly.length) {
      out.add("breaking", [...at, keyword], `${subject} changed its ${keyword} from ${Array.isArray(lx) ? lx.length : "no"} to ${Array.isArray(ly) ? ly.length : "no"} subschemas`);
      continue;
    }
    lx.forEach((item, i) => diffSchema(out, file, [...at, keyword, String(i)], keyword === "prefixItems" ? `${field}[${i}]` : field, item, ly[i]));
  }
  for (const keyword of SUBSCHEMA_MAP) {
    if (keyword === "properties" && handled.has("required")) continue;
    const [mx, my] = [x[keyword], y[keyword]];
    if (same(mx, my)) continue;
    if (!isRecord(mx) || !isRecord(my)) {
      out.add("breaking", [...at, keyword], `${subject} ${isRecord(my) ? "gained" : "lost"} ${keyword}`);
      continue;
    }
    const definitions = keyword === "$defs" || keyword === "definitions";
    eachKey(mx, my, {
      removed: (key) => out.add("breaking", [...at, keyword, key], `${subject} lost ${keyword} ${key}`),
      added: (key) => out.add(definitions ? "additive" : "breaking", [...at, keyword, key], `${subject} gained ${keyword} ${key}`),
      both: (key, a, b) => diffSchema(out, file, [...at, keyword, key], definitions ? key : field, a, b),
    });
  }
  for (const keyword of [...new Set([...Object.keys(x), ...Object.keys(y)])].sort()) {
    if (handled.has(keyword) || same(x[keyword], y[keyword])) continue;
    out.add("breaking", [...at, keyword], `${subject} changed ${keyword} from ${show(x[keyword])} to ${show(y[keyword])}`);
  }
}

function diffProperties(out: Differences, file: string, at: readonly string[], field: string, x: Record<string, unknown>, y: Record<string, unknown>): void {
  const required = (schema: Record<string, unknown>) => new Set(Array.isArray(schema.required) ? schema.required.map(String) : []);
  const [rx, ry] = [required(x), required(y)];
  const name = (key: string) => `${file}: the field ${field ? `${field}.${key}` : key}`;
  eachKey(x.properties as Record<string, unknown>, y.properties as Record<string, unknown>, {
    removed: (key) => out.add("breaking", [...at, "properties", key], `${name(key)} was removed`),
    added: (key) =>
      ry.has(key)
        ? out.add("breaking", [...at, "properties", key], `${name(key)} was added as a required field: documents without it no longer validate`)
        : out.add("additive", [...at, "properties", key], `${name(key)} is a new optional field`),
    both: (key, a, b) => {
      diffSchema(out, file, [...at, "properties", key], field ? `${field}.${key}` : key, a, b);
      if (rx.has(key) && !ry.has(key)) out.add("breaking", [...at, "required"], `${name(key)} is no longer required: a reader can no longer rely on it`);
      if (!rx.has(key) && ry.has(key)) out.add("breaking", [...at, "required"], `${name(key)} is now required: documents without it no longer validate`);
    },
  });
}

function subField(field: string, keyword: string): string {
  if (keyword === "items") return `${field}[]`;
  if (keyword === "additionalProperties" || keyword === "unevaluatedProperties") return `${field}.*`;
  if (keyword === "propertyNames") return `${field} (its keys)`;
  return field;
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
