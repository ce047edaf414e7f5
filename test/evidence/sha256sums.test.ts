import { describe, expect, it } from "vitest";
import { formatSums, parseSums } from "../support/lib.js";

const A = "a".repeat(64);
const B = "b".repeat(64);
const parse = (text: string) => parseSums(Buffer.from(text, "utf8"), "SHA256SUMS");
const codes = (text: string) => parse(text).findings.map((f) => f.code);

describe("SHA256SUMS format", () => {
  it("round-trips awkward names through the escaped form", () => {
    const entries = [
      { path: "z.txt", sha256: A },
      { path: "back\\slash", sha256: B },
      { path: "new\nline", sha256: A },
      { path: "cr\rname", sha256: B },
      { path: "sp ace/ünï", sha256: A },
    ];
    const text = formatSums(entries);
    expect(text).toBe(
      [`\\${B}  back\\\\slash`, `\\${B}  cr\\rname`, `\\${A}  new\\nline`, `${A}  sp ace/ünï`, `${A}  z.txt`, ""].join("\n"),
    );
    const parsed = parse(text);
    expect(parsed.findings).toEqual([]);
    expect(parsed.entries.map((e) => e.path).sort()).toEqual(entries.map((e) => e.path).sort());
  });

  it("accepts binary mode, uppercase digests, ./ prefixes, comments, blank lines and a missing final newline", () => {
    const parsed = parse(`# made by hand\n${A.toUpperCase()} *./bin/model.bin\n\n${B}  notes.md`);
    expect(parsed.findings).toEqual([]);
    expect(parsed.entries).toEqual([
      { path: "bin/model.bin", sha256: A, binary: true, line: 2 },
      { path: "notes.md", sha256: B, binary: false, line: 4 },
    ]);
  });

  it("accepts CRLF line endings, as GNU does (a real carriage return in a name is escaped)", () => {
    const parsed = parse(`${A}  a.txt\r\n\\${B}  cr\\rname\r\n`);
    expect(parsed.findings).toEqual([]);
    expect(parsed.entries.map((e) => e.path)).toEqual(["a.txt", "cr\rname"]);
  });

  it.each([
    ["a 63-character digest", `${"a".repeat(63)}  x`, "BAD_DIGEST", /has 63 hexadecimal characters, not 64/],
    ["a 65-character digest", `${"a".repeat(65)}  x`, "BAD_DIGEST", /has 65 hexadecimal characters/],
    ["a non-hex digest", `${"z".repeat(64)}  x`, "BAD_DIGEST", /is not hexadecimal/],
    ["one space only", `${A} x`, "MALFORMED_SUMS_LINE", /two spaces/],
    ["no name", `${A}  `, "MALFORMED_SUMS_LINE", /name is missing/],
    ["no separator", A, "MALFORMED_SUMS_LINE", /expected `<sha256>  <name>`/],
    ["a BSD tag line", `SHA256 (x) = ${A}`, "MALFORMED_SUMS_LINE", /BSD-style/],
    ["a bad escape", `\\${A}  a\\tb`, "MALFORMED_SUMS_LINE", /escaped line/],
    ["a ../ path", `${A}  ../x`, "UNSAFE_PATH", /`\.\.` segment/],
    ["an absolute path", `${A}  /etc/passwd`, "PRIVATE_PATH", /absolute/],
    ["a home path", `${A}  ~/x`, "PRIVATE_PATH", /home directory/],
    ["a non-NFC name", `${A}  cafe\u0301`, "UNSAFE_PATH", /NFC/],
  ])("rejects %s", (_name, line, code, message) => {
    const { entries, findings } = parse(`${B}  ok.txt\n${line}\n`);
    expect(findings.map((f) => f.code)).toEqual([code]);
    expect(findings[0]).toMatchObject({ path: "SHA256SUMS", line: 2 });
    expect(findings[0]!.message).toMatch(/^SHA256SUMS line 2: /);
    expect(findings[0]!.message).toMatch(message);
    expect(entries.map((e) => e.path)).toEqual(["ok.txt"]);
  });

  it("rejects a duplicate path, normalized spellings included, naming the first line", () => {
    const { findings } = parse(`${A}  x.txt\n${B}  ./x.txt\n`);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ code: "DUPLICATE_PATH", line: 2 });
    expect(findings[0]!.message).toContain('"x.txt" is already listed on line 1');
  });

  it("rejects a line that is not UTF-8, and a file that lists nothing", () => {
    const bad = Buffer.concat([Buffer.from(`${A}  `), Buffer.from([0xff, 0xfe]), Buffer.from("\n")]);
    expect(parseSums(bad, "SHA256SUMS").findings.map((f) => f.code)).toEqual(["UNSAFE_PATH"]);
    expect(codes("")).toEqual(["MALFORMED_SUMS_LINE"]);
    expect(codes("# only a comment\n")).toEqual(["MALFORMED_SUMS_LINE"]);
  });

  it("reports every bad line, not just the first", () => {
    expect(codes(`${A}  ../a\n${"a".repeat(63)}  b\n${A} c\n${A}  d\n${A}  d\n`)).toEqual([
      "UNSAFE_PATH",
      "BAD_DIGEST",
      "MALFORMED_SUMS_LINE",
      "DUPLICATE_PATH",
    ]);
  });

  it("refuses to write an unsafe name or a bad digest", () => {
    expect(() => formatSums([{ path: "../x", sha256: A }])).toThrow(/UNSAFE|not public-safe/);
    expect(() => formatSums([{ path: "x", sha256: "abc" }])).toThrow(/not a SHA-256 digest/);
  });
});
