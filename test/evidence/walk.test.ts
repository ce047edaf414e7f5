import { spawnSync } from "node:child_process";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { throwOnFindings, walkTree } from "../support/lib.js";
import { tempDir, writeTree } from "../support/tmp.js";

describe("walkTree: the safe directory walk", () => {
  it("lists regular files sorted by UTF-8 bytes, with sizes when asked", () => {
    const root = writeTree(tempDir(), { "b.txt": "bb", "a/z.txt": "z", "a b.txt": "", "\uFF61": "x", "\u{1F600}": "y" });
    expect(walkTree(root).files.every((f) => f.size === undefined)).toBe(true);
    const { files, findings } = walkTree(root, { sizes: true });
    expect(findings).toEqual([]);
    expect(files.map((f) => [f.path, f.size])).toEqual([
      ["a b.txt", 0],
      ["a/z.txt", 1],
      ["b.txt", 2],
      ["\uFF61", 1],
      ["\u{1F600}", 1],
    ]);
  });

  it("follows links that stay inside the root; refuses ones that leave, dangle or loop", () => {
    const outside = writeTree(tempDir(), { "secret.txt": "s" });
    const root = writeTree(tempDir(), { "data/real.txt": "r" });
    symlinkSync("data/real.txt", join(root, "alias.txt"));
    symlinkSync("data", join(root, "data-link"));
    symlinkSync(join(outside, "secret.txt"), join(root, "escape.txt"));
    symlinkSync("missing.txt", join(root, "dangling"));
    symlinkSync("..", join(root, "data", "up"));
    const { files, findings } = walkTree(root);
    expect(files.map((f) => f.path)).toEqual(["alias.txt", "data-link/real.txt", "data/real.txt"]);
    expect(findings.map((f) => [f.code, f.path])).toEqual([
      ["SYMLINK_ESCAPE", "dangling"],
      ["SYMLINK_ESCAPE", "data-link/up"],
      ["SYMLINK_ESCAPE", "data/up"],
      ["SYMLINK_ESCAPE", "escape.txt"],
    ]);
    expect(findings.map((f) => f.message)).toEqual([
      "dangling is a symbolic link that dangles (its target does not exist).",
      "data-link/up is a symbolic link that loops back to one of its own parents.",
      "data/up is a symbolic link that loops back to one of its own parents.",
      "escape.txt is a symbolic link that points outside the directory.",
    ]);
  });

  it("refuses special files and names that break the path rule", () => {
    const root = writeTree(tempDir(), { "ok.txt": "o", "cafe\u0301.txt": "nfd", "back\\slash": "b" });
    expect(spawnSync("mkfifo", [join(root, "fifo")]).status).toBe(0);
    const strict = walkTree(root);
    expect(strict.findings.map((f) => [f.code, f.path])).toEqual([
      ["UNSAFE_PATH", "back\\slash"],
      ["UNSAFE_PATH", "cafe\u0301.txt"],
      ["SPECIAL_FILE", "fifo"],
    ]);
    // The filename policy (SHA256SUMS members) accepts the backslash, not the NFD name.
    expect(walkTree(root, { policy: "filename" }).files.map((f) => f.path)).toEqual(["back\\slash", "ok.txt"]);
  });

  it("names a file whose name is not UTF-8 (with its bytes), and accepts a real U+FFFD", () => {
    const root = writeTree(tempDir(), { "ok.txt": "o", "real\uFFFD.txt": "r" });
    writeFileSync(Buffer.from(`${root}/bad\xff\xfe.bin`, "latin1"), "b");
    const { files, findings } = walkTree(root, { policy: "filename" });
    expect(files.map((f) => f.path)).toEqual(["ok.txt", "real\uFFFD.txt"]);
    expect(findings).toEqual([
      {
        code: "UNSAFE_PATH",
        severity: "error",
        path: "bad\uFFFD\uFFFD.bin",
        message: '"bad\uFFFD\uFFFD.bin" is not valid UTF-8 (bytes 626164fffe2e62696e); rename it.',
      },
    ]);
    // An exclusion that matches the name leaves it out like any other.
    expect(walkTree(root, { policy: "filename", exclude: ["*.bin"] }).findings).toEqual([]);
  });

  it("prunes excluded directories and skips exact paths", () => {
    const root = writeTree(tempDir(), { "keep/a.txt": "a", ".git/HEAD": "h", "x.tmp": "t", SHA256SUMS: "" });
    mkdirSync(join(root, "empty"));
    const { files } = walkTree(root, { exclude: [".git", "*.tmp"], skip: ["SHA256SUMS"] });
    expect(files.map((f) => f.path)).toEqual(["keep/a.txt"]);
  });

  it("throws the first finding's code with every finding attached", () => {
    const root = writeTree(tempDir(), { "a.txt": "a" });
    symlinkSync("/etc", join(root, "e1"));
    symlinkSync("/etc", join(root, "e2"));
    expect(() => throwOnFindings(walkTree(root), "pkg")).toThrow(
      expect.objectContaining({
        code: "SYMLINK_ESCAPE",
        message: "pkg: e1 is a symbolic link that points outside the directory (and 1 more problem).",
      }),
    );
  });

  it("names a root that is missing or not a directory", () => {
    const root = writeTree(tempDir(), { "f.txt": "f" });
    expect(() => walkTree(join(root, "nope"))).toThrow(expect.objectContaining({ code: "INPUT_NOT_FOUND" }));
    expect(() => walkTree(join(root, "f.txt"))).toThrow(expect.objectContaining({ code: "INPUT_INVALID" }));
  });
});
