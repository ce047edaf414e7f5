/** `bindery model manifest`: the model id, shards with parity, and --verify. */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bindery } from "../support/cli.js";
import { merkleRootOfDigests } from "../support/lib.js";
import { tempDir, writeTree } from "../support/tmp.js";

const MiB = 1024 * 1024;

/** Deterministic pseudo-random bytes (xorshift), so failures reproduce. */
function bytes(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i += 1) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

function modelDir(): string {
  const dir = join(tempDir(), "model");
  writeTree(dir, {
    "config.json": '{"model_type": "tiny-mlp", "hidden": 8}\n',
    "model-00001-of-00002.safetensors": bytes(3 * MiB + 123, 1),
    "model-00002-of-00002.safetensors": bytes(2 * MiB + 7, 2),
    "tokenizer.json": '{"vocab": ["a", "b"]}\n',
  });
  return dir;
}

interface ManifestJson {
  model_id: string;
  merkle_root: string | null;
  shards: number;
}
interface Manifest {
  files: { path: string; role: string; sha256: string; size: number }[];
  shards: { index: number; path: string; sha256: string; size: number; is_parity: boolean }[] | null;
  stream: string[] | null;
  erasure: { data: number; parity: number; codec: string } | null;
  merkle_root: string | null;
  model_kind: string;
  total_size: number;
}

const read = (dir: string): Manifest => JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as Manifest;

async function manifest(dir: string, ...extra: string[]): Promise<ManifestJson> {
  const result = await bindery(["model", "manifest", "--model-dir", dir, "--json", ...extra]);
  expect(result.code, result.stderr).toBe(0);
  return result.json<ManifestJson>();
}

// An independent GF(2^8) (0x11d): shift-and-add multiplication and brute-force inverses.
function mul(a: number, b: number): number {
  let product = 0;
  for (; b > 0; b >>= 1) {
    if (b & 1) product ^= a;
    a <<= 1;
    if (a & 0x100) a ^= 0x11d;
  }
  return product;
}
function inv(a: number): number {
  for (let b = 1; b < 256; b += 1) if (mul(a, b) === 1) return b;
  throw new Error("no inverse");
}

describe("bindery model manifest", () => {
  it("writes canonical manifest.json whose sha256 is the model id, the same on every run", async () => {
    const dir = modelDir();
    const first = await manifest(dir);
    const text = readFileSync(join(dir, "manifest.json"));
    expect(first.model_id).toBe(createHash("sha256").update(text).digest("hex"));
    expect(text.toString("utf8")).not.toMatch(/\n|generated_at/);
    // A staging directory an interrupted sharding left behind is not part of the model.
    writeTree(dir, { ".shards.4242.tmp/shard-00000.bin": "partial" });
    const again = await manifest(dir);
    expect(again.model_id).toBe(first.model_id);
    const m = read(dir);
    expect(m.model_kind).toBe("tiny-mlp");
    expect(m.files.map((f) => [f.path, f.role])).toEqual([
      ["config.json", "config"],
      ["model-00001-of-00002.safetensors", "weights"],
      ["model-00002-of-00002.safetensors", "weights"],
      ["tokenizer.json", "config"],
    ]);
    expect(m.total_size).toBe(5 * MiB + 130 + 40 + 22);
    expect(m.shards).toBeNull();
    // A changed tokenizer is a different model.
    writeFileSync(join(dir, "tokenizer.json"), '{"vocab": ["a", "c"]}\n');
    expect((await manifest(dir)).model_id).not.toBe(first.model_id);
  });

  it("cuts the weights into shards with Reed-Solomon parity that an independent decoder can use", async () => {
    const dir = modelDir();
    const result = await manifest(dir, "--shard-size", "1MiB", "--erasure", "2+2");
    const m = read(dir);
    // 5 MiB + 130 bytes of weights: 6 data shards in 3 stripes of 2, each with 2 parity shards.
    expect(m.erasure).toEqual({ data: 2, parity: 2, codec: "rs" });
    expect(m.stream).toEqual(["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"]);
    expect(m.shards!.map((s) => [s.index, s.is_parity, s.size])).toEqual([
      [0, false, MiB], [1, false, MiB], [2, true, MiB], [3, true, MiB],
      [4, false, MiB], [5, false, MiB], [6, true, MiB], [7, true, MiB],
      [8, false, MiB], [9, false, 130], [10, true, MiB], [11, true, MiB],
    ]);
    expect(result.merkle_root).toBe(merkleRootOfDigests(m.shards!.map((s) => s.sha256)));
    for (const s of m.shards!) expect(createHash("sha256").update(readFileSync(join(dir, s.path))).digest("hex")).toBe(s.sha256);

    // The data shards are the weights, in order.
    const data = Buffer.concat(m.shards!.filter((s) => !s.is_parity).map((s) => readFileSync(join(dir, s.path))));
    const weights = Buffer.concat(m.stream!.map((p) => readFileSync(join(dir, p))));
    expect(data.equals(weights)).toBe(true);

    // Lose both data shards of the last stripe and solve for them from its parity shards.
    const [d0, d1, p0, p1] = [8, 9, 10, 11].map((i) => readFileSync(join(dir, m.shards![i]!.path)));
    const c = (i: number, j: number) => inv(i ^ (2 + j));
    const det = inv(mul(c(0, 0), c(1, 1)) ^ mul(c(0, 1), c(1, 0)));
    // The first 8 KiB are enough to prove the code (the slow reference field is per byte).
    const n = 8192;
    const r0 = Buffer.alloc(n);
    const r1 = Buffer.alloc(n);
    for (let k = 0; k < n; k += 1) {
      r0[k] = mul(det, mul(c(1, 1), p0![k]!) ^ mul(c(0, 1), p1![k]!));
      r1[k] = mul(det, mul(c(0, 0), p1![k]!) ^ mul(c(1, 0), p0![k]!));
    }
    expect(r0.equals(d0!.subarray(0, n))).toBe(true);
    expect(r1.subarray(0, 130).equals(d1!)).toBe(true);
    expect(r1.subarray(130).every((b) => b === 0)).toBe(true);
  });

  it("stores copies as parity when a stripe has one data shard (replica)", async () => {
    const dir = modelDir();
    await manifest(dir, "--shard-size", "4MiB", "--erasure", "1+1");
    const m = read(dir);
    expect(m.erasure).toEqual({ data: 1, parity: 1, codec: "replica" });
    expect(m.shards!.map((s) => [s.index, s.is_parity])).toEqual([[0, false], [1, true], [2, false], [3, true]]);
    expect(m.shards![1]!.sha256).toBe(m.shards![0]!.sha256);
    expect(m.shards![3]!.sha256).toBe(m.shards![2]!.sha256);
  });

  it("one changed weight byte changes exactly its data shard's leaf, its stripe's parity leaves, and the root", async () => {
    const dir = modelDir();
    const before = read((await manifest(dir, "--shard-size", "1MiB", "--erasure", "2+1"), dir));
    const weights = readFileSync(join(dir, "model-00001-of-00002.safetensors"));
    weights[MiB + 5] = weights[MiB + 5]! ^ 0xff; // in data shard 1 (stripe 0)
    writeFileSync(join(dir, "model-00001-of-00002.safetensors"), weights);
    const after = read((await manifest(dir, "--shard-size", "1MiB", "--erasure", "2+1"), dir));
    const changed = before.shards!.filter((s, i) => s.sha256 !== after.shards![i]!.sha256).map((s) => s.index);
    expect(changed).toEqual([1, 2]);
    expect(after.merkle_root).not.toBe(before.merkle_root);
  });

  describe("--verify", () => {
    async function sharded(): Promise<string> {
      const dir = modelDir();
      await manifest(dir, "--shard-size", "1MiB", "--erasure", "2+1");
      return dir;
    }
    async function verify(dir: string) {
      const result = await bindery(["model", "manifest", "--model-dir", dir, "--verify", "--json"]);
      const json = result.json<{ ok: boolean; model_id: string | null; findings: { code: string; path: string; message: string }[] }>();
      return { result, json, codes: [...new Set(json.findings.map((f) => f.code))].sort() };
    }

    it("passes an untouched model and prints its id", async () => {
      const dir = await sharded();
      const { result, json } = await verify(dir);
      expect(result.code, result.stderr).toBe(0);
      expect(json.model_id).toBe(createHash("sha256").update(readFileSync(join(dir, "manifest.json"))).digest("hex"));
    });

    it("names a changed shard by index, and the weights and parity it no longer matches", async () => {
      const dir = await sharded();
      const shard = join(dir, "shards", "shard-00003.bin");
      const data = readFileSync(shard);
      data[10] = data[10]! ^ 1;
      writeFileSync(shard, data);
      const { result, json, codes } = await verify(dir);
      expect(result.code).toBe(1);
      expect(codes).toEqual(["IDENTITY_MISMATCH"]);
      expect(json.findings.map((f) => f.message)).toEqual([
        expect.stringMatching(/^shards\/shard-00003\.bin \(shard 3\) has sha256 [0-9a-f]{64}, but manifest\.json says [0-9a-f]{64}\.$/),
        expect.stringMatching(/^the data shards do not reassemble into model-00001-of-00002\.safetensors: /),
        expect.stringMatching(/^shards\/shard-00005\.bin \(shard 5, parity\) is not the parity of its stripe: /),
      ]);
      expect(json.findings[0]!.path).toBe("shards/shard-00003.bin");
    });

    it("rejects a Merkle root that its shard digests do not give", async () => {
      const dir = await sharded();
      const m = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
      m.merkle_root = "0".repeat(64);
      writeFileSync(join(dir, "manifest.json"), JSON.stringify(m));
      const { json, codes } = await verify(dir);
      expect(codes).toEqual(["MERKLE_MISMATCH"]);
      expect(json.findings[0]!.message).toMatch(/^manifest\.json says the Merkle root is 0{64}, but its shard digests give [0-9a-f]{64}\.$/);
    });

    it("rejects missing and extra files and shards, and a foreign generated_by", async () => {
      const dir = await sharded();
      writeFileSync(join(dir, "notes.txt"), "extra\n");
      const { rmSync } = await import("node:fs");
      rmSync(join(dir, "shards", "shard-00006.bin"));
      const { json, codes } = await verify(dir);
      expect(codes).toEqual(["EXTRA_FILE", "MISSING_FILE"]);
      expect(json.findings.map((f) => f.path).sort()).toEqual(["notes.txt", "shards/shard-00006.bin", "shards/shard-00006.bin"]);

      const foreign = await sharded();
      const m = JSON.parse(readFileSync(join(foreign, "manifest.json"), "utf8"));
      m.generated_by = "convert.py";
      writeFileSync(join(foreign, "manifest.json"), JSON.stringify(m));
      expect((await verify(foreign)).codes).toEqual(["FOREIGN_GENERATOR"]);
    });
  });

  it("explains bad flags and inputs with their exit codes", async () => {
    const dir = modelDir();
    const cases: [string[], number, RegExp][] = [
      [["--erasure", "2+1"], 2, /USAGE: --erasure needs --shard-size/],
      [["--shard-size", "lots"], 2, /USAGE: "lots" is not a size/],
      [["--shard-size", "1MiB", "--erasure", "2-1"], 2, /USAGE: "2-1" is not an erasure layout/],
      [["--verify", "--shard-size", "1MiB"], 2, /USAGE: --verify checks the manifest as written/],
      [["--verify"], 3, /INPUT_NOT_FOUND: file .*manifest\.json does not exist/],
    ];
    for (const [args, code, message] of cases) {
      const result = await bindery(["model", "manifest", "--model-dir", dir, ...args]);
      expect([args.join(" "), result.code]).toEqual([args.join(" "), code]);
      expect(result.stderr).toMatch(message);
    }
    await manifest(dir, "--shard-size", "1MiB");
    const stale = await bindery(["model", "manifest", "--model-dir", dir]);
    expect(stale.code).toBe(3);
    expect(stale.stderr).toMatch(/OUTPUT_EXISTS: .* has a shards\/ directory from an earlier manifest/);
    expect(readdirSync(join(dir, "shards"))).toHaveLength(6);
    expect(existsSync(join(dir, ".shards.tmp"))).toBe(false);
  });
});
