/**
 * `bindery training check-resume`: a checkpoint may resume this run only if its sidecar
 * (`CKPT.bindery.json`) names this run, the dataset snapshot, the seed and the config the
 * preflight pinned. An accepted resume is recorded in `training_resume.json`, so the run record
 * and the package show the step it resumed from.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { readAuthorInput } from "../evidence/author-input.js";
import { buildReport, readReport, writeReport } from "../evidence/envelope.js";
import { BinderyError, inputError, type Finding } from "../evidence/errors.js";
import { identitiesOfFiles, identityOfBytes } from "../evidence/identity.js";
import { pathWithin } from "../evidence/paths.js";
import { finding } from "../evidence/rules/engine.js";
import { checkpointSidecar, preflightReport, resumeRecord, RUN_FILES, runRecord } from "./schema.js";

export interface CheckResumeOptions {
  runDir: string;
  checkpoint: string;
  env?: NodeJS.ProcessEnv;
}

export async function checkResume(options: CheckResumeOptions): Promise<{ ok: boolean; findings: Finding[]; step: number }> {
  const { runDir } = options;
  const sidecarPath = `${options.checkpoint}.bindery.json`;
  if (!existsSync(options.checkpoint)) throw inputError(Object.assign(new Error("missing"), { code: "ENOENT" }), options.checkpoint, "checkpoint");
  if (!existsSync(sidecarPath)) {
    throw new BinderyError("INPUT_NOT_FOUND", `checkpoint ${options.checkpoint} has no sidecar ${sidecarPath}; the training script writes one beside each checkpoint (docs/commands/training.md).`);
  }
  const within = pathWithin(runDir, options.checkpoint);
  if (!within) {
    throw new BinderyError("INPUT_INVALID", `checkpoint ${options.checkpoint} is outside the run directory ${runDir}; a run resumes from its own checkpoints.`, {
      hint: "Copy the checkpoint and its sidecar into the run directory (e.g. checkpoints/) first.",
    });
  }
  const sidecar = await readAuthorInput(checkpointSidecar, sidecarPath);
  if (!existsSync(join(runDir, RUN_FILES.preflight))) {
    throw new BinderyError("MISSING_EVIDENCE", `${runDir} has no ${RUN_FILES.preflight}, so there is nothing to compare the checkpoint with.`, {
      hint: "Run `bindery training preflight` for this run directory first.",
      exitCode: 3,
    });
  }
  const preflight = await readReport(preflightReport, join(runDir, RUN_FILES.preflight), RUN_FILES.preflight);
  const run = existsSync(join(runDir, RUN_FILES.run)) ? (await readReport(runRecord, join(runDir, RUN_FILES.run), RUN_FILES.run)).value : undefined;
  const s = sidecar.value;
  const p = preflight.value;
  const findings: Finding[] = [];
  const differ = (field: string, what: string, theirs: unknown, ours: unknown) => {
    if (ours !== undefined && theirs !== ours) {
      findings.push(finding("DISAGREEMENT", `${within}.bindery.json`, `the checkpoint was trained with ${what} ${JSON.stringify(theirs)}, but this run has ${JSON.stringify(ours)}.`, { field: `/${field}` }));
    }
  };
  differ("run_id", "run id", s.run_id, run?.run_id);
  differ("dataset_snapshot_id", "dataset snapshot", s.dataset_snapshot_id, p.dataset.snapshot_id ?? undefined);
  differ("seed", "seed", s.seed, p.config.seed);
  differ("config_sha256", "config", s.config_sha256, p.config.sha256);
  if (findings.length > 0) return { ok: false, findings, step: s.step };

  const [checkpoint] = await identitiesOfFiles([options.checkpoint], { root: runDir });
  const sidecarBytes = await readFile(sidecarPath);
  const record = buildReport(resumeRecord, {
    inputs: [checkpoint!, identityOfBytes(`${checkpoint!.path}.bindery.json`, sidecarBytes)],
    body: { run_id: s.run_id, step: s.step, checkpoint: checkpoint!, sidecar: identityOfBytes(`${checkpoint!.path}.bindery.json`, sidecarBytes) },
    ...(options.env ? { env: options.env } : {}),
  });
  await writeReport(join(runDir, RUN_FILES.resume), record, RUN_FILES.resume);
  return { ok: true, findings: [], step: s.step };
}
