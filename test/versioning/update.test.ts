/**
 * `bindery update` against releases served by the Hub emulator: a sharded model (with parity)
 * built once by the real `bindery model manifest`, then one mutation per test (a tampered
 * artifact, a tampered shard, a forged shard re-bound into a re-pinned manifest, a manifest that
 * is not the pinned id). Each is refused with its code, and nothing is left in --to.
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bindery } from "../support/cli.js";
import { prettyJson, startHubEmulator, type HubEmulator, type IndexEntry } from "../support/lib.js";
import { suiteTempDir, tempDir } from "../support/tmp.js";

const sha256 = (bytes: Uint8Array | string) => createHash("sha256").update(bytes).digest("hex");

/** The model directory's files, by path: weights, config, manifest.json and shards/. */
let model: Map<string, Buffer>;
beforeAll(async () => {
  const dir = join(suiteTempDir(), "model");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "model.safetensors"), randomBytes(40_000));
  writeFileSync(join(dir, "config.json"), JSON.stringify({ model_type: "logistic" }));
  const made = await bindery(["model", "manifest", "--model-dir", dir, "--shard-size", "8KiB", "--erasure", "2+1"]);
  expect(made.code, made.stderr).toBe(0);
  const walk = (sub: string): string[] => readdirSync(join(dir, sub), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(sub, e.name)) : [join(sub, e.name)]));
  model = new Map(walk("").map((path) => [path, readFileSync(join(dir, path))]));
});

let hub: HubEmulator;
let repos = 0;
beforeAll(async () => {
  hub = await startHubEmulator();
});
afterAll(() => hub.close());

/** Publishes `files` as a new Hub repo and writes an index pinning `modelId` (default: the manifest's sha256). */
async function release(files: Map<string, Buffer>, modelId = sha256(files.get("manifest.json")!)): Promise<{ dir: string; entry: IndexEntry }> {
  repos += 1;
  const repo = `example/update-${repos}`;
  const { createRepo, uploadFiles } = await import("@huggingface/hub");
  await createRepo({ repo, hubUrl: hub.origin, accessToken: "hf_test_writer" });
  await uploadFiles({ repo, hubUrl: hub.origin, accessToken: "hf_test_writer", files: [...files].map(([path, content]) => ({ path, content: new Blob([content]) })), useXet: false, useWebWorkers: false });
  const entry: IndexEntry = {
    model_version: "1.0.0",
    release_id: "lines-v1.0.0-r1",
    model_id: modelId,
    manifest_url: `${hub.origin}/${repo}/resolve/main/manifest.json`,
    artifact_base_url: null,
    tag: null,
    added_at: "2026-11-01",
    yanked: false,
    yanked_reason: null,
    yanked_at: null,
    upgrade_to: null,
  };
  const dir = tempDir();
  writeFileSync(join(dir, "release_index.json"), prettyJson({ schema_version: "1.0.0", generated_by: "bindery index", name: "lines", releases: [entry] }));
  return { dir, entry };
}

const update = (dir: string, pin = "lines@1.0.0") => bindery(["update", pin, "--index", "release_index.json", "--to", "out/model", "--json"], { cwd: dir, env: { BINDERY_RETRY_BASE_MS: "1" } });

/** Nothing in --to, and no staging directory beside it. */
function nothingLeft(dir: string): void {
  expect(existsSync(join(dir, "out/model"))).toBe(false);
  expect(existsSync(join(dir, "out")), "the parent made for --to is removed too").toBe(false);
}

function mutated(change: (files: Map<string, Buffer>) => void): Map<string, Buffer> {
  const files = new Map([...model].map(([p, b]) => [p, Buffer.from(b)]));
  change(files);
  return files;
}

const firstShard = (files: Map<string, Buffer>) => [...files.keys()].filter((p) => p.startsWith("shards/")).sort()[0]!;

const flipByte = (bytes: Buffer, at = 100) => {
  bytes[at] = bytes[at]! ^ 0xff;
  return bytes;
};

describe("bindery update", () => {
  it("fetches a sharded release into --to, every byte checked, and the result verifies", async () => {
    const { dir, entry } = await release(model);
    const r = await update(dir, `lines@1.0.0+sha256:${entry.model_id}`);
    expect(r.code, r.stderr).toBe(0);
    const manifest = JSON.parse(model.get("manifest.json")!.toString());
    expect(r.json()).toMatchObject({ ok: true, model_id: entry.model_id, files: 2, shards: manifest.shards.length });
    expect(manifest.shards.length).toBeGreaterThan(3);
    for (const [path, bytes] of model) expect(readFileSync(join(dir, "out/model", path)).equals(bytes), path).toBe(true);
    const verify = await bindery(["model", "manifest", "--model-dir", "out/model", "--verify"], { cwd: dir });
    expect(verify.code, verify.stderr).toBe(0);
  });

  const cases: [string, () => Map<string, Buffer>, ((files: Map<string, Buffer>) => string) | null, number, string, RegExp][] = [
    ["a tampered artifact", () => mutated((f) => flipByte(f.get("model.safetensors")!)), null, 1, "VERIFICATION_FAILED", /^IDENTITY_MISMATCH model\.safetensors at http:\S+ is sha256 [0-9a-f]{64} \(40000 bytes\), but manifest\.json says sha256/],
    ["a tampered shard", () => mutated((f) => flipByte(f.get(firstShard(f))!)), null, 1, "VERIFICATION_FAILED", /^IDENTITY_MISMATCH shards\/\S+ \(shard 0\) at http:\S+ is sha256/],
    [
      "a forged shard, re-bound in a manifest the index was re-pinned to (the Merkle root does not recompute)",
      () =>
        mutated((f) => {
          const shard = firstShard(f);
          flipByte(f.get(shard)!);
          const m = JSON.parse(f.get("manifest.json")!.toString());
          m.shards.find((s: { path: string }) => s.path === shard).sha256 = sha256(f.get(shard)!);
          f.set("manifest.json", Buffer.from(JSON.stringify(m)));
        }),
      (files) => sha256(files.get("manifest.json")!),
      1,
      "VERIFICATION_FAILED",
      /^MERKLE_MISMATCH manifest\.json says the Merkle root is [0-9a-f]{64}, but its shard digests give [0-9a-f]{64}; the shards cannot be trusted\./,
    ],
    ["a manifest that is not the pinned model id", () => mutated((f) => f.set("manifest.json", Buffer.from(f.get("manifest.json")!.toString().replace('"logistic"', '"logistik"')))), () => sha256(model.get("manifest.json")!), 1, "PIN_MISMATCH", /^PIN_MISMATCH the manifest at http:\S+ has sha256 [0-9a-f]{64}, but lines-v1\.0\.0-r1 is model id [0-9a-f]{64}; it is not the pinned release, and nothing was kept\./],
  ];
  it.each(cases)("refuses %s, and leaves nothing in --to", async (_name, files, pinOf, exit, code, message) => {
    const served = files();
    const { dir } = await release(served, pinOf ? pinOf(served) : undefined);
    const r = await update(dir);
    expect(r.code, r.stdout + r.stderr).toBe(exit);
    // Exactly one finding (or, for a refused manifest, the error itself), with its code and message.
    const { error } = r.json<{ error: { code: string; message: string; findings: { code: string; message: string }[] } }>();
    expect(error.code).toBe(code);
    const found = error.findings.length ? error.findings.map((f) => `${f.code} ${f.message}`) : [`${error.code} ${error.message}`];
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(message);
    nothingLeft(dir);
  });

  it("refuses a --to that holds files, touching nothing", async () => {
    const { dir } = await release(model);
    mkdirSync(join(dir, "out/model"), { recursive: true });
    writeFileSync(join(dir, "out/model/mine.txt"), "keep me");
    const r = await update(dir);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/OUTPUT_EXISTS: --to out\/model is not empty/);
    expect(readdirSync(join(dir, "out/model"))).toEqual(["mine.txt"]);
    expect(readdirSync(join(dir, "out"))).toEqual(["model"]);
  });
});
