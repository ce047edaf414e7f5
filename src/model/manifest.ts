/**
 * `bindery model manifest`: the model's identity. `manifest.json` is canonical JSON without a
 * timestamp, so the same files always give the same bytes, and `model_id` is their SHA-256.
 *
 * With `--shard-size`, the weight files (in path order, as one stream) are also cut into data
 * shards under `shards/`; with `--erasure DATA+PARITY`, every stripe of DATA data shards gets
 * PARITY parity shards (Reed-Solomon, or copies when DATA is 1). The manifest lists every shard
 * and a Merkle root over their digests (rfcs/0005-model-manifest.md). Everything streams through
 * fixed buffers: memory does not grow with the model.
 */
import { createHash, type Hash } from "node:crypto";
import { closeSync, existsSync, fstatSync, openSync, readSync, writeSync } from "node:fs";
import { mkdir, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { defineArtifact, parseArtifact, parseJson, SEMVER } from "../evidence/artifact.js";
import { writeFileAtomic } from "../evidence/atomic.js";
import { canonicalJson } from "../evidence/canonical-json.js";
import { BinderyError, inputError, isBinderyError, type Finding } from "../evidence/errors.js";
import { hashFiles, type HashOptions } from "../evidence/hashing.js";
import { identitySchema, sha256HexSchema, publicPathSchema, type Identity } from "../evidence/identity.js";
import { exactSetRule, finding, generatorRule, identityRule, runRules, verdictOf, type Verdict } from "../evidence/rules/index.js";
import { throwOnFindings, walkTree } from "../evidence/walk.js";
import { cauchyMatrix, encodeParity } from "./erasure.js";
import { merkleRootOfDigests } from "./merkle.js";

export const MANIFEST_FILE = "manifest.json";
export const SHARDS_DIR = "shards";
export const MANIFEST_GENERATOR = "bindery model manifest";
const CHUNK = 1024 * 1024;
/**
 * Never model files: shards/, a staging directory an interrupted run may have left, and the
 * evidence a model package adds beside the model (evaluation inputs belong under eval/).
 */
export const NOT_MODEL_FILES = [
  `/${SHARDS_DIR}`,
  `/.${SHARDS_DIR}.*.tmp`,
  "/SHA256SUMS",
  "/model_package.json",
  "/model_card.md",
  "/eval_metrics.json",
  "/eval_report.md",
  "/eval_config.effective.yaml",
  "/efficiency_report.json",
  "/eval",
  "/training",
];
const OWN_DIRECTORIES = NOT_MODEL_FILES;

/** File extensions that hold weights; every other file of a model is configuration. */
export const WEIGHT_EXTENSIONS = [".safetensors", ".bin", ".pt", ".pth", ".ckpt", ".gguf", ".onnx", ".h5", ".msgpack", ".npz", ".npy"] as const;

const count = z.number().int().nonnegative();

export const modelManifestSchema = z.object({
  schema_version: z.string().regex(SEMVER),
  generated_by: z.literal(MANIFEST_GENERATOR),
  model_kind: z.string().min(1).describe("--model-kind, else config.json's model_type, else the weight format"),
  total_size: count.describe("Bytes of all files (shards not counted)"),
  files: z.array(identitySchema.extend({ role: z.enum(["weights", "config"]) })).describe("Every file but manifest.json and shards/, sorted by path"),
  shard_size: z.number().int().positive().nullable().describe("Bytes per data shard; null when not sharded"),
  stream: z.array(publicPathSchema).nullable().describe("The weight files, in the order their bytes form the sharded stream"),
  erasure: z.object({ data: z.number().int().positive(), parity: z.number().int().positive(), codec: z.enum(["replica", "rs"]) }).nullable(),
  shards: z
    .array(z.object({ index: count, path: publicPathSchema, sha256: sha256HexSchema, size: count, is_parity: z.boolean() }))
    .nullable()
    .describe("In index order: per stripe, its data shards then its parity shards"),
  merkle_root: sha256HexSchema.nullable().describe("RFC 6962 Merkle tree hash over the shard digests in index order"),
});
export type ModelManifest = z.infer<typeof modelManifestSchema>;
export const modelManifest = defineArtifact({ name: MANIFEST_FILE, schemaVersion: "1.0.0", schema: modelManifestSchema });

export interface Erasure {
  data: number;
  parity: number;
}

export interface WriteModelManifestOptions extends HashOptions {
  dir: string;
  /** Cut the weights into data shards of this many bytes. */
  shardSize?: number;
  /** Add parity shards: every `data` data shards get `parity` parity shards. Needs `shardSize`. */
  erasure?: Erasure;
  modelKind?: string;
}

export interface ModelManifestResult {
  modelId: string;
  manifest: ModelManifest;
  /** The manifest's identity (its sha256 is the model id). */
  identity: Identity;
}

function roleOf(path: string): "weights" | "config" {
  const lower = path.toLowerCase();
  return WEIGHT_EXTENSIONS.some((ext) => lower.endsWith(ext)) ? "weights" : "config";
}

/** Parses `64MiB`, `1.5GB`, `4096`: bytes. */
export function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|KiB|MiB|GiB)?$/i.exec(text.trim());
  const units: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };
  const bytes = match ? Math.floor(Number(match[1]) * units[(match[2] ?? "b").toLowerCase()]!) : NaN;
  if (!Number.isSafeInteger(bytes) || bytes < 1) {
    throw new BinderyError("USAGE", `${JSON.stringify(text)} is not a size; write bytes or a number with KiB, MiB, GiB (or KB, MB, GB).`);
  }
  return bytes;
}

/** Parses `4+2`: data and parity shard counts. */
export function parseErasure(text: string): Erasure {
  const match = /^(\d+)\+(\d+)$/.exec(text.trim());
  const data = Number(match?.[1]);
  const parity = Number(match?.[2]);
  if (!match || data < 1 || parity < 1 || data + parity > 256) {
    throw new BinderyError("USAGE", `${JSON.stringify(text)} is not an erasure layout; write DATA+PARITY, e.g. 4+2 (at least 1 of each, 256 shards at most).`);
  }
  return { data, parity };
}

async function modelKindOf(dir: string, files: readonly { path: string }[], given: string | undefined): Promise<string> {
  if (given) return given;
  if (files.some((f) => f.path === "config.json")) {
    try {
      const config = JSON.parse(await readFile(join(dir, "config.json"), "utf8")) as { model_type?: unknown };
      if (typeof config.model_type === "string" && config.model_type.length > 0) return config.model_type;
    } catch {
      // Not JSON we can read: fall back to the weight format.
    }
  }
  const weights = files.find((f) => roleOf(f.path) === "weights");
  return weights ? weights.path.slice(weights.path.lastIndexOf(".") + 1).toLowerCase() : "unknown";
}

export async function writeModelManifest(options: WriteModelManifestOptions): Promise<ModelManifestResult> {
  const { dir } = options;
  if (options.erasure && !options.shardSize) {
    throw new BinderyError("USAGE", "--erasure needs --shard-size: parity is computed over shards.");
  }
  const walked = throwOnFindings(walkTree(dir, { skip: [MANIFEST_FILE], exclude: OWN_DIRECTORIES }), dir);
  if (existsSync(join(dir, SHARDS_DIR)) && !options.shardSize) {
    throw new BinderyError("OUTPUT_EXISTS", `${dir} has a ${SHARDS_DIR}/ directory from an earlier manifest, and this one has no --shard-size.`, {
      hint: `Pass --shard-size to re-cut the shards, or remove ${SHARDS_DIR}/.`,
    });
  }
  const weights = walked.filter((f) => roleOf(f.path) === "weights");
  if (weights.length === 0 && options.shardSize) {
    throw new BinderyError("INPUT_INVALID", `${dir} holds no weight file to shard (${WEIGHT_EXTENSIONS.join(", ")}).`);
  }
  if (walked.length === 0) throw new BinderyError("INPUT_INVALID", `${dir} holds no files.`);
  const digests = await hashFiles(walked.map((f) => ({ path: f.abs, shown: f.path })), options);
  const files = walked.map((f, i) => ({ path: f.path, ...digests[i]!, role: roleOf(f.path) }));

  let sharding: Pick<ModelManifest, "shard_size" | "stream" | "erasure" | "shards" | "merkle_root"> = {
    shard_size: null,
    stream: null,
    erasure: null,
    shards: null,
    merkle_root: null,
  };
  if (options.shardSize) {
    const shards = await cutShards(dir, weights.map((w) => w.path), options.shardSize, options.erasure);
    sharding = {
      shard_size: options.shardSize,
      stream: weights.map((w) => w.path),
      erasure: options.erasure ? { ...options.erasure, codec: options.erasure.data === 1 ? "replica" : "rs" } : null,
      shards,
      merkle_root: merkleRootOfDigests(shards.map((s) => s.sha256)),
    };
  }
  const manifest: ModelManifest = {
    schema_version: modelManifest.schemaVersion,
    generated_by: MANIFEST_GENERATOR,
    model_kind: await modelKindOf(dir, walked, options.modelKind),
    total_size: files.reduce((sum, f) => sum + f.size, 0),
    files,
    ...sharding,
  };
  const text = canonicalJson(manifest);
  await writeFileAtomic(join(dir, MANIFEST_FILE), text);
  const identity = { path: MANIFEST_FILE, sha256: createHash("sha256").update(text).digest("hex"), size: Buffer.byteLength(text) };
  return { modelId: identity.sha256, manifest, identity };
}

type Shard = NonNullable<ModelManifest["shards"]>[number];

function shardName(index: number): string {
  return `${SHARDS_DIR}/shard-${String(index).padStart(5, "0")}.bin`;
}

/**
 * Cuts the stream into data shards, then adds each stripe's parity; writes into a staging
 * directory that replaces `shards/` only when complete. Every shard is hashed as it is written.
 */
async function cutShards(dir: string, stream: readonly string[], shardSize: number, erasure: Erasure | undefined): Promise<Shard[]> {
  const staging = join(dir, `.${SHARDS_DIR}.${process.pid}.tmp`);
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging);
  try {
    const perStripe = erasure ? erasure.data + erasure.parity : 1;
    const dataPerStripe = erasure ? erasure.data : 1;
    const indexOf = (dataShard: number) => Math.floor(dataShard / dataPerStripe) * perStripe + (dataShard % dataPerStripe);
    const dataShards = writeDataShards(dir, staging, stream, shardSize, indexOf);
    const shards: Shard[] = [...dataShards];
    if (erasure) {
      const stripes = Math.ceil(dataShards.length / erasure.data);
      for (let stripe = 0; stripe < stripes; stripe += 1) {
        const members = dataShards.slice(stripe * erasure.data, (stripe + 1) * erasure.data);
        // Parity follows its stripe's data shards (a short last stripe leaves no gap).
        shards.push(...writeParity(staging, members, erasure, stripe * perStripe + members.length));
      }
    }
    shards.sort((a, b) => a.index - b.index);
    await rm(join(dir, SHARDS_DIR), { recursive: true, force: true });
    await rename(staging, join(dir, SHARDS_DIR));
    return shards;
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}

function writeDataShards(dir: string, staging: string, stream: readonly string[], shardSize: number, indexOf: (n: number) => number): Shard[] {
  const shards: Shard[] = [];
  const buffer = Buffer.allocUnsafe(CHUNK);
  let out: { fd: number; hash: Hash; size: number; index: number } | undefined;
  const close = () => {
    if (!out) return;
    closeSync(out.fd);
    shards.push({ index: out.index, path: shardName(out.index), sha256: out.hash.digest("hex"), size: out.size, is_parity: false });
    out = undefined;
  };
  for (const path of stream) {
    let fd: number;
    try {
      fd = openSync(join(dir, path), "r");
    } catch (error) {
      throw inputError(error, path);
    }
    try {
      for (;;) {
        if (!out) {
          const index = indexOf(shards.length);
          out = { fd: openSync(join(staging, shardName(index).slice(SHARDS_DIR.length + 1)), "w"), hash: createHash("sha256"), size: 0, index };
        }
        const want = Math.min(CHUNK, shardSize - out.size);
        const read = readSync(fd, buffer, 0, want, null);
        if (read === 0) break;
        const bytes = buffer.subarray(0, read);
        writeSync(out.fd, bytes);
        out.hash.update(bytes);
        out.size += read;
        if (out.size === shardSize) close();
      }
    } finally {
      closeSync(fd);
    }
  }
  close();
  return shards;
}

/** Parity shards of one stripe, written beside its data shards and hashed as they are written. */
function writeParity(staging: string, members: readonly Shard[], erasure: Erasure, firstIndex: number): Shard[] {
  const length = Math.max(...members.map((m) => m.size));
  const outputs = Array.from({ length: erasure.parity }, (_, i) => {
    const index = firstIndex + i;
    return { index, fd: openSync(join(staging, shardName(index).slice(SHARDS_DIR.length + 1)), "w"), hash: createHash("sha256") };
  });
  try {
    stripeParity(members.map((m) => join(staging, m.path.slice(SHARDS_DIR.length + 1))), length, erasure, (i, chunk) => {
      writeSync(outputs[i]!.fd, chunk);
      outputs[i]!.hash.update(chunk);
    });
  } finally {
    for (const o of outputs) closeSync(o.fd);
  }
  return outputs.map((o) => ({ index: o.index, path: shardName(o.index), sha256: o.hash.digest("hex"), size: length, is_parity: true }));
}

/**
 * Computes a stripe's parity from its data shard files, 1 MiB at a time, handing each parity
 * chunk to `sink` in order. Copies when there is one data shard (replica), Reed-Solomon otherwise.
 */
function stripeParity(dataFiles: readonly string[], length: number, erasure: Erasure, sink: (parityIndex: number, chunk: Buffer) => void): void {
  const matrix = cauchyMatrix(erasure.data, erasure.parity);
  const inputs = dataFiles.map((file) => openSync(file, "r"));
  try {
    const dataChunks = inputs.map(() => Buffer.alloc(CHUNK));
    const parityChunks = Array.from({ length: erasure.parity }, () => Buffer.alloc(CHUNK));
    for (let offset = 0; offset < length; offset += CHUNK) {
      const size = Math.min(CHUNK, length - offset);
      const chunks = inputs.map((fd, j) => dataChunks[j]!.subarray(0, readSync(fd, dataChunks[j]!, 0, size, offset)));
      const parity = parityChunks.map((p) => p.subarray(0, size));
      if (erasure.data === 1) parity.forEach((p) => (p.fill(0), chunks[0]!.copy(p)));
      else encodeParity(matrix, chunks, parity);
      parity.forEach((chunk, i) => sink(i, chunk));
    }
  } finally {
    for (const fd of inputs) closeSync(fd);
  }
}

// -- verification --------------------------------------------------------------------------------

export interface VerifyModelManifestResult extends Verdict {
  modelId: string | undefined;
  manifest: ModelManifest | undefined;
}

/**
 * `bindery model manifest --verify`: every file and shard re-hashed and the set of each exact,
 * the Merkle root recomputed, the data shards reassembled into the weight files they claim to
 * hold, and every parity shard recomputed from its stripe.
 */
export async function verifyModelManifest(options: { dir: string } & HashOptions): Promise<VerifyModelManifestResult> {
  const { dir } = options;
  let text: Buffer;
  try {
    text = await readFile(join(dir, MANIFEST_FILE));
  } catch (error) {
    throw inputError(error, join(dir, MANIFEST_FILE));
  }
  const findings: Finding[] = [];
  let manifest: ModelManifest;
  const raw = parseJson(text, MANIFEST_FILE);
  try {
    manifest = parseArtifact(modelManifest, raw, MANIFEST_FILE);
  } catch (error) {
    if (!isBinderyError(error)) throw error;
    const generator = await runRules([generatorRule({ path: MANIFEST_FILE, document: raw, expected: MANIFEST_GENERATOR })]);
    return { ...verdictOf(generator.ok ? [finding(error.code, MANIFEST_FILE, error.message)] : generator.findings), modelId: undefined, manifest: undefined };
  }
  const walkedFiles = walkTree(dir, { skip: [MANIFEST_FILE], exclude: OWN_DIRECTORIES });
  const walkedShards = existsSync(join(dir, SHARDS_DIR)) ? walkTree(join(dir, SHARDS_DIR)) : { files: [], findings: [] };
  findings.push(...walkedFiles.findings, ...walkedShards.findings);
  const shards = manifest.shards ?? [];
  const rules = [
    exactSetRule({ listing: MANIFEST_FILE, listed: manifest.files.map((f) => f.path), present: walkedFiles.files.map((f) => f.path) }),
    exactSetRule({ listing: MANIFEST_FILE, listed: shards.map((s) => s.path), present: walkedShards.files.map((f) => `${SHARDS_DIR}/${f.path}`) }),
    identityRule({ ...options, claimedBy: MANIFEST_FILE, expected: manifest.files.map((f) => ({ ...f, abs: join(dir, f.path) })) }),
    identityRule({
      ...options,
      claimedBy: MANIFEST_FILE,
      expected: shards.map((s) => ({
        path: s.path,
        label: `${s.path} (shard ${s.index}${s.is_parity ? ", parity" : ""})`,
        sha256: s.sha256,
        size: s.size,
        abs: join(dir, s.path),
      })),
    }),
  ];
  findings.push(...(await runRules(rules)).findings);
  if (manifest.shards) {
    const root = merkleRootOfDigests(shards.map((s) => s.sha256));
    if (root !== manifest.merkle_root) {
      findings.push(finding("MERKLE_MISMATCH", MANIFEST_FILE, `${MANIFEST_FILE} says the Merkle root is ${manifest.merkle_root}, but its shard digests give ${root}.`, { field: "/merkle_root" }));
    }
    const allPresent = shards.every((s) => existsSync(join(dir, s.path)));
    if (allPresent) findings.push(...reassemblyFindings(dir, manifest));
  }
  return { ...verdictOf(findings), modelId: createHash("sha256").update(text).digest("hex"), manifest };
}

/** The data shards, concatenated, must be the weight files; each parity shard must be its stripe's parity. */
function reassemblyFindings(dir: string, manifest: ModelManifest): Finding[] {
  const findings: Finding[] = [];
  const shards = manifest.shards!;
  const data = shards.filter((s) => !s.is_parity);
  const stream = manifest.stream ?? [];
  const sizes = new Map(manifest.files.map((f) => [f.path, f]));
  const buffer = Buffer.allocUnsafe(CHUNK);
  let fileIndex = 0;
  let remaining = sizes.get(stream[0] ?? "")?.size ?? 0;
  let hash = createHash("sha256");
  const finishFile = () => {
    const path = stream[fileIndex]!;
    const digest = hash.digest("hex");
    const claimed = sizes.get(path);
    if (claimed && digest !== claimed.sha256) {
      findings.push(finding("IDENTITY_MISMATCH", path, `the data shards do not reassemble into ${path}: they give sha256 ${digest}, but ${MANIFEST_FILE} says ${claimed.sha256}.`));
    }
    fileIndex += 1;
    hash = createHash("sha256");
    remaining = sizes.get(stream[fileIndex] ?? "")?.size ?? 0;
  };
  while (fileIndex < stream.length && remaining === 0) finishFile();
  for (const shard of data) {
    const fd = openSync(join(dir, shard.path), "r");
    try {
      const size = fstatSync(fd).size;
      for (let offset = 0; offset < size; ) {
        const read = readSync(fd, buffer, 0, Math.min(CHUNK, size - offset), offset);
        if (read === 0) break;
        let at = 0;
        while (at < read && fileIndex < stream.length) {
          const take = Math.min(read - at, remaining);
          hash.update(buffer.subarray(at, at + take));
          at += take;
          remaining -= take;
          while (fileIndex < stream.length && remaining === 0) finishFile();
        }
        offset += read;
      }
    } finally {
      closeSync(fd);
    }
  }
  if (fileIndex < stream.length) {
    findings.push(finding("IDENTITY_MISMATCH", stream[fileIndex]!, `the data shards end before ${stream[fileIndex]} is complete.`));
  }
  if (manifest.erasure) findings.push(...parityFindings(dir, manifest));
  return findings;
}

function parityFindings(dir: string, manifest: ModelManifest): Finding[] {
  const erasure = manifest.erasure!;
  const perStripe = erasure.data + erasure.parity;
  const shards = manifest.shards!;
  const findings: Finding[] = [];
  const stripes = new Map<number, Shard[]>();
  for (const shard of shards) {
    const stripe = Math.floor(shard.index / perStripe);
    stripes.set(stripe, [...(stripes.get(stripe) ?? []), shard]);
  }
  for (const members of stripes.values()) {
    const data = members.filter((s) => !s.is_parity);
    const parity = members.filter((s) => s.is_parity);
    const hashes = parity.map(() => createHash("sha256"));
    const length = Math.max(0, ...data.map((s) => s.size));
    stripeParity(data.map((s) => join(dir, s.path)), length, erasure, (i, chunk) => hashes[i]?.update(chunk));
    parity.forEach((shard, i) => {
      const expected = hashes[i]!.digest("hex");
      if (expected !== shard.sha256) {
        findings.push(finding("IDENTITY_MISMATCH", shard.path, `${shard.path} (shard ${shard.index}, parity) is not the parity of its stripe: recomputed sha256 ${expected}, but ${MANIFEST_FILE} says ${shard.sha256}.`));
      }
    });
  }
  return findings;
}
