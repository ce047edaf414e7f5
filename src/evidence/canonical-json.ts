/**
 * Canonical JSON (RFC 8785 style) for every hash taken over a JSON document, and one stable
 * pretty form for JSON files bindery writes.
 *
 * Canonical form: object keys sorted by UTF-16 code units, no insignificant whitespace, numbers
 * in ECMAScript's shortest round-trip form (`1`, `0.5`, `1e+21`; `-0` is `0`), strings escaped as
 * `JSON.stringify` escapes them. Non-finite numbers, bigints, functions and `undefined` array
 * items are refused; `undefined` object members are omitted, as `JSON.stringify` omits them.
 *
 * Pretty form: the same values and key order, two-space indentation, and a final newline, so two
 * runs over the same data write byte-identical files.
 */
import { createHash } from "node:crypto";
import { BinderyError } from "./errors.js";

/**
 * Serializes `value` with object keys in canonical order. This cannot build a sorted object and
 * hand it to `JSON.stringify`: JavaScript enumerates integer-like keys ("1", "42") first whatever
 * the insertion order, which would put `"1"` before `"\r"`.
 */
function serialize(value: unknown, where: string, indent: string, depth: number): string {
  if (value === null || typeof value === "boolean" || typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) {
      throw new BinderyError("INTERNAL", `canonical JSON cannot hold the number ${value} at ${where || "/"}.`);
    }
    return JSON.stringify(value);
  }
  const open = indent === "" ? "" : `\n${indent.repeat(depth + 1)}`;
  const close = indent === "" ? "" : `\n${indent.repeat(depth)}`;
  const separator = indent === "" ? "," : `,${open}`;
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    const items = value.map((item: unknown, index) => {
      if (item === undefined) {
        throw new BinderyError("INTERNAL", `canonical JSON cannot hold undefined at ${where}/${index}.`);
      }
      return serialize(item, `${where}/${index}`, indent, depth + 1);
    });
    return `[${open}${items.join(separator)}${close}]`;
  }
  if (isPlainObject(value)) {
    const colon = indent === "" ? ":" : ": ";
    const members = Object.keys(value)
      .sort()
      .filter((key) => value[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}${colon}${serialize(value[key], `${where}/${key}`, indent, depth + 1)}`);
    return members.length === 0 ? "{}" : `{${open}${members.join(separator)}${close}}`;
  }
  throw new BinderyError("INTERNAL", `canonical JSON cannot hold a ${describe(value)} at ${where || "/"}.`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describe(value: unknown): string {
  if (typeof value === "object" && value !== null) return value.constructor?.name ?? "object";
  return typeof value;
}

/** The canonical serialization: the bytes every JSON hash is taken over. */
export function canonicalJson(value: unknown): string {
  return serialize(value, "", "", 0);
}

/** Lowercase hex SHA-256 of the canonical serialization. */
export function canonicalHash(value: unknown): string {
  return createHash("sha256").update(canonicalJson(value), "utf8").digest("hex");
}

/** The stable pretty form for files: canonical key order, two-space indent, final newline. */
export function prettyJson(value: unknown): string {
  return `${serialize(value, "", "  ", 0)}\n`;
}
