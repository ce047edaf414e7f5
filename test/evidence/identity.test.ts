import { createHash } from "node:crypto";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { identitiesOf, identityOfBytes, identitySchema, locateIdentity, rootedIdentitySchema } from "../support/lib.js";
import { tempDir, writeTree } from "../support/tmp.js";

const sha = (text: string) => createHash("sha256").update(text).digest("hex");

describe("identities", () => {
  it("names files under a package root by their public-safe relative paths", async () => {
    const root = writeTree(tempDir(), { "weights/a.bin": "alpha", "config.json": "{}" });
    expect(await identitiesOf(root, ["./weights//a.bin", "config.json"])).toEqual([
      { path: "weights/a.bin", sha256: sha("alpha"), size: 5 },
      { path: "config.json", sha256: sha("{}"), size: 2 },
    ]);
    await expect(identitiesOf(root, ["../outside"])).rejects.toMatchObject({ code: "UNSAFE_PATH" });
    await expect(identitiesOf(root, ["missing.bin"])).rejects.toMatchObject({
      code: "INPUT_NOT_FOUND",
      message: "file missing.bin does not exist.",
    });
  });

  it("takes the identity of bytes in memory", () => {
    expect(identityOfBytes("card.md", "# Card\n")).toEqual({ path: "card.md", sha256: sha("# Card\n"), size: 7 });
    expect(() => identityOfBytes("/abs/card.md", "x")).toThrow(expect.objectContaining({ code: "PRIVATE_PATH" }));
  });

  it("locates an identity in its own package or, by its root label, in another one", () => {
    const own = { path: "a.bin", sha256: sha("a"), size: 1 };
    expect(locateIdentity(own, "/pkg/model")).toBe(join("/pkg/model", "a.bin"));
    const inDataset = { ...own, path: "data/train.jsonl", root: "dataset" as const };
    expect(locateIdentity(inDataset, "/pkg/model", { dataset: "/pkg/data" })).toBe(join("/pkg/data", "data/train.jsonl"));
    expect(() => locateIdentity(inDataset, "/pkg/model")).toThrow(
      expect.objectContaining({ code: "INPUT_INVALID", message: expect.stringContaining("no dataset directory was given") }),
    );
  });

  it("the schema accepts only normalized public-safe paths, lowercase digests and whole sizes", () => {
    const good = { path: "w/a.bin", sha256: sha("a"), size: 1 };
    expect(identitySchema.safeParse(good).success).toBe(true);
    for (const bad of [
      { ...good, path: "./w/a.bin" },
      { ...good, path: "w/../a.bin" },
      { ...good, path: "C:/w/a.bin" },
      { ...good, sha256: sha("a").toUpperCase() },
      { ...good, size: -1 },
      { ...good, size: 1.5 },
    ]) {
      expect(identitySchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
    expect(rootedIdentitySchema.safeParse({ ...good, root: "model" }).success).toBe(true);
    expect(rootedIdentitySchema.safeParse({ ...good, root: "home" }).success).toBe(false);
  });
});
