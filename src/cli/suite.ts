/** `bindery suite --plan | --execute`: a graph of steps, checked or run, recorded in suite_report.json. */
import type { Command } from "commander";
import { withExamples, withOutputOptions } from "./common.js";
import { plural } from "./format.js";
import { findingLine, oneLine, runCommand, type OutputFlags } from "./output.js";

interface SuiteFlags extends OutputFlags {
  manifest: string;
  plan?: boolean;
  execute?: boolean;
  output: string;
  jobs?: string;
  cwd?: string;
}

export function registerSuite(program: Command): void {
  withExamples(
    withOutputOptions(
      program
        .command("suite")
        .description("check (--plan) or run (--execute) a bindery/suite graph of steps and write suite_report.json: each step's argv, exit code, duration, log tails and output identities (docs/commands/suite.md)")
        .requiredOption("--manifest <file>", "the suite manifest (kind: bindery/suite, YAML or JSON)")
        .option("--plan", "check the graph and run nothing (the report says ok: false by design); exit 0 when the graph is valid")
        .option("--execute", "delete every declared output, then run the steps in dependency order; exit 0 only when every step passed")
        .requiredOption("--output <file>", "where to write suite_report.json (written either way)")
        .option("--jobs <n>", "steps run at once (default: the number of CPUs)")
        .option("--cwd <dir>", "the suite root: the manifest's paths are relative to it (default: the working directory)"),
    ),
    ["bindery suite --manifest suite.yaml --plan --output suite_report.json", "bindery suite --manifest suite.yaml --execute --output suite_report.json --jobs 4"],
  ).action(async (flags: SuiteFlags) => {
    const command = "bindery suite";
    await runCommand(command, flags, async () => {
      const [{ runSuite }, { BinderyError }, { verificationError }] = await Promise.all([
        import("../suite/suite.js"),
        import("../evidence/errors.js"),
        import("../evidence/rules/engine.js"),
      ]);
      const usage = (message: string) => new BinderyError("USAGE", message, { hint: `Run \`${command} --help\` for usage.` });
      if (Boolean(flags.plan) === Boolean(flags.execute)) throw usage("give exactly one of --plan and --execute.");
      let jobs: number | undefined;
      if (flags.jobs !== undefined) {
        jobs = Number(flags.jobs);
        if (!/^\d+$/.test(flags.jobs) || !Number.isSafeInteger(jobs) || jobs < 1) throw usage(`--jobs ${JSON.stringify(flags.jobs)} is not a whole number of at least 1.`);
      }
      const mode = flags.plan ? "plan" : "execute";
      const result = await runSuite({
        manifest: flags.manifest,
        mode,
        output: flags.output,
        ...(jobs !== undefined ? { jobs } : {}),
        ...(flags.cwd !== undefined ? { cwd: flags.cwd } : {}),
      });
      const { report } = result;
      const graphOk = report.checks[0]?.ok === true;
      const width = Math.max(0, ...report.steps.map((s) => s.id.length));
      const lines = report.steps.map((s) => {
        const how = s.status === "planned" ? s.argv.join(" ") : s.duration_ms === null ? s.problems.join(" ") : `${(s.duration_ms / 1000).toFixed(1)} s  ${s.problems.length ? s.problems.join(" ") : `exit 0, ${plural(s.outputs.length, "output")}`}`;
        return oneLine(`${s.status.padEnd(8)} ${s.id.padEnd(width)}  ${how}`);
      });
      const counts = (status: string) => report.steps.filter((s) => s.status === status).length;
      const findings = result.findings.map(findingLine);
      const json = { ok: report.ok, mode, report: result.identity, steps: report.steps.map((s) => ({ id: s.id, status: s.status, exit_code: s.exit_code, duration_ms: s.duration_ms })), findings: result.findings };
      if (!graphOk) {
        return { json, human: [...findings, `FAIL  ${flags.manifest}: the step graph is invalid; nothing ran. Report ${flags.output}`], failure: verificationError(`the suite ${flags.manifest}`, { ok: false, findings: result.findings }) };
      }
      if (mode === "plan") {
        return { json, human: [...lines, `PLAN  ${plural(report.steps.length, "step")} in ${plural(result.stages, "stage")}; nothing ran. Report ${flags.output} (ok: false by design)`] };
      }
      if (report.ok) return { json, human: [...lines, `OK  ${plural(report.steps.length, "step")} passed; report ${flags.output}`] };
      const failed = report.steps.filter((s) => s.status === "failed").map((s) => s.id);
      const skipped = report.steps.filter((s) => s.status === "skipped").map((s) => s.id);
      return {
        json,
        human: [...lines, ...findings, `FAIL  ${counts("passed")} of ${plural(report.steps.length, "step")} passed; report ${flags.output}`],
        failure: new BinderyError(
          "RUN_FAILED",
          `${plural(failed.length, "step")} failed (${failed.join(", ")})${skipped.length ? `, ${skipped.length} skipped (${skipped.join(", ")})` : ""}. The report is ${flags.output}.`,
          { findings: result.findings },
        ),
      };
    });
  });
}
