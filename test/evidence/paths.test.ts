import { homedir, tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { BinderyError, comparePaths, findPrivatePath, pathWithin, safePath, sortByPath } from "../support/lib.js";

function rejection(input: string, policy?: "public" | "filename"): string {
  try {
    safePath(input, policy);
  } catch (error) {
    expect(error).toBeInstanceOf(BinderyError);
    return (error as BinderyError).code;
  }
  return "accepted";
}

describe("safePath: the public-safe path rule", () => {
  it("normalizes harmless spellings", () => {
    expect(safePath("a/b.txt")).toBe("a/b.txt");
    expect(safePath("./a//b/./c.txt")).toBe("a/b/c.txt");
    expect(safePath("dir/")).toBe("dir");
    expect(safePath("ünï/名前.json")).toBe("ünï/名前.json");
  });

  it.each([
    ["/etc/passwd", "PRIVATE_PATH"],
    ["~/weights.bin", "PRIVATE_PATH"],
    ["~alice/weights.bin", "PRIVATE_PATH"],
    ["C:\\Users\\a\\x.bin", "PRIVATE_PATH"],
    ["c:/data/x.bin", "PRIVATE_PATH"],
    ["\\\\server\\share\\x", "PRIVATE_PATH"],
    ["../x", "UNSAFE_PATH"],
    ["a/../../x", "UNSAFE_PATH"],
    ["a\\b", "UNSAFE_PATH"],
    ["a\u0000b", "UNSAFE_PATH"],
    ["a\nb", "UNSAFE_PATH"],
    ["cafe\u0301.txt", "UNSAFE_PATH"],
    ["", "UNSAFE_PATH"],
    [".", "UNSAFE_PATH"],
    ["./", "UNSAFE_PATH"],
  ])("refuses %j with %s", (input, code) => {
    expect(rejection(input)).toBe(code);
  });

  it("the filename policy allows backslash, tab, newline and CR (GNU writes them) and no other control character", () => {
    expect(safePath("back\\slash", "filename")).toBe("back\\slash");
    expect(safePath("new\nline\r\ttab", "filename")).toBe("new\nline\r\ttab");
    expect(rejection("esc\u001b[31mred", "filename")).toBe("UNSAFE_PATH");
    expect(rejection("bell\u0007", "filename")).toBe("UNSAFE_PATH");
    expect(rejection("del\u007f", "filename")).toBe("UNSAFE_PATH");
    expect(rejection("a\u0000b", "filename")).toBe("UNSAFE_PATH");
    expect(rejection("../x", "filename")).toBe("UNSAFE_PATH");
    expect(rejection("/x", "filename")).toBe("PRIVATE_PATH");
    expect(rejection("cafe\u0301", "filename")).toBe("UNSAFE_PATH");
  });

  it("names the offending path and the reason", () => {
    expect(() => safePath("../x")).toThrow(/path "\.\.\/x" is not public-safe: it contains a `\.\.` segment/);
  });
});

describe("findPrivatePath: private paths in free text", () => {
  it.each([
    ["/home/alice/run/weights.bin", "/home/alice/run/weights.bin"],
    ["failed to open /tmp/bindery-x/a.json: ENOENT", "/tmp/bindery-x/a.json:"],
    ["see /Users/bob/Desktop", "/Users/bob/Desktop"],
    ["cache at ~/.cache/hf", "~/.cache/hf"],
    ["written to C:\\Users\\a\\out", "C:\\Users\\a\\out"],
    ["/opt/data/x.bin", "/opt/data/x.bin"],
    ["tmp dir /var/folders/xy/T/abc", "/var/folders/xy/T/abc"],
    ["see file:///home/alice/notes.txt", "/home/alice/notes.txt"],
    ["~", "~"],
    ["~/runs/7", "~/runs/7"],
  ])("finds the private path in %j", (text, found) => {
    expect(findPrivatePath(text)).toBe(found);
  });

  it.each([
    "POST /api/repos/create answered 200",
    "https://huggingface.co/org/model/resolve/main/weights.bin",
    "throughput 1,290 MB/s on 2 cores",
    "models/classifier/weights.bin",
    "and/or",
    "~5% faster than the baseline",
    "a speed-up of ~4x",
    "~4x",
    "roughly ~alice's numbers",
  ])("accepts %j", (text) => {
    expect(findPrivatePath(text)).toBeUndefined();
  });

  it("finds this machine's own home and temp directories anywhere in a string", () => {
    expect(findPrivatePath(`cwd-relative?${tmpdir()}/x`)).toBeDefined();
    if (homedir().split("/").filter(Boolean).length >= 2) expect(findPrivatePath(`x=${homedir()}`)).toBeDefined();
  });
});

describe("pathWithin: the one inside-a-directory check", () => {
  it("gives the POSIX relative path inside, an empty string for the base itself, undefined outside", () => {
    expect(pathWithin("/pkg", "/pkg/a/b.txt")).toBe("a/b.txt");
    expect(pathWithin("/pkg/", "/pkg/./a/../c")).toBe("c");
    expect(pathWithin("/pkg", "/pkg")).toBe("");
    expect(pathWithin("/pkg", "/pkg-other/a")).toBeUndefined();
    expect(pathWithin("/pkg", "/")).toBeUndefined();
    expect(pathWithin("/pkg/a", "/pkg")).toBeUndefined();
    // A name that merely starts with two dots is inside.
    expect(pathWithin("/pkg", "/pkg/..hidden")).toBe("..hidden");
  });
});

describe("path ordering", () => {
  it("sorts by UTF-8 bytes, not UTF-16 code units", () => {
    // U+FF61 sorts before U+1F600 in UTF-16 (0xFF61 > 0xD83D is false... the surrogate 0xD83D is smaller),
    // but after it in UTF-8 bytes (EF BD A1 < F0 9F 98 80).
    const paths = ["\u{1F600}", "\uFF61", "b", "B", "a/b", "a b"];
    expect(sortByPath(paths, (p) => p)).toEqual(["B", "a b", "a/b", "b", "\uFF61", "\u{1F600}"]);
    expect([...paths].sort()).not.toEqual(sortByPath(paths, (p) => p));
    expect(comparePaths("a", "b")).toBeLessThan(0);
  });
});
