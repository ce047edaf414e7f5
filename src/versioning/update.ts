/**
 * `bindery update`: a resolved release fetched into a directory, trusting nothing it has not
 * checked. The manifest is trusted only when its sha256 is the release's model id; every weight
 * file and shard only when its sha256 and size are the manifest's; the shards only when their
 * digests give the manifest's Merkle root; and then the whole directory is verified as
 * `bindery model manifest --verify` would (shards reassembled, parity recomputed). Everything is
 * staged beside the destination and renamed into place at the end, so on any failure nothing is
 * left in it.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, statSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rename, rm, rmdir } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { parseArtifact, parseJson } from "../evidence/artifact.js";
import { BinderyError, type Finding } from "../evidence/errors.js";
import { finding } from "../evidence/rules/engine.js";
import { downloadAndHash, type Downloaded } from "../hub/download.js";
import type { RetryPolicy } from "../hub/http.js";
import { MANIFEST_FILE, modelManifest, verifyModelManifest, type ModelManifest } from "../model/manifest.js";
import { merkleRootOfDigests } from "../model/merkle.js";
import type { IndexEntry } from "./release-index.js";

export interface UpdateResult {
  modelId: string;
  manifestUrl: string;
  files: number;
  shards: number;
  bytes: number;
}

/** Downloads in flight at once. */
const IN_FLIGHT = 4;

/** The directory the manifest's paths are relative to. */
export function artifactBase(entry: IndexEntry): string {
  const base = entry.artifact_base_url ?? entry.manifest_url.slice(0, entry.manifest_url.lastIndexOf("/") + 1);
  return base.endsWith("/") ? base : `${base}/`;
}

function checkDestination(to: string): void {
  if (!existsSync(to)) return;
  if (!statSync(to).isDirectory()) throw new BinderyError("OUTPUT_EXISTS", `--to ${to} exists and is not a directory.`);
  if (readdirSync(to).length > 0) throw new BinderyError("OUTPUT_EXISTS", `--to ${to} is not empty; an update writes a fresh directory, holding only the release's files.`, { hint: "Choose a new or empty directory." });
}

function downloadFailure(what: string, url: string, got: Downloaded): BinderyError {
  const answered = got.status >= 400 && got.status < 500 && got.status !== 429;
  return new BinderyError(answered ? "MISSING_FILE" : "REMOTE_UNAVAILABLE", `${what} could not be fetched from ${url}: ${got.error ?? "no bytes"}.`, answered ? { exitCode: 1 } : {});
}

export async function updateRelease(options: { entry: IndexEntry; to: string; retry?: RetryPolicy; onProgress?: (event: { bytesDone: number; bytesTotal: number | undefined; filesDone: number; filesTotal: number }) => void }): Promise<UpdateResult> {
  const { entry, to } = options;
  checkDestination(to);
  const parent = dirname(resolve(to));
  // Parents made here are removed again on failure, like everything else.
  const madeParent = await mkdir(parent, { recursive: true });
  const stage = await mkdtemp(join(parent, `.${basename(resolve(to))}.bindery-update-`));
  const retry = options.retry ? { retry: options.retry } : {};
  try {
    // The manifest: trusted only as the pinned bytes.
    const manifestPath = join(stage, MANIFEST_FILE);
    const got = await downloadAndHash(entry.manifest_url, { to: manifestPath, ...retry });
    if (got.error !== null || got.sha256 === null) throw downloadFailure(MANIFEST_FILE, entry.manifest_url, got);
    if (got.sha256 !== entry.model_id) {
      throw new BinderyError("PIN_MISMATCH", `the manifest at ${entry.manifest_url} has sha256 ${got.sha256}, but ${entry.release_id} is model id ${entry.model_id}; it is not the pinned release, and nothing was kept.`);
    }
    const manifest: ModelManifest = parseArtifact(modelManifest, parseJson(await readFile(manifestPath), MANIFEST_FILE), MANIFEST_FILE);

    // Every file and shard: trusted only as the manifest's bytes.
    const base = artifactBase(entry);
    const wanted = [...manifest.files.map((f) => ({ ...f, label: f.path })), ...(manifest.shards ?? []).map((s) => ({ path: s.path, sha256: s.sha256, size: s.size, label: `${s.path} (shard ${s.index}${s.is_parity ? ", parity" : ""})` }))];
    const bytesTotal = wanted.reduce((sum, f) => sum + f.size, 0);
    const findings: Finding[] = [];
    let next = 0;
    let filesDone = 0;
    let bytesDone = 0;
    let unavailable: BinderyError | undefined;
    const worker = async () => {
      while (next < wanted.length && !unavailable) {
        const file = wanted[next]!;
        next += 1;
        const url = base + file.path.split("/").map(encodeURIComponent).join("/");
        const fetched = await downloadAndHash(url, { to: join(stage, file.path), ...retry });
        if (fetched.error !== null || fetched.sha256 === null) {
          const failure = downloadFailure(file.label, url, fetched);
          if (failure.code === "REMOTE_UNAVAILABLE") unavailable ??= failure;
          else findings.push(finding("MISSING_FILE", file.path, failure.message));
        } else if (fetched.sha256 !== file.sha256 || fetched.size !== file.size) {
          findings.push(finding("IDENTITY_MISMATCH", file.path, `${file.label} at ${url} is sha256 ${fetched.sha256} (${fetched.size} bytes), but ${MANIFEST_FILE} says sha256 ${file.sha256} (${file.size} bytes).`));
        }
        filesDone += 1;
        bytesDone += fetched.size ?? 0;
        options.onProgress?.({ bytesDone, bytesTotal, filesDone, filesTotal: wanted.length });
      }
    };
    // Every worker finishes before anything is cleaned up, so no late write lands in a removed stage.
    await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, wanted.length) }, worker));
    if (unavailable) throw unavailable;
    if (manifest.shards) {
      const root = merkleRootOfDigests(manifest.shards.map((s) => s.sha256));
      if (root !== manifest.merkle_root) findings.push(finding("MERKLE_MISMATCH", MANIFEST_FILE, `${MANIFEST_FILE} says the Merkle root is ${manifest.merkle_root}, but its shard digests give ${root}; the shards cannot be trusted.`, { field: "/merkle_root" }));
    }
    if (findings.length === 0) {
      // The whole directory as the manifest's own verifier sees it: exact sets, reassembly, parity.
      const verdict = await verifyModelManifest({ dir: stage });
      findings.push(...verdict.findings.filter((f) => f.severity === "error"));
    }
    if (findings.length > 0) {
      findings.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
      throw new BinderyError("VERIFICATION_FAILED", `${entry.release_id} did not verify (${findings.length} problem${findings.length === 1 ? "" : "s"}), and nothing was kept: ${findings[0]!.message}`, { findings });
    }
    if (existsSync(to)) await rmdir(to);
    await rename(stage, to);
    const shards = manifest.shards?.length ?? 0;
    return { modelId: createHash("sha256").update(await readFile(join(to, MANIFEST_FILE))).digest("hex"), manifestUrl: entry.manifest_url, files: manifest.files.length, shards, bytes: bytesTotal + (got.size ?? 0) };
  } catch (error) {
    await rm(madeParent ?? stage, { recursive: true, force: true });
    throw error;
  }
}
