/** `bindery training preflight|run|package|check-resume`: a training run, bound to its inputs. */
import { Option, type Command } from "commander";
import { collect, withExamples, withOutputOptions } from "./common.js";
import { plural } from "./format.js";
import { findingLine, runCommand, type OutputFlags } from "./output.js";

interface PreflightFlags extends OutputFlags {
  datasetDir: string;
  config: string;
  runDir: string;
  baseModelDir?: string;
  configSchema?: string;
  requireAccelerator?: "cuda";
  minDeviceMemoryGib?: string;
  probe?: string[];
}

interface RunFlags extends OutputFlags {
  runDir: string;
  allowDirty?: boolean;
}

interface PackageFlags extends OutputFlags {
  runDir: string;
  metadata: string;
  datasetDir?: string;
}

interface ResumeFlags extends OutputFlags {
  runDir: string;
  checkpoint: string;
}

export function registerTraining(program: Command): void {
  const training = program.command("training").description("preflight, run, package and resume a training run (docs/commands/training.md)");

  withExamples(
    withOutputOptions(
      training
        .command("preflight")
        .description("verify the dataset, pin the base model and config, probe the machine; write RUN_DIR/training_preflight_report.json")
        .requiredOption("--dataset-dir <dir>", "the dataset package (verified as a release)")
        .requiredOption("--config <file>", "the training config (YAML or JSON); copied into the run directory")
        .requiredOption("--run-dir <dir>", "the run directory")
        .option("--base-model-dir <dir>", "the base model the run starts from (its files are pinned; its manifest.json verified if present)")
        .option("--config-schema <file>", "a JSON Schema the config must match")
        .addOption(new Option("--require-accelerator <kind>", "fail unless this accelerator is present").choices(["cuda"]))
        .option("--min-device-memory-gib <n>", "with --require-accelerator: the least memory a device must have")
        .option("--probe <command>", "record `<command> --version` (repeatable, e.g. --probe python --probe nvcc)", collect),
    ),
    [
      "bindery training preflight --dataset-dir release/dataset --config train.yaml --run-dir runs/r1",
      "bindery training preflight --dataset-dir release/dataset --config train.yaml --run-dir runs/r1 --require-accelerator cuda --min-device-memory-gib 40 --probe python",
    ],
  ).action(async (flags: PreflightFlags) => {
    await runCommand("bindery training preflight", flags, async ({ onProgress }) => {
      const [{ trainingPreflight }, { BinderyError }, { verificationError }, { findingsOfChecks }] = await Promise.all([
        import("../training/preflight.js"),
        import("../evidence/errors.js"),
        import("../evidence/rules/engine.js"),
        import("../evidence/envelope.js"),
      ]);
      const memory = flags.minDeviceMemoryGib === undefined ? undefined : Number(flags.minDeviceMemoryGib);
      if (memory !== undefined && !(memory > 0)) throw new BinderyError("USAGE", `--min-device-memory-gib must be a positive number, not ${JSON.stringify(flags.minDeviceMemoryGib)}.`);
      if (memory !== undefined && !flags.requireAccelerator) throw new BinderyError("USAGE", "--min-device-memory-gib needs --require-accelerator.");
      const result = await trainingPreflight({
        datasetDir: flags.datasetDir,
        config: flags.config,
        runDir: flags.runDir,
        ...(flags.baseModelDir ? { baseModelDir: flags.baseModelDir } : {}),
        ...(flags.configSchema ? { configSchema: flags.configSchema } : {}),
        ...(flags.requireAccelerator ? { requireAccelerator: flags.requireAccelerator } : {}),
        ...(memory !== undefined ? { minDeviceMemoryGib: memory } : {}),
        probes: (flags.probe ?? []).map((p) => p.split(/\s+/).filter(Boolean)),
        ...(onProgress ? { onProgress } : {}),
      });
      const findings = [...findingsOfChecks(result.report.checks, "training_preflight_report.json"), ...result.findings];
      const summary = `wrote ${flags.runDir}/training_preflight_report.json: ${plural(result.report.checks.length, "check")}`;
      return {
        json: { ok: result.ok, report: result.identity, checks: result.report.checks, findings },
        human: result.ok ? [`OK  ${summary}, all passed`] : [...findings.map(findingLine), `FAIL  ${summary}; the run may not start`],
        ...(result.ok ? {} : { failure: verificationError(flags.runDir, { ok: false, findings }) }),
      };
    });
  });

  withExamples(
    withOutputOptions(
      training
        .command("run")
        .description("run the training command after an ok preflight and record it in RUN_DIR/training_run.json")
        .requiredOption("--run-dir <dir>", "the run directory (with an ok preflight)")
        .option("--allow-dirty", "run from a work tree with uncommitted changes (or none), and record it")
        .argument("<command...>", "the training command and its arguments, after --"),
    ),
    ["bindery training run --run-dir runs/r1 -- python train.py --config runs/r1/training_config.yaml"],
  ).action(async (command: string[], flags: RunFlags) => {
    await runCommand("bindery training run", flags, async () => {
      const [{ trainingRun }, { BinderyError }] = await Promise.all([import("../training/run.js"), import("../evidence/errors.js")]);
      const { record, identity } = await trainingRun({ runDir: flags.runDir, argv: command, allowDirty: flags.allowDirty ?? false, echo: !flags.quiet });
      const failed = record.exit_code !== 0;
      return {
        json: { ok: !failed, run_id: record.run_id, exit_code: record.exit_code, record: identity, commit: record.commit, duration_ms: record.duration_ms },
        human: [`${failed ? "FAIL" : "OK"}  run ${record.run_id}: exit ${record.exit_code ?? "(signal)"} after ${(record.duration_ms / 1000).toFixed(1)} s; recorded in ${flags.runDir}/training_run.json`],
        ...(failed
          ? { failure: new BinderyError("RUN_FAILED", `the training command exited with ${record.exit_code === null ? "a signal" : `code ${record.exit_code}`}; the run is recorded, and will not be packaged.`) }
          : {}),
      };
    });
  });

  withExamples(
    withOutputOptions(
      training
        .command("package")
        .description("write training_run_manifest.json, training_run_card.md and training_run_SHA256SUMS for a recorded run")
        .requiredOption("--run-dir <dir>", "the run directory")
        .requiredOption("--metadata <file>", "the run metadata (kind: bindery/training-metadata)")
        .option("--dataset-dir <dir>", "check the dataset package is still the one the preflight pinned"),
    ),
    ["bindery training package --run-dir runs/r1 --metadata run.yaml --dataset-dir release/dataset"],
  ).action(async (flags: PackageFlags) => {
    await runCommand("bindery training package", flags, async ({ onProgress }) => {
      const [{ packageTrainingRun }, { readAuthorInput }, { trainingMetadata }] = await Promise.all([
        import("../training/package.js"),
        import("../evidence/author-input.js"),
        import("../training/schema.js"),
      ]);
      const metadata = (await readAuthorInput(trainingMetadata, flags.metadata)).value;
      const { manifest, files } = await packageTrainingRun({
        runDir: flags.runDir,
        metadata,
        ...(flags.datasetDir ? { datasetDir: flags.datasetDir } : {}),
        ...(onProgress ? { onProgress } : {}),
      });
      return {
        json: { ok: true, run_id: manifest.run_id, files, checkpoints: manifest.checkpoints.length, logs: manifest.logs.length, outputs: manifest.outputs.length },
        human: [
          `packaged ${flags.runDir}: run ${manifest.run_id}, ${plural(manifest.checkpoints.length, "checkpoint")}, ${plural(manifest.logs.length, "log")}, ${plural(manifest.outputs.length, "other output")}; ${plural(files.length, "file")} in training_run_SHA256SUMS`,
        ],
      };
    });
  });

  withExamples(
    withOutputOptions(
      training
        .command("check-resume")
        .description("accept a checkpoint to resume from only if its sidecar names this run, dataset snapshot, seed and config")
        .requiredOption("--run-dir <dir>", "the run directory")
        .requiredOption("--checkpoint <file>", "the checkpoint (inside the run directory), with CKPT.bindery.json beside it"),
    ),
    ["bindery training check-resume --run-dir runs/r1 --checkpoint runs/r1/checkpoints/step-500.pt"],
  ).action(async (flags: ResumeFlags) => {
    await runCommand("bindery training check-resume", flags, async () => {
      const [{ checkResume }, { verificationError }] = await Promise.all([import("../training/resume.js"), import("../evidence/rules/engine.js")]);
      const result = await checkResume({ runDir: flags.runDir, checkpoint: flags.checkpoint });
      return {
        json: { ok: result.ok, step: result.step, findings: result.findings },
        human: result.ok
          ? [`OK  ${flags.checkpoint} resumes this run at step ${result.step}; recorded in ${flags.runDir}/training_resume.json`]
          : [...result.findings.map(findingLine), `FAIL  ${flags.checkpoint} was not trained by this run`],
        ...(result.ok ? {} : { failure: verificationError(flags.checkpoint, { ok: false, findings: result.findings }) }),
      };
    });
  });
}
