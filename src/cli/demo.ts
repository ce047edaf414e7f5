/** `bindery demo run`: a recorded run of the project's demo command against the packaged model. */
import type { Command } from "commander";
import { collect, withExamples, withOutputOptions } from "./common.js";
import { plural } from "./format.js";
import { findingLine, runCommand, verdictOutcome, type OutputFlags } from "./output.js";

interface VerifyFlags extends OutputFlags {
  demoDir: string;
  modelDir?: string;
  release?: boolean;
}

interface RunFlags extends OutputFlags {
  modelDir: string;
  outputDir: string;
  program?: string[];
  input?: string[];
  output?: string[];
  probe?: string[];
}

export function registerDemo(program: Command): void {
  const demo = program.command("demo").description("terminal demos: a recorded, replayable run against the packaged model (docs/commands/demo.md)");

  withExamples(
    withOutputOptions(
      demo
        .command("run")
        .description(
          "copy the programs and inputs into OUTPUT_DIR, run the demo command there (no shell), and record it: runtime_preflight_report.json, transcript.md, terminal_demo_manifest.json, SHA256SUMS",
        )
        .requiredOption("--model-dir <dir>", "the packaged model the demo runs ({model_dir})")
        .requiredOption("--output-dir <dir>", "the demo package: new, empty, or an earlier demo package ({output_dir})")
        .option("--program <file>", "a program file or directory the demo needs, relative to the project; copied to the same path (repeatable)", collect)
        .option("--input <name=file>", "an input file, copied to inputs/<file name>; {input:NAME} in the command (repeatable)", collect)
        .option("--output <name=file>", "an output the demo writes, relative to OUTPUT_DIR; deleted before the run, required after; {output:NAME} (repeatable)", collect)
        .option("--probe <command>", "also record `COMMAND --version`, e.g. --probe python3 (repeatable)", collect)
        .argument("<command...>", "the demo command and its arguments, after --; it runs in OUTPUT_DIR"),
    ),
    [
      "bindery demo run --model-dir release/model --output-dir release/demo --program scripts \\\n    --input requests=demo/requests.jsonl --output scores=outputs/scores.jsonl \\\n    -- node scripts/demo.mjs --model {model_dir} --input {input:requests} --output {output:scores}",
    ],
  ).action(async (command: string[], flags: RunFlags) => {
    await runCommand("bindery demo run", flags, async () => {
      const [{ runDemo }, { BinderyError }, { verificationError }] = await Promise.all([import("../demo/run.js"), import("../evidence/errors.js"), import("../evidence/rules/engine.js")]);
      const result = await runDemo({
        modelDir: flags.modelDir,
        outputDir: flags.outputDir,
        argv: command,
        programs: flags.program ?? [],
        inputs: flags.input ?? [],
        outputs: flags.output ?? [],
        probes: (flags.probe ?? []).map((p) => p.split(/\s+/).filter(Boolean)),
        echo: !flags.quiet && !flags.json,
      });
      const m = result.manifest;
      if (!m) {
        return {
          json: { ok: false, findings: result.findings },
          human: [...result.findings.map(findingLine), `FAIL  the model in ${flags.modelDir} does not verify; the demo did not run`],
          failure: verificationError(flags.modelDir, { ok: false, findings: result.findings }),
        };
      }
      const exit = m.run.exit_code === null ? `signal ${m.run.signal}` : `exit ${m.run.exit_code}`;
      const summary = `demo of ${m.model.release_id}: ${exit} after ${(m.run.duration_ms / 1000).toFixed(1)} s, ${plural(m.output_files.filter((o) => o.file).length, "output")}; ${plural(result.files!.length, "file")} in ${flags.outputDir}/SHA256SUMS`;
      return {
        json: { ok: result.ok, status: m.status, model_id: m.model.model_id, exit_code: m.run.exit_code, problems: m.problems, outputs: m.output_files, files: result.files },
        human: result.ok ? [`OK  ${summary}`] : [...m.problems.map((p) => `  ${p}`), `FAIL  ${summary}`],
        ...(result.ok
          ? {}
          : { failure: new BinderyError(result.leaked?.length ? "SECRET_LEAK" : "RUN_FAILED", `the demo run failed: ${m.problems.join(" ")} The run is recorded in ${flags.outputDir}.`) }),
      };
    });
  });

  withExamples(
    withOutputOptions(
      demo
        .command("verify")
        .description("check a demo package: SHA256SUMS, manifest and preflight, every file's identity and summary, the transcript re-rendered, the run's status; list every finding (exit 1)")
        .requiredOption("--demo-dir <dir>", "the demo package")
        .option("--model-dir <dir>", "also check the demo ran this packaged model (its manifest.json)")
        .option("--release", "also refuse fixture evidence"),
    ),
    ["bindery demo verify --demo-dir release/demo --model-dir release/model"],
  ).action(async (flags: VerifyFlags) => {
    await runCommand("bindery demo verify", flags, async () => {
      const { verifyDemo } = await import("../demo/verify.js");
      const verdict = await verifyDemo({ dir: flags.demoDir, ...(flags.modelDir ? { modelDir: flags.modelDir } : {}), release: flags.release ?? false });
      return verdictOutcome(flags.demoDir, verdict, `${flags.demoDir}: the demo package matches its bytes`);
    });
  });
}
