/**
 * Sealing a directory: write a SHA256SUMS over every file in it but the sums file itself, and
 * verify a directory against one, strictly: every missing, extra and mismatched file is named.
 */
import { readFile } from "node:fs/promises";
import { basename, isAbsolute, join, relative, resolve, sep } from "node:path";
import { writeFileAtomic } from "./atomic.js";
import { BinderyError, inputError } from "./errors.js";
import { hashFiles, type HashOptions } from "./hashing.js";
import type { Identity } from "./identity.js";
import { exactSetRule, identityRule, runRules, verdictOf, type Finding } from "./rules/index.js";
import { formatSums, parseSums } from "./sha256sums.js";
import { throwOnFindings, walkTree, type WalkedFile } from "./walk.js";

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
  const skip = insideName(options.dir, output);
  const walked = throwOnFindings(
    walkTree(options.dir, { exclude: options.exclude ?? [], skip: skip ? [skip] : [], policy: "filename" }),
    options.dir,
  );
  if (walked.length === 0) {
    throw new BinderyError("INPUT_INVALID", `${options.dir} has no files to checksum.`, {
      hint: "sha256sum -c rejects an empty checksum file; check the directory and any --exclude patterns.",
    });
  }
  const files = await identitiesOfWalk(walked, options);
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
  const skip = insideName(options.dir, sumsPath);
  const sumsName = skip ?? basename(sumsPath);
  let bytes: Buffer;
  try {
    bytes = await readFile(sumsPath);
  } catch (error) {
    throw inputError(error, sumsPath, "checksum file");
  }
  const parsed = parseSums(bytes, sumsName);
  const walked = walkTree(options.dir, { exclude: options.exclude ?? [], skip: skip ? [skip] : [], policy: "filename" });
  const present = new Map(walked.files.map((f) => [f.path, f]));
  const verdict = await runRules([
    exactSetRule({
      listing: sumsName,
      listed: parsed.entries.map((e) => e.path),
      present: [...present.keys()],
      allowExtra: options.allowExtra ?? false,
    }),
    identityRule({
      ...hashOptions(options),
      code: "CHECKSUM_MISMATCH",
      claimedBy: sumsName,
      expected: parsed.entries.flatMap((e) => {
        const file = present.get(e.path);
        return file ? [{ path: e.path, sha256: e.sha256, abs: file.abs }] : [];
      }),
    }),
  ]);
  const findings = [...parsed.findings, ...walked.findings, ...verdict.findings];
  return {
    ...verdictOf(findings),
    sums: sumsName,
    checked: parsed.entries.filter((e) => present.has(e.path)).length,
    findings,
  };
}

/** The name of `file` relative to `dir` when it lies inside it (so a walk can skip it). */
function insideName(dir: string, file: string): string | undefined {
  const rel = relative(resolve(dir), resolve(file));
  if (rel === "" || rel.startsWith(`..${sep}`) || rel === ".." || isAbsolute(rel)) return undefined;
  return rel.split(sep).join("/");
}

function hashOptions(options: HashOptions): HashOptions {
  return {
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
  };
}

/** Identities of walked files: their names were checked by the walk, their sizes are known. */
async function identitiesOfWalk(walked: readonly WalkedFile[], options: HashOptions): Promise<Identity[]> {
  const digests = await hashFiles(
    walked.map((f) => ({ path: f.abs, size: f.size, shown: f.path })),
    hashOptions(options),
  );
  return digests.map((digest, i) => ({ path: walked[i]!.path, ...digest }));
}
