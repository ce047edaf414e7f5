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

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Returns a copy of `value` reduced to plain JSON with object keys in canonical order. */
function normalize(value: unknown, where: string): Json {
  if (value === null || typeof value === "boolean" || typeof value === "string") return value;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) {
      throw new BinderyError("INTERNAL", `canonical JSON cannot hold the number ${value} at ${where || "/"}.`);
    }
    return value === 0 ? 0 : value;
  }
  if (Array.isArray(value)) {
    return value.map((item, index) => {
      if (item === undefined) {
        throw new BinderyError("INTERNAL", `canonical JSON cannot hold undefined at ${where}/${index}.`);
      }
      return normalize(item, `${where}/${index}`);
    });
  }
  if (isPlainObject(value)) {
    const out: { [key: string]: Json } = {};
    for (const key of Object.keys(value).sort()) {
      const member = value[key];
      if (member !== undefined) out[key] = normalize(member, `${where}/${key}`);
    }
    return out;
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
  return JSON.stringify(normalize(value, ""));
}

/** Lowercase hex SHA-256 of the canonical serialization. */
export function canonicalHash(value: unknown): string {
  return createHash("sha256").update(canonicalJson(value), "utf8").digest("hex");
}

/** The stable pretty form for files: canonical key order, two-space indent, final newline. */
export function prettyJson(value: unknown): string {
  return `${JSON.stringify(normalize(value, ""), null, 2)}\n`;
}
