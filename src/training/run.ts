/**
 * `bindery training run`: runs the user's training command (execa, no shell) after an ok
 * preflight, and records what ran: run id, seed, commit, argv, times, exit code and the log
 * (bounded, secrets redacted) in `training_run.json`.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { readArtifact } from "../evidence/artifact.js";
import { checkPublicArgv } from "../evidence/argv.js";
import { writeFileAtomic } from "../evidence/atomic.js";
import { canonicalHash } from "../evidence/canonical-json.js";
import { buildReport, readReport, writeReport } from "../evidence/envelope.js";
import { BinderyError, inputError } from "../evidence/errors.js";
import { identityOfBytes, type Identity } from "../evidence/identity.js";
import { BoundedLog } from "../evidence/bounded-log.js";
import { redactSecrets } from "../evidence/secrets.js";
import { formatUtc, generatedAt } from "../evidence/time.js";
import { parseDocument } from "../evidence/author-input.js";
import { preflightReport, resumeRecord, RUN_FILES, runRecord, type RunRecord } from "./schema.js";

/** The log keeps its first and its last LOG_PART bytes; the middle of a longer log is cut. */
export const LOG_PART = 1024 * 1024;

export interface TrainingRunOptions {
  runDir: string;
  argv: readonly string[];
  /** Record a dirty work tree (or none) instead of refusing it. */
  allowDirty?: boolean;
  /** Where the command runs and git is asked (default: the working directory). */
  cwd?: string;
  /** Show the command's output on stderr (default true). */
  echo?: boolean;
  env?: NodeJS.ProcessEnv;
  now?: () => Date;
}

export interface TrainingRunResult {
  record: RunRecord;
  identity: Identity;
}

async function git(args: readonly string[], cwd: string): Promise<{ ok: boolean; stdout: string }> {
  const { execa } = await import("execa");
  const result = await execa("git", args, { cwd, reject: false, stdin: "ignore" });
  return { ok: !result.failed, stdout: String(result.stdout).trim() };
}

/** The commit the run is made from: HEAD, and whether tracked files differ from it. */
export async function workTreeState(cwd: string): Promise<{ sha: string; dirty: boolean } | null> {
  const head = await git(["rev-parse", "HEAD"], cwd);
  if (!head.ok) return null;
  const status = await git(["status", "--porcelain", "--untracked-files=no"], cwd);
  return { sha: head.stdout, dirty: !status.ok || status.stdout.length > 0 };
}

export async function trainingRun(options: TrainingRunOptions): Promise<TrainingRunResult> {
  const { runDir } = options;
  const now = options.now ?? (() => new Date());
  if (options.argv.length === 0) throw new BinderyError("USAGE", "no training command: give it after --, e.g. `bindery training run --run-dir R -- python train.py`.");
  checkPublicArgv(options.argv, "the training command");
  // A bad SOURCE_DATE_EPOCH must stop the run before it starts, not after it wrote its log.
  generatedAt(options.env);

  const preflightPath = join(runDir, RUN_FILES.preflight);
  if (!existsSync(preflightPath)) {
    throw new BinderyError("MISSING_EVIDENCE", `${runDir} has no ${RUN_FILES.preflight}; a run starts only after an ok preflight.`, {
      hint: "Run `bindery training preflight` for this run directory first.",
      exitCode: 3,
    });
  }
  const preflight = await readReport(preflightReport, preflightPath, RUN_FILES.preflight);
  if (!preflight.value.ok) {
    throw new BinderyError("REPORT_NOT_OK", `${RUN_FILES.preflight} is not ok, so the run does not start: ${preflight.value.blockers.join(" ")}`, { exitCode: 3 });
  }
  const configPath = join(runDir, preflight.value.config.file.path);
  let configBytes: Buffer;
  try {
    configBytes = await readFile(configPath);
  } catch (error) {
    throw inputError(error, configPath);
  }
  const config = identityOfBytes(preflight.value.config.file.path, configBytes);
  if (config.sha256 !== preflight.value.config.file.sha256) {
    throw new BinderyError("IDENTITY_MISMATCH", `${config.path} changed after the preflight (sha256 ${config.sha256}, preflight pinned ${preflight.value.config.file.sha256}).`, {
      hint: "Run the preflight again.",
      exitCode: 3,
    });
  }

  const cwd = options.cwd ?? process.cwd();
  const commit = await workTreeState(cwd);
  if (!options.allowDirty && (commit === null || commit.dirty)) {
    throw new BinderyError(
      "DIRTY_WORKTREE",
      commit === null
        ? `${cwd} is not in a git work tree, so the run would have no commit.`
        : `the git work tree has uncommitted changes to tracked files (HEAD ${commit.sha}); the run would not be reproducible from its commit.`,
      { hint: "Commit first, or pass --allow-dirty to record the state as it is." },
    );
  }

  const resume = existsSync(join(runDir, RUN_FILES.resume)) ? (await readArtifact(resumeRecord, join(runDir, RUN_FILES.resume), RUN_FILES.resume)).value : undefined;
  const runId = resume?.run_id ?? `run-${formatUtc(now()).replace(/[-:]/g, "").replace("T", "-").replace("Z", "")}-${randomBytes(4).toString("hex")}`;
  const log = new BoundedLog(LOG_PART);
  const echo = options.echo ?? true;
  const started = now();
  const { execa } = await import("execa");
  function* capture(line: unknown): Generator<string> {
    const clean = redactSecrets(String(line));
    log.add(clean);
    if (echo) yield clean;
  }
  const result = await execa(options.argv[0]!, options.argv.slice(1), {
    cwd,
    reject: false,
    stdin: "ignore",
    // Quiet: `capture` yields nothing, so the pipe carries (and buffers) nothing.
    stdout: [capture, echo ? 2 : "pipe"] as never,
    stderr: [capture, echo ? 2 : "pipe"] as never,
    // What a training script needs to write checkpoint sidecars (docs/commands/training.md).
    env: {
      ...(options.env ?? {}),
      BINDERY_RUN_ID: runId,
      BINDERY_RUN_DIR: runDir,
      BINDERY_SEED: preflight.value.config.seed === null ? "" : String(preflight.value.config.seed),
      BINDERY_CONFIG_SHA256: preflight.value.config.sha256,
      BINDERY_DATASET_SNAPSHOT_ID: preflight.value.dataset.snapshot_id ?? "",
    },
    extendEnv: options.env === undefined,
  });
  const ended = now();
  if (result.exitCode === undefined && result.signal === undefined) {
    throw new BinderyError("COMMAND_FAILED", `the training command \`${options.argv.join(" ")}\` could not start (${result.shortMessage?.split("\n")[0] ?? "unknown error"}).`);
  }
  const logText = log.text();
  await writeFileAtomic(join(runDir, RUN_FILES.log), logText);
  const record = buildReport(runRecord, {
    inputs: [identityOfBytes(RUN_FILES.preflight, preflight.bytes), config],
    body: {
      run_id: runId,
      preflight: identityOfBytes(RUN_FILES.preflight, preflight.bytes),
      config,
      config_sha256: canonicalHash(parseDocument(configBytes.toString("utf8"), config.path)),
      seed: preflight.value.config.seed,
      commit,
      argv: [...options.argv],
      started_at: formatUtc(started),
      ended_at: formatUtc(ended),
      duration_ms: Math.max(0, ended.getTime() - started.getTime()),
      exit_code: result.exitCode ?? null,
      log: identityOfBytes(RUN_FILES.log, logText),
      log_truncated: log.truncated,
      resumed_from: resume ? { step: resume.step, checkpoint: resume.checkpoint } : null,
    },
    ...(options.env ? { env: options.env } : {}),
  });
  const identity = await writeReport(join(runDir, RUN_FILES.run), record, RUN_FILES.run);
  return { record, identity };
}
