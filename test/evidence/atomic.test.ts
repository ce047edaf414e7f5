import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeFileAtomic } from "../support/lib.js";
import { tempDir } from "../support/tmp.js";

describe("writeFileAtomic", () => {
  it("creates parents, writes, and replaces an existing file whole", async () => {
    const dir = tempDir();
    const file = join(dir, "a", "b", "out.json");
    await writeFileAtomic(file, "first\n");
    await writeFileAtomic(file, Buffer.from("second\n"));
    expect(readFileSync(file, "utf8")).toBe("second\n");
    expect(readdirSync(join(dir, "a", "b"))).toEqual(["out.json"]);
  });

  it("leaves neither a partial file nor its temp file when the write fails", async () => {
    const dir = tempDir();
    // The destination is a directory: the rename fails after the data was written and synced.
    mkdirSync(join(dir, "out.json"));
    writeFileSync(join(dir, "other.txt"), "untouched");
    await expect(writeFileAtomic(join(dir, "out.json"), "data")).rejects.toThrow();
    expect(readdirSync(dir).sort()).toEqual(["other.txt", "out.json"]);
    expect(readdirSync(join(dir, "out.json"))).toEqual([]);
  });

  it("never shows a reader half a file while many writers race", async () => {
    const dir = tempDir();
    const file = join(dir, "race.txt");
    const versions = Array.from({ length: 20 }, (_, i) => String(i).repeat(200_000));
    await writeFileAtomic(file, versions[0]!);
    const writes = Promise.all(versions.map((v) => writeFileAtomic(file, v)));
    const seen = new Set<string>();
    for (let i = 0; i < 50; i += 1) seen.add(readFileSync(file, "utf8"));
    await writes;
    for (const text of seen) expect(versions).toContain(text);
    expect(readdirSync(dir)).toEqual(["race.txt"]);
  });
});
