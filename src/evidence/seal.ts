/**
 * Sealing a directory: write a SHA256SUMS over every file in it but the sums file itself, and
 * verify a directory against one, strictly: every missing, extra and mismatched file is named.
 */
import { readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { writeFileAtomic } from "./atomic.js";
import { BinderyError, inputError } from "./errors.js";
import { HashPool, hashFiles, type FileDigest, type HashOptions } from "./hashing.js";
import type { Identity } from "./identity.js";
import { exactSetRule, identityRule, runRules, verdictOf, type Finding } from "./rules/index.js";
import { compileGlobs } from "./glob.js";
import { pathWithin } from "./paths.js";
import { formatSums, parseSums } from "./sha256sums.js";
import { throwOnFindings, walkTree, type WalkOptions } from "./walk.js";

export const DEFAULT_SUMS_NAME = "SHA256SUMS";

export interface WriteChecksumsOptions extends HashOptions {
  dir: string;
  /** Where to write (default `<dir>/SHA256SUMS`); inside `dir`, it is left out of itself. */
  output?: string;
  exclude?: readonly string[];
}

export interface WriteChecksumsResult {
  output: string;
  files: Identity[];
  totalBytes: number;
}

export async function writeChecksums(options: WriteChecksumsOptions): Promise<WriteChecksumsResult> {
  const output = options.output ?? join(options.dir, DEFAULT_SUMS_NAME);
  const files = await withPool(options, async (hashing) => {
    const walked = throwOnFindings(walkTree(options.dir, walkOptions(options, output)), options.dir);
    if (walked.length === 0) {
      throw new BinderyError("INPUT_INVALID", `${options.dir} has no files to checksum.`, {
        hint: "sha256sum -c rejects an empty checksum file; check the directory and any --exclude patterns.",
      });
    }
    const digests = await hashFiles(
      walked.map((f) => ({ path: f.abs, shown: f.path, ...(f.size === undefined ? {} : { size: f.size }) })),
      hashing,
    );
    return digests.map((digest, i): Identity => ({ path: walked[i]!.path, ...digest }));
  });
  await writeFileAtomic(output, formatSums(files));
  return { output, files, totalBytes: files.reduce((sum, f) => sum + f.size, 0) };
}

export interface VerifyChecksumsOptions extends HashOptions {
  dir: string;
  /** The checksum file (default `<dir>/SHA256SUMS`); names in it are relative to `dir`. */
  sums?: string;
  /** Accept files present but not listed (default: strict). */
  allowExtra?: boolean;
  exclude?: readonly string[];
  /** Digests already taken this run, by absolute path: those files are not read again. */
  known?: ReadonlyMap<string, FileDigest>;
}

export interface VerifyChecksumsResult {
  ok: boolean;
  /** How the checksum file is named in findings. */
  sums: string;
  /** Files listed and present, whose bytes were hashed. */
  checked: number;
  findings: Finding[];
}

export async function verifyChecksums(options: VerifyChecksumsOptions): Promise<VerifyChecksumsResult> {
  const sumsPath = options.sums ?? join(options.dir, DEFAULT_SUMS_NAME);
  const sumsName = insideName(options.dir, sumsPath) ?? basename(sumsPath);
  return withPool(options, async (hashing) => {
    const walked = walkTree(options.dir, walkOptions(options, sumsPath));
    let bytes: Buffer;
    try {
      bytes = await readFile(sumsPath);
    } catch (error) {
      throw inputError(error, sumsPath, "checksum file");
    }
    const parsed = parseSums(bytes, sumsName);
    // An excluded path is out of scope on both sides: not walked, and not expected either.
    const excluded = compileGlobs(options.exclude ?? []);
    parsed.entries = parsed.entries.filter((e) => !excluded(e.path));
    const present = new Map(walked.files.map((f) => [f.path, f]));
    const listedAndPresent = parsed.entries.flatMap((e) => {
      const file = present.get(e.path);
      return file ? [{ path: e.path, sha256: e.sha256, abs: file.abs }] : [];
    });
    const verdict = await runRules([
      exactSetRule({
        listing: sumsName,
        listed: parsed.entries.map((e) => e.path),
        present: [...present.keys()],
        allowExtra: options.allowExtra ?? false,
      }),
      identityRule({
        ...hashing,
        code: "CHECKSUM_MISMATCH",
        claimedBy: sumsName,
        expected: listedAndPresent,
        ...(options.known ? { known: options.known } : {}),
      }),
    ]);
    const findings = [...parsed.findings, ...walked.findings, ...verdict.findings];
    return { ...verdictOf(findings), sums: sumsName, checked: listedAndPresent.length, findings };
  });
}

/**
 * Runs `work` with a hash pool started *before* it, so the workers boot while `work` walks the
 * directory (unless the caller brought its own pool or asked for one thread).
 */
async function withPool<T>(options: HashOptions, work: (hashing: HashOptions) => Promise<T>): Promise<T> {
  const hashing: HashOptions = {
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
  };
  if (options.pool || options.concurrency === 1) return work({ ...hashing, ...(options.pool ? { pool: options.pool } : {}) });
  const pool = HashPool.start(options.concurrency);
  try {
    return await work({ ...hashing, pool });
  } finally {
    await pool.close();
  }
}

function walkOptions(options: { dir: string; exclude?: readonly string[]; onProgress?: unknown }, sumsFile: string): WalkOptions {
  const skip = insideName(options.dir, sumsFile);
  return {
    exclude: options.exclude ?? [],
    skip: skip ? [skip] : [],
    policy: "filename",
    // Sizes give progress a total; without a progress display the hasher does not need them.
    sizes: options.onProgress !== undefined,
  };
}

/** The name of `file` relative to `dir` when it lies inside it (so a walk can skip it). */
function insideName(dir: string, file: string): string | undefined {
  return pathWithin(dir, file) || undefined;
}
