/** `bindery gate`: go or no-go for a stage of a release, where CI shows it. */
import type { Command } from "commander";
import { collect, signerFromFlags, withExamples, withOutputOptions, withSignerOptions, type SignerFlags } from "./common.js";
import { runCommand, type OutputFlags } from "./output.js";

interface GateFlags extends OutputFlags, SignerFlags {
  config?: string;
  stage: string;
  output: string;
  junit?: string;
  goldenDemo?: string;
  goldenIndex?: string;
  evidenceDir?: string;
  replayReport?: string;
  pack?: boolean;
  scope?: string[];
  suiteReport?: string;
}

export function registerGate(program: Command): void {
  withExamples(
    withOutputOptions(
      withSignerOptions(
        program
          .command("gate")
          .description("run the checks a stage of a release needs and write release_gate_report.json: pr (config, changelog, pack, each package, the plan), release (+ the release set, targets, golden outputs for a PATCH), published (+ evidence bound and re-verified, signatures); exit 0 only when every row is ok")
          .option("--config <file>", "bindery.yaml (default: ./bindery.yaml)")
          .option("--stage <stage>", "pr, release or published", "pr")
          .option("--output <file>", "where to write the report", "release_gate_report.json")
          .option("--junit <file>", "also write JUnit XML: one test case per check, a failure for each failing one")
          .option("--golden-index <url-or-file>", "release stage, PATCH versions: the release index; the previous release of the same MAJOR.MINOR's published demo outputs must equal this one's")
          .option("--golden-demo <dir>", "release stage, PATCH versions: the previous release's demo package, whose outputs this one's must equal")
          .option("--evidence-dir <dir>", "published stage: where the plan, publish, candidate and publication reports are (default: evidence/ beside bindery.yaml)")
          .option("--replay-report <file>", "published stage: the replay report (default: replay/clean_machine_demo_report.json beside bindery.yaml)")
          .option("--pack", "check the npm package even when package.json is private or absent")
          .option("--suite-report <file>", "a bindery suite --execute report: every step must have passed (the suite row)")
          .option("--scope <file>", "release stage: a scope decision (bindery scope accept); its target shows as rescoped while the decision matches its report (repeatable)", collect),
        "published stage: ",
      ),
    ),
    ["bindery gate --stage pr", "bindery gate --stage release --junit gate.xml", "bindery gate --stage published --json"],
  ).action(async (flags: GateFlags) => {
    await runCommand("bindery gate", flags, async () => {
      const [{ runGate }, { STAGES, GATE_REPORT_FILE }, { junitXml, stepSummary, annotations, table }, { writeReport }, { writeFileAtomic }, { BinderyError }, { appendFile }] = await Promise.all([
        import("../gate/gate.js"),
        import("../gate/schema.js"),
        import("../gate/output.js"),
        import("../evidence/envelope.js"),
        import("../evidence/atomic.js"),
        import("../evidence/errors.js"),
        import("node:fs/promises"),
      ]);
      if (!(STAGES as readonly string[]).includes(flags.stage)) throw new BinderyError("USAGE", `--stage must be one of ${STAGES.join(", ")}, not ${JSON.stringify(flags.stage)}.`);
      const report = await runGate({
        stage: flags.stage as (typeof STAGES)[number],
        ...(flags.config ? { config: flags.config } : {}),
        ...(flags.goldenDemo ? { goldenDemo: flags.goldenDemo } : {}),
        ...(flags.goldenIndex ? { goldenIndex: flags.goldenIndex } : {}),
        ...(flags.evidenceDir ? { evidenceDir: flags.evidenceDir } : {}),
        ...(flags.replayReport ? { replayReport: flags.replayReport } : {}),
        ...(flags.pack ? { pack: true } : {}),
        ...(flags.scope ? { scope: flags.scope } : {}),
        ...(flags.suiteReport ? { suiteReport: flags.suiteReport } : {}),
        signer: await signerFromFlags(flags),
      });
      const identity = await writeReport(flags.output, report, GATE_REPORT_FILE);
      if (flags.junit) await writeFileAtomic(flags.junit, junitXml(report));
      if (process.env.GITHUB_STEP_SUMMARY) await appendFile(process.env.GITHUB_STEP_SUMMARY, stepSummary(report));
      const { dirname, resolve } = await import("node:path");
      const configDir = dirname(resolve(flags.config ?? "bindery.yaml"));
      const github = process.env.GITHUB_ACTIONS === "true" ? annotations(report, { from: configDir, ...(process.env.GITHUB_WORKSPACE ? { to: process.env.GITHUB_WORKSPACE } : {}) }) : [];
      const failed = report.rows.filter((r) => !r.ok);
      return {
        json: { ok: report.ok, stage: report.stage, report: identity, rows: report.rows, blockers: report.blockers },
        human: [...table(report), ...github],
        ...(report.ok ? {} : { failure: new BinderyError("VERIFICATION_FAILED", `the ${report.stage} gate is shut by ${failed.map((r) => `${r.id} (${r.code})`).join(", ")}; the report is ${flags.output}.`) }),
      };
    });
  });
}
