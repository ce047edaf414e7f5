/**
 * `bindery dataset snapshot`: from a spec and staged upstream files to a packaged dataset.
 *
 * 1. The input check: every source staged, with its pinned size and SHA-256.
 * 2. The build, in a staging directory beside the output: the spec's file map (copies), or its
 *    build command (an argv array run with execa, `{inputs}` and `{output}` replaced).
 * 3. The snapshot report: the spec's hash, the sources by public reference (id, URL, SHA-256,
 *    size), the build, the files it wrote, and the input check by identity.
 * 4. `packageDataset` on the staging directory, then the finished package moves into place. A
 *    failure anywhere leaves the output directory as it was.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { copyFile, mkdir, readdir, rename, rm, rmdir } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { buildReport, decide, type CheckRow } from "../evidence/envelope.js";
import { prettyJson } from "../evidence/canonical-json.js";
import { BinderyError, errnoCode, type Finding } from "../evidence/errors.js";
import { hashFiles, type FileDigest, type HashOptions } from "../evidence/hashing.js";
import { identityOfBytes, type Identity } from "../evidence/identity.js";
import { checkPublicArgv } from "../evidence/argv.js";
import { sortByPath } from "../evidence/paths.js";
import { finding } from "../evidence/rules/engine.js";
import { redactSecrets } from "../evidence/secrets.js";
import { writeFileAtomic } from "../evidence/atomic.js";
import { throwOnFindings, walkTree } from "../evidence/walk.js";
import { specHash, type DatasetMetadata, type DatasetSpec } from "./inputs.js";
import { listPaths, packageDataset, type PackageDatasetResult } from "./package.js";
import { DATASET_FILES, inputCheckReport, OWNED_NAMES, snapshotReport } from "./schema.js";

export type InputCheckReport = ReturnType<typeof buildInputCheck>;

export interface CheckInputsOptions extends HashOptions {
  spec: DatasetSpec;
  inputsDir: string;
  env?: NodeJS.ProcessEnv;
}

export interface CheckInputsResult {
  ok: boolean;
  report: InputCheckReport;
  findings: Finding[];
  /** Digests of the staged files, by source id (for the snapshot report). */
  digests: Map<string, FileDigest>;
}

function buildInputCheck(spec: DatasetSpec, sources: unknown[], checks: CheckRow[], env?: NodeJS.ProcessEnv) {
  return buildReport(inputCheckReport, {
    inputs: [],
    body: {
      dataset: { name: spec.name, version: spec.version },
      spec_sha256: specHash(spec),
      sources: sources as never,
      ...decide(checks),
    },
    ...(env ? { env } : {}),
  });
}

/** Preflight: every source staged under `inputsDir`, each matching its pinned size and digest. */
export async function checkDatasetInputs(options: CheckInputsOptions): Promise<CheckInputsResult> {
  const { spec, inputsDir } = options;
  if (!isDirectory(inputsDir)) {
    throw new BinderyError("INPUT_NOT_FOUND", `inputs directory ${inputsDir} does not exist.`, {
      hint: "Stage every source's file there first (the spec's sources[].file names them).",
    });
  }
  const staged = spec.sources.filter((s) => isFile(join(inputsDir, s.file)));
  const hashed = await hashFiles(
    staged.map((s) => ({ path: join(inputsDir, s.file), shown: s.file })),
    options,
  );
  const digests = new Map(staged.map((s, i) => [s.id, hashed[i]!]));
  const findings: Finding[] = [];
  const checks: CheckRow[] = [];
  const sources = spec.sources.map((source) => {
    const observed = digests.get(source.id) ?? null;
    const problems: string[] = [];
    if (!observed) {
      findings.push(finding("MISSING_FILE", source.file, `source ${source.id}: ${source.file} is not staged in the inputs directory.`));
      problems.push(`${source.file} is not staged`);
    } else {
      if (source.size !== undefined && observed.size !== source.size) {
        problems.push(`${source.file} is ${observed.size} bytes, but the spec pins ${source.size}`);
      }
      if (source.sha256 !== undefined && observed.sha256 !== source.sha256) {
        problems.push(`${source.file} has sha256 ${observed.sha256}, but the spec pins ${source.sha256}`);
      }
      for (const problem of problems) findings.push(finding("IDENTITY_MISMATCH", source.file, `source ${source.id}: ${problem}.`));
    }
    const pins = [source.sha256 !== undefined ? "sha256" : "", source.size !== undefined ? "size" : ""].filter(Boolean);
    checks.push({
      id: `source:${source.id}`,
      ok: problems.length === 0,
      detail:
        problems.length > 0
          ? `source ${source.id}: ${problems.join("; ")}.`
          : `source ${source.id}: ${source.file} is ${observed!.size} bytes, sha256 ${observed!.sha256}${pins.length > 0 ? `, matching the pinned ${pins.join(" and ")}` : " (nothing pinned)"}.`,
      issue_refs: [observed ? "IDENTITY_MISMATCH" : "MISSING_FILE"],
    });
    return {
      id: source.id,
      url: source.url,
      license: source.license,
      file: source.file,
      pinned: { sha256: source.sha256 ?? null, size: source.size ?? null },
      observed,
      ok: problems.length === 0,
    };
  });
  const report = buildInputCheck(spec, sources, checks, options.env);
  return { ok: report.ok, report, findings, digests };
}

export interface SnapshotDatasetOptions extends HashOptions {
  spec: DatasetSpec;
  /** The build command runs here (normally the spec file's directory). */
  specDir: string;
  inputsDir: string;
  datasetDir: string;
  metadata: DatasetMetadata;
  /** Replace the files bindery owns in a non-empty dataset directory. */
  overwrite?: boolean;
  /** Accept placeholder wording in the metadata, as warnings, for a draft. */
  allowPlaceholders?: boolean;
  /** Show the build command's output on stderr (default true). */
  echo?: boolean;
  env?: NodeJS.ProcessEnv;
}

export interface SnapshotDatasetResult extends PackageDatasetResult {
  snapshot: Identity;
  inputCheck: Identity;
}

export async function snapshotDataset(options: SnapshotDatasetOptions): Promise<SnapshotDatasetResult> {
  const { spec, metadata } = options;
  checkAgreement(spec, metadata);
  checkSpec(spec);
  const owned = ownedFiles(options.datasetDir, options.overwrite ?? false);

  const check = await checkDatasetInputs(options);
  if (!check.ok) {
    throw new BinderyError("VERIFICATION_FAILED", `the staged inputs do not match the spec: ${check.report.blockers.join(" ")}`, {
      findings: check.findings,
      hint: "Run with --check-inputs --output FILE for the full input check report.",
    });
  }

  const out = resolve(options.datasetDir);
  await mkdir(dirname(out), { recursive: true });
  // mkdir, not mkdtemp: the package directory gets the user's usual mode, not 0700.
  const staging = join(dirname(out), `.${basename(out)}.snapshot-${randomBytes(6).toString("hex")}`);
  await mkdir(staging);
  try {
    await build(options, staging);
    const built = throwOnFindings(walkTree(staging), options.datasetDir);
    if (built.length === 0) throw new BinderyError("COMMAND_FAILED", "the build wrote no files into {output}.");
    const clash = built.filter((f) => OWNED_NAMES.includes(f.path));
    if (clash.length > 0) {
      throw new BinderyError("INPUT_INVALID", `the build wrote ${clash.map((f) => f.path).join(", ")}, a name bindery writes itself.`);
    }
    const hashed = await hashFiles(built.map((f) => ({ path: f.abs, shown: f.path })), options);
    const outputs = built.map((f, i): Identity => ({ path: f.path, ...hashed[i]! }));

    const inputCheckText = prettyJson(check.report);
    const inputCheck = identityOfBytes(DATASET_FILES.inputCheck, inputCheckText);
    const snapshot = buildReport(snapshotReport, {
      inputs: [inputCheck],
      body: {
        dataset: { name: spec.name, version: spec.version },
        spec_sha256: specHash(spec),
        build: spec.build.files
          ? { kind: "files", files: spec.build.files.map((f) => ({ source: f.source, path: f.path, split: f.split ?? null })) }
          : { kind: "command", argv: [...spec.build.command!] },
        sources: spec.sources.map((s) => ({ id: s.id, url: s.url, license: s.license, ...check.digests.get(s.id)! })),
        outputs,
        input_check_report: inputCheck,
      },
      ...(options.env ? { env: options.env } : {}),
    });
    const snapshotText = prettyJson(snapshot);
    await writeFileAtomic(join(staging, DATASET_FILES.inputCheck), inputCheckText);
    await writeFileAtomic(join(staging, DATASET_FILES.snapshot), snapshotText);

    const known = new Map(outputs.map((o) => [o.path, { sha256: o.sha256, size: o.size }]));
    const packaged = await packageDataset({
      dir: staging,
      shown: options.datasetDir,
      metadata,
      allowPlaceholders: options.allowPlaceholders ?? false,
      known,
      ...(options.env ? { env: options.env } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(options.concurrency ? { concurrency: options.concurrency } : {}),
    });
    await install(staging, out, owned);
    return { ...packaged, dir: options.datasetDir, snapshot: identityOfBytes(DATASET_FILES.snapshot, snapshotText), inputCheck };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** The spec and the metadata describe one dataset: same name and version, same files and splits. */
function checkAgreement(spec: DatasetSpec, meta: DatasetMetadata): void {
  if (spec.name !== meta.name || spec.version !== meta.version) {
    throw new BinderyError("INPUT_INVALID", `the spec builds ${spec.name} ${spec.version}, but the metadata describes ${meta.name} ${meta.version}.`, {
      hint: "Make name and version the same in both files.",
    });
  }
  const splitOf = new Map(meta.splits.flatMap((s) => s.files.map((f) => [typeof f === "string" ? f : f.path, s.name] as const)));
  for (const entry of spec.build.files ?? []) {
    const split = splitOf.get(entry.path);
    if (split === undefined) {
      throw new BinderyError("INPUT_INVALID", `the spec's file map writes ${entry.path}, which no split of the metadata declares.`);
    }
    if (entry.split !== undefined && entry.split !== split) {
      throw new BinderyError("INPUT_INVALID", `the spec puts ${entry.path} in split ${entry.split}, but the metadata puts it in ${split}.`);
    }
  }
}

/**
 * The checks on a spec beyond its schema (what `--check-spec` runs too): the build argv is
 * published as written, so it must not name this machine's paths.
 */
export function checkSpec(spec: DatasetSpec): void {
  if (spec.build.command) {
    checkPublicArgv(spec.build.command, "build.command", "Use a path relative to the spec's directory, or {inputs} and {output}.");
  }
}

/**
 * The files of an existing dataset directory that bindery may replace: its own names and the
 * payload its previous snapshot or manifest recorded. Anything else stops the snapshot.
 */
function ownedFiles(datasetDir: string, overwrite: boolean): string[] {
  if (!existsSync(datasetDir)) return [];
  if (!isDirectory(datasetDir)) throw new BinderyError("OUTPUT_EXISTS", `${datasetDir} exists and is not a directory.`);
  const present = throwOnFindings(walkTree(datasetDir), datasetDir).map((f) => f.path);
  if (present.length === 0) return [];
  if (!overwrite) {
    throw new BinderyError("OUTPUT_EXISTS", `${datasetDir} is not empty (${present.length} file${present.length === 1 ? "" : "s"}).`, {
      hint: "Pass --overwrite to replace a previous snapshot, or choose an empty directory.",
    });
  }
  const owned = new Set(OWNED_NAMES);
  for (const [file, key] of [
    [DATASET_FILES.manifest, "files"],
    [DATASET_FILES.snapshot, "outputs"],
  ] as const) {
    try {
      const listed = (JSON.parse(readFileSync(join(datasetDir, file), "utf8")) as Record<string, unknown>)[key];
      if (Array.isArray(listed)) for (const item of listed) if (typeof item?.path === "string") owned.add(item.path);
    } catch {
      // No previous record of this kind: only bindery's own names are owned.
    }
  }
  const foreign = present.filter((path) => !owned.has(path));
  if (foreign.length > 0) {
    throw new BinderyError("OUTPUT_EXISTS", `${datasetDir} holds files bindery did not write: ${listPaths(foreign)}. --overwrite replaces only bindery's own files.`, {
      hint: "Move them out of the dataset directory, or choose another one.",
    });
  }
  return present;
}

async function build(options: SnapshotDatasetOptions, staging: string): Promise<void> {
  const { spec } = options;
  if (spec.build.files) {
    const byId = new Map(spec.sources.map((s) => [s.id, s]));
    for (const entry of spec.build.files) {
      const target = join(staging, entry.path);
      await mkdir(dirname(target), { recursive: true });
      await copyFile(join(options.inputsDir, byId.get(entry.source)!.file), target);
    }
    return;
  }
  const inputs = resolve(options.inputsDir);
  const argv = spec.build.command!.map((arg) => arg.replaceAll("{inputs}", inputs).replaceAll("{output}", staging));
  const { execa } = await import("execa");
  const echo = options.echo ?? true;
  const result = await execa(argv[0]!, argv.slice(1), {
    cwd: options.specDir,
    reject: false,
    stdin: "ignore",
    // Line by line through the redactor: a build may print a credential from its environment.
    stdout: echo ? [redactLines, 2] : "ignore",
    stderr: echo ? [redactLines, "pipe", 2] : [redactLines, "pipe"],
    maxBuffer: 64 * 1024 * 1024,
    ...(options.env ? { env: options.env, extendEnv: false } : {}),
  });
  if (!result.failed) return;
  const shown = spec.build.command!.join(" ");
  const tail = String(result.stderr ?? "").trim().split("\n").slice(-5).join(" / ");
  const why =
    result.exitCode === undefined
      ? `could not start (${errnoCode(result.cause) ?? (result.shortMessage ?? "").split("\n")[0]})`
      : `exited with code ${result.exitCode}`;
  throw new BinderyError("COMMAND_FAILED", `the build command \`${shown}\` ${why}${tail ? `; its last error output: ${tail}` : ""}.`, {
    hint: "Fix the build, then run the snapshot again; the dataset directory was not changed.",
  });
}

function* redactLines(line: unknown): Generator<string> {
  yield redactSecrets(String(line));
}

/** Moves the staged package into the dataset directory, replacing only the files bindery owns. */
async function install(staging: string, out: string, owned: readonly string[]): Promise<void> {
  if (!existsSync(out)) {
    await rename(staging, out);
    return;
  }
  for (const path of owned) await rm(join(out, path), { force: true });
  await pruneEmptyDirectories(out, false);
  for (const file of sortByPath(throwOnFindings(walkTree(staging), staging), (f) => f.path)) {
    const target = join(out, file.path);
    await mkdir(dirname(target), { recursive: true });
    await rename(file.abs, target);
  }
}

async function pruneEmptyDirectories(dir: string, removeSelf: boolean): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) await pruneEmptyDirectories(join(dir, entry.name), true);
  }
  if (removeSelf && (await readdir(dir)).length === 0) await rmdir(dir);
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch (error) {
    if (errnoCode(error) === "ENOENT" || errnoCode(error) === "ENOTDIR") return false;
    throw error;
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
