/**
 * Comparing two contracts: every difference between a snapshot and the current contract, located
 * by a JSON pointer and classified as additive or breaking by the rules of docs/versioning.md
 * ("The contract"). A change no rule covers is breaking.
 */
import { canonicalJson } from "../evidence/canonical-json.js";
import type { ArgumentContract, CommandContract, Contract, OptionContract } from "./contract.js";

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
export function withoutAnnotations(schema: unknown): unknown {
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
