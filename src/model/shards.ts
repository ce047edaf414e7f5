/**
 * Shards of a model's weight stream: data shards cut from the weights in path order, parity
 * shards per stripe (Reed-Solomon, or copies for one data shard), all written through a staging
 * directory and hashed as they are written; and the checks that data shards reassemble into the
 * weights and parity shards are their stripe's parity. 1 MiB buffers, whatever the model size.
 */
import { createHash, type Hash } from "node:crypto";
import { closeSync, fstatSync, openSync, readSync, writeSync } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { inputError, type Finding } from "../evidence/errors.js";
import { finding } from "../evidence/rules/engine.js";
import { cauchyMatrix, encodeParity } from "./erasure.js";
import { MANIFEST_FILE, SHARDS_DIR, type Erasure, type ModelManifest } from "./manifest.js";

const CHUNK = 1024 * 1024;

export type Shard = NonNullable<ModelManifest["shards"]>[number];

function shardName(index: number): string {
  return `${SHARDS_DIR}/shard-${String(index).padStart(5, "0")}.bin`;
}

/**
 * Cuts the stream into data shards, then adds each stripe's parity; writes into a staging
 * directory that replaces `shards/` only when complete. Every shard is hashed as it is written.
 */
export async function cutShards(dir: string, stream: readonly string[], shardSize: number, erasure: Erasure | undefined): Promise<Shard[]> {
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

/** The data shards, concatenated, must be the weight files; each parity shard must be its stripe's parity. */
export function reassemblyFindings(dir: string, manifest: ModelManifest): Finding[] {
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
