import { describe, expect, it } from "vitest";
import { compileGlob, compileGlobs } from "../support/lib.js";

describe("exclusion globs", () => {
  it.each([
    ["*.tmp", "a.tmp", true],
    ["*.tmp", "deep/dir/a.tmp", true],
    ["*.tmp", "a.tmp.keep", false],
    [".git", ".git/config", true],
    [".git", "sub/.git/HEAD", true],
    ["cache/**", "cache/a/b.bin", true],
    ["cache/**", "sub/cache/a.bin", false],
    ["/cache", "cache/x", true],
    ["cache/*.bin", "cache/x.bin", true],
    ["cache/*.bin", "cache/a/x.bin", false],
    ["**/*.log", "a.log", true],
    ["**/*.log", "x/y/a.log", true],
    ["logs/**/*.txt", "logs/a.txt", true],
    ["logs/**/*.txt", "logs/x/y/a.txt", true],
    ["file?.txt", "file1.txt", true],
    ["file?.txt", "file10.txt", false],
    ["[ab].bin", "a.bin", true],
    ["[!ab].bin", "a.bin", false],
    ["[!ab].bin", "c.bin", true],
    ["*.{tmp,bak}", "x.bak", true],
    ["*.{tmp,bak}", "x.old", false],
    ["a+b(1).txt", "a+b(1).txt", true],
  ])("%j against %j is %s", (pattern, path, expected) => {
    expect(compileGlob(pattern)(path)).toBe(expected);
  });

  it("matches when any pattern matches", () => {
    const match = compileGlobs(["*.tmp", "cache/**"]);
    expect([match("x.tmp"), match("cache/y"), match("z.bin")]).toEqual([true, true, false]);
    expect(compileGlobs([])("anything")).toBe(false);
  });
});
