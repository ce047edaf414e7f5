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
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
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
import { cutShards, reassemblyFindings } from "./shards.js";
import { merkleRootOfDigests } from "./merkle.js";

export const MANIFEST_FILE = "manifest.json";
export const SHARDS_DIR = "shards";
export const MANIFEST_GENERATOR = "bindery model manifest";
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

