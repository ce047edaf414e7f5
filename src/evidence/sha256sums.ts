/**
 * SHA256SUMS in GNU coreutils format, both ways: `sha256sum -c` accepts what bindery writes, and
 * bindery accepts what `sha256sum` writes.
 *
 *   <64 hex>  <name>        text mode (what bindery writes)
 *   <64 hex> *<name>        binary mode (accepted)
 *   \<64 hex>  <escaped>    a name holding `\`, newline or carriage return: `\\`, `\n`, `\r`
 *
 * Lines are sorted by the UTF-8 bytes of the name; blank lines and `#` comments are skipped, as
 * GNU skips them. Reading returns every problem as a finding, not just the first.
 */
import { BinderyError, type Finding } from "./errors.js";
import { safePath, sortByPath } from "./paths.js";

export interface SumsEntry {
  path: string;
  /** Lowercase hex. */
  sha256: string;
  binary: boolean;
  /** 1-based line number in the file read. */
  line: number;
}

export interface ParsedSums {
  entries: SumsEntry[];
  findings: Finding[];
}

const HEX64 = /^[0-9a-fA-F]{64}$/;
const NEEDS_ESCAPE = /[\\\n\r]/;

/** Serializes entries: sorted, lowercase, escaped where GNU escapes. */
export function formatSums(entries: readonly { path: string; sha256: string }[]): string {
  return sortByPath(entries, (e) => e.path)
    .map(({ path, sha256 }) => {
      const name = safePath(path, "filename");
      if (!HEX64.test(sha256)) throw new BinderyError("INTERNAL", `not a SHA-256 digest for ${name}: ${sha256}`);
      const digest = sha256.toLowerCase();
      if (!NEEDS_ESCAPE.test(name)) return `${digest}  ${name}\n`;
      return `\\${digest}  ${name.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/\r/g, "\\r")}\n`;
    })
    .join("");
}

/** Parses a checksum file's bytes. `source` names the file in findings (e.g. `SHA256SUMS`). */
export function parseSums(bytes: Uint8Array, source: string): ParsedSums {
  const entries: SumsEntry[] = [];
  const findings: Finding[] = [];
  const seen = new Map<string, number>();
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const problem = (code: Finding["code"], line: number, message: string) =>
    findings.push({ code, severity: "error", path: source, line, message: `${source} line ${line}: ${message}` });

  const lines = splitLines(bytes);
  lines.forEach((raw, index) => {
    const line = index + 1;
    let text: string;
    try {
      text = decoder.decode(raw);
    } catch {
      return problem("UNSAFE_PATH", line, "the line is not valid UTF-8.");
    }
    // GNU escapes a carriage return in a name, so a raw one at the end is a CRLF line ending.
    if (text.endsWith("\r")) text = text.slice(0, -1);
    if (text === "" || text.startsWith("#")) return;
    const parsed = parseLine(text);
    if (typeof parsed === "string") return problem("MALFORMED_SUMS_LINE", line, parsed);
    if (!HEX64.test(parsed.digest)) return problem("BAD_DIGEST", line, describeBadDigest(parsed.digest, parsed.name));
    let path: string;
    try {
      path = safePath(parsed.name, "filename");
    } catch (error) {
      const rejected = error as BinderyError;
      return problem(rejected.code, line, rejected.message);
    }
    const first = seen.get(path);
    if (first !== undefined) {
      return problem("DUPLICATE_PATH", line, `${JSON.stringify(path)} is already listed on line ${first}.`);
    }
    seen.set(path, line);
    entries.push({ path, sha256: parsed.digest.toLowerCase(), binary: parsed.binary, line });
  });
  if (entries.length === 0 && findings.length === 0) {
    findings.push({
      code: "MALFORMED_SUMS_LINE",
      severity: "error",
      path: source,
      message: `${source} lists no files (sha256sum -c rejects a checksum file without lines).`,
    });
  }
  return { entries, findings };
}

/** Splits on LF; a final LF ends the last line rather than starting an empty one. */
function splitLines(bytes: Uint8Array): Uint8Array[] {
  const lines: Uint8Array[] = [];
  let start = 0;
  for (let i = bytes.indexOf(0x0a); i !== -1; i = bytes.indexOf(0x0a, start)) {
    lines.push(bytes.subarray(start, i));
    start = i + 1;
  }
  if (start < bytes.length) lines.push(bytes.subarray(start));
  return lines;
}

/** Returns the line's parts, or why it is malformed. */
function parseLine(text: string): { digest: string; name: string; binary: boolean } | string {
  const escaped = text.startsWith("\\");
  const body = escaped ? text.slice(1) : text;
  const space = body.indexOf(" ");
  if (space <= 0) return "expected `<sha256>  <name>` (digest, two spaces or space and `*`, file name).";
  const digest = body.slice(0, space);
  const mode = body[space + 1];
  if (mode !== " " && mode !== "*") {
    return /^[A-Z0-9-]+$/.test(digest) && body[space + 1] === "("
      ? "BSD-style `ALGO (name) = digest` lines are not accepted; write GNU format (sha256sum without --tag)."
      : "expected two spaces (text mode) or a space and `*` (binary mode) after the digest.";
  }
  const rawName = body.slice(space + 2);
  if (rawName === "") return "the file name is missing.";
  if (!escaped) return { digest, name: rawName, binary: mode === "*" };
  const name = unescapeName(rawName);
  return name === undefined
    ? "an escaped line may only use `\\\\`, `\\n` and `\\r` in its file name."
    : { digest, name, binary: mode === "*" };
}

function unescapeName(raw: string): string | undefined {
  let out = "";
  for (let i = 0; i < raw.length; i += 1) {
    const c = raw[i];
    if (c !== "\\") {
      out += c;
      continue;
    }
    const next = raw[i + 1];
    if (next === "\\") out += "\\";
    else if (next === "n") out += "\n";
    else if (next === "r") out += "\r";
    else return undefined;
    i += 1;
  }
  return out;
}

function describeBadDigest(digest: string, name: string): string {
  const what = /^[0-9a-fA-F]*$/.test(digest)
    ? `has ${digest.length} hexadecimal characters, not 64`
    : "is not hexadecimal";
  return `the digest for ${JSON.stringify(name)} ${what}.`;
}
