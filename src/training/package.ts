/**
 * `bindery training package`: the run directory becomes a package. `training_run_manifest.json`
 * binds the run record to its dataset snapshot, base model, config, commit, preflight, resume,
 * checkpoints and logs by identity; `training_run_card.md` is rendered from it; and
 * `training_run_SHA256SUMS` covers every file. A run whose evidence does not hang together
 * (config or dataset changed since the preflight, a non-zero exit) is refused.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../evidence/atomic.js";
import { prettyJson } from "../evidence/canonical-json.js";
import { buildReport, readReport } from "../evidence/envelope.js";
import { BinderyError } from "../evidence/errors.js";
import { compileGlobs } from "../evidence/glob.js";
import { hashFiles, type HashOptions } from "../evidence/hashing.js";
import { identityOfBytes, type Identity } from "../evidence/identity.js";
import { formatSums } from "../evidence/sha256sums.js";
import { throwOnFindings, walkTree } from "../evidence/walk.js";
import { DATASET_FILES } from "../dataset/schema.js";
import { preflightReport, RUN_FILES, runManifest, runRecord, type RunManifest, type TrainingMetadata } from "./schema.js";

export interface PackageRunOptions extends HashOptions {
  runDir: string;
  metadata: TrainingMetadata;
  /** The dataset package, to check it is still the one the preflight pinned. */
  datasetDir?: string;
  env?: NodeJS.ProcessEnv;
}

const OWN = [RUN_FILES.manifest, RUN_FILES.card, RUN_FILES.sums];

function refuse(code: "IDENTITY_MISMATCH" | "RUN_FAILED" | "DISAGREEMENT" | "MISSING_EVIDENCE", message: string): BinderyError {
  return new BinderyError(code, message, { exitCode: code === "RUN_FAILED" ? 1 : 3 });
}

export async function packageTrainingRun(options: PackageRunOptions): Promise<{ manifest: RunManifest; files: Identity[] }> {
  const { runDir } = options;
  for (const name of [RUN_FILES.preflight, RUN_FILES.run]) {
    if (!existsSync(join(runDir, name))) throw refuse("MISSING_EVIDENCE", `${runDir} has no ${name}; package a run after \`bindery training preflight\` and \`bindery training run\`.`);
  }
  const preflight = await readReport(preflightReport, join(runDir, RUN_FILES.preflight), RUN_FILES.preflight);
  const run = await readReport(runRecord, join(runDir, RUN_FILES.run), RUN_FILES.run);
  const walked = throwOnFindings(walkTree(runDir, { skip: OWN }), runDir);
  const digests = await hashFiles(walked.map((f) => ({ path: f.abs, shown: f.path })), options);
  const identities = new Map(walked.map((f, i) => [f.path, { path: f.path, ...digests[i]! }]));
  const p = preflight.value;
  const r = run.value;

  // The evidence must hang together before it is bound.
  if (!p.ok) throw refuse("DISAGREEMENT", `${RUN_FILES.preflight} is not ok: ${p.blockers.join(" ")}`);
  const preflightNow = identityOfBytes(RUN_FILES.preflight, preflight.bytes);
  if (preflightNow.sha256 !== r.preflight.sha256) {
    throw refuse("IDENTITY_MISMATCH", `${RUN_FILES.run} was made after another preflight (sha256 ${r.preflight.sha256}); ${RUN_FILES.preflight} is now ${preflightNow.sha256}.`);
  }
  const config = identities.get(p.config.file.path);
  if (!config || config.sha256 !== p.config.file.sha256 || r.config.sha256 !== p.config.file.sha256) {
    throw refuse("IDENTITY_MISMATCH", `the config ${p.config.file.path} is not the one the preflight pinned (sha256 ${p.config.file.sha256}): it is ${config?.sha256 ?? "missing"}${r.config.sha256 !== p.config.file.sha256 ? `, and the run recorded ${r.config.sha256}` : ""}.`);
  }
  if (options.datasetDir) {
    if (!existsSync(options.datasetDir)) {
      throw new BinderyError("INPUT_NOT_FOUND", `dataset directory ${options.datasetDir} does not exist.`);
    }
    for (const [name, pinned] of [
      [DATASET_FILES.package, p.dataset.package],
      [DATASET_FILES.snapshot, p.dataset.snapshot_report],
      [DATASET_FILES.inputCheck, p.dataset.input_check_report],
    ] as const) {
      const now = existsSync(join(options.datasetDir, name)) ? (await hashFiles([{ path: join(options.datasetDir, name), shown: name }]))[0]! : undefined;
      if (pinned && (!now || now.sha256 !== pinned.sha256)) {
        throw refuse("IDENTITY_MISMATCH", `the dataset's ${name} is not the one the preflight pinned (sha256 ${pinned.sha256}): it is ${now?.sha256 ?? "missing"}.`);
      }
    }
  }
  const log = identities.get(r.log.path);
  if (!log || log.sha256 !== r.log.sha256 || log.size !== r.log.size) {
    throw refuse("IDENTITY_MISMATCH", `${r.log.path} is not the log ${RUN_FILES.run} recorded (sha256 ${r.log.sha256}): it is ${log?.sha256 ?? "missing"}.`);
  }
  if (r.exit_code !== 0) {
    throw refuse("RUN_FAILED", `the recorded run ${r.run_id} exited with ${r.exit_code === null ? "a signal" : `code ${r.exit_code}`}; only a successful run is packaged.`);
  }

  const inGlobs = (globs: readonly string[]) => compileGlobs(globs);
  const isCheckpoint = inGlobs(options.metadata.checkpoints);
  const isLog = inGlobs(options.metadata.logs);
  const own = new Set<string>([RUN_FILES.preflight, RUN_FILES.run, RUN_FILES.resume, p.config.file.path, ...(p.config.schema ? [p.config.schema.path] : [])]);
  const all = [...identities.values()];
  const checkpoints = all.filter((f) => !own.has(f.path) && isCheckpoint(f.path));
  const logs = all.filter((f) => !own.has(f.path) && !isCheckpoint(f.path) && isLog(f.path));
  const outputs = all.filter((f) => !own.has(f.path) && !isCheckpoint(f.path) && !isLog(f.path));

  const manifest = buildReport(runManifest, {
    inputs: [preflightNow, identityOfBytes(RUN_FILES.run, run.bytes), config],
    body: {
      name: options.metadata.name,
      description: options.metadata.description,
      run_id: r.run_id,
      seed: r.seed,
      commit: r.commit,
      dataset: {
        name: p.dataset.name,
        version: p.dataset.version,
        package: p.dataset.package,
        snapshot_report: p.dataset.snapshot_report,
        snapshot_id: p.dataset.snapshot_id,
      },
      base_model: p.base_model,
      config,
      config_sha256: p.config.sha256,
      preflight: preflightNow,
      run_record: identityOfBytes(RUN_FILES.run, run.bytes),
      // The run record says whether the recorded run resumed; an accepted resume that was never run is not claimed.
      resumed_from: r.resumed_from,
      checkpoints,
      logs,
      outputs,
      exit_code: r.exit_code,
      duration_ms: r.duration_ms,
    },
    ...(options.env ? { env: options.env } : {}),
  });
  const manifestText = prettyJson(manifest);
  const card = renderRunCard(manifest);
  const files = [...all, identityOfBytes(RUN_FILES.manifest, manifestText), identityOfBytes(RUN_FILES.card, card)];
  await writeFileAtomic(join(runDir, RUN_FILES.manifest), manifestText);
  await writeFileAtomic(join(runDir, RUN_FILES.card), card);
  await writeFileAtomic(join(runDir, RUN_FILES.sums), formatSums(files));
  return { manifest, files };
}

const code = (text: string) => `\`${text.replace(/`/g, "'")}\``;

/** training_run_card.md: a pure function of training_run_manifest.json. */
export function renderRunCard(m: RunManifest): string {
  const lines = [
    `<!-- Generated by bindery training package from ${RUN_FILES.manifest}. Do not edit. -->`,
    "",
    `# ${m.name}`,
    "",
    m.description.trim(),
    "",
    "| | |",
    "|---|---|",
    `| Run id | ${code(m.run_id)} |`,
    `| Seed | ${m.seed === null ? "not set" : code(String(m.seed))} |`,
    `| Commit | ${m.commit ? `${code(m.commit.sha)}${m.commit.dirty ? " (uncommitted changes)" : ""}` : "none recorded"} |`,
    `| Dataset | ${m.dataset.name ? `${m.dataset.name} ${m.dataset.version}` : "unknown"}; snapshot ${m.dataset.snapshot_id ? code(m.dataset.snapshot_id) : "none"} |`,
    `| Base model | ${m.base_model ? (m.base_model.model_id ? code(m.base_model.model_id) : `${m.base_model.files.length} files`) : "none (trained from scratch)"} |`,
    `| Config | ${code(m.config.path)}, canonical sha256 ${code(m.config_sha256)} |`,
    `| Exit code | ${m.exit_code} after ${(m.duration_ms / 1000).toFixed(1)} s |`,
    `| Resumed | ${m.resumed_from ? `from step ${m.resumed_from.step} (${code(m.resumed_from.checkpoint.path)})` : "no"} |`,
    "",
    "## Files",
    "",
    "| Kind | Path | Bytes | SHA-256 |",
    "|---|---|---:|---|",
    ...[
      ["checkpoint", m.checkpoints],
      ["log", m.logs],
      ["output", m.outputs],
    ].flatMap(([kind, list]) => (list as Identity[]).map((f) => `| ${kind} | ${code(f.path)} | ${f.size} | ${code(f.sha256)} |`)),
    "",
    `Verify with ${code(`sha256sum -c ${RUN_FILES.sums}`)}.`,
  ];
  return `${lines.join("\n")}\n`;
}
