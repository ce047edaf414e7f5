/** `bindery scope accept`: a re-scoped target, recorded and bound to the report that missed it. */
import type { Command } from "commander";
import { collect, withExamples, withOutputOptions } from "./common.js";
import { runCommand, type OutputFlags } from "./output.js";

interface AcceptFlags extends OutputFlags {
  report: string;
  target: string;
  decisionUrl: string;
  rationale: string;
  replacement: string;
  issueRef?: string[];
  config?: string;
  output: string;
}

export function registerScope(program: Command): void {
  const scope = program.command("scope").description("scope decisions: accepted re-scopes of release targets (docs/commands/gate.md)");
  withExamples(
    withOutputOptions(
      scope
        .command("accept")
        .description("record that the maintainers accept missing a target: the decision, rationale, replacement target and tracker references, bound to the identity of the report that missed it; `bindery gate --scope` then shows that target as rescoped (never as passing)")
        .requiredOption("--report <file>", "the report that misses the target: the model package's eval_metrics.json")
        .requiredOption("--target <name>", "the target missed (a name under targets: in bindery.yaml)")
        .requiredOption("--decision-url <url>", "where the decision was made")
        .requiredOption("--rationale <text>", "why the target is re-scoped")
        .requiredOption("--replacement <target>", "the target the release is held to instead (declared in bindery.yaml)")
        .option("--issue-ref <ref>", "a tracker reference (repeatable)", collect)
        .option("--config <file>", "bindery.yaml (default: ./bindery.yaml)")
        .option("--output <file>", "where to write the decision", "scope_decision.json"),
    ),
    ['bindery scope accept --report release/model/eval_metrics.json --target first-release --decision-url https://github.com/example/sensors/issues/12 --rationale "the 0.9 accuracy target assumed the larger dataset" --replacement first-release-small --issue-ref example/sensors#12'],
  ).action(async (flags: AcceptFlags) => {
    await runCommand("bindery scope accept", flags, async () => {
      const [{ acceptScope, SCOPE_REPORT_FILE }, { readMetricRows, targetProblems }, { loadConfig }, { writeReport }, { BinderyError, inputError }] = await Promise.all([
        import("../gate/scope.js"),
        import("../gate/targets.js"),
        import("../config/config.js"),
        import("../evidence/envelope.js"),
        import("../evidence/errors.js"),
      ]);
      const loaded = await loadConfig(flags.config);
      if (!loaded) throw new BinderyError("INPUT_NOT_FOUND", "there is no bindery.yaml here (pass --config): targets are declared there.");
      const targets = loaded.config.targets ?? {};
      const target = targets[flags.target];
      const rows = await readMetricRows(flags.report).catch((error: unknown) => {
        throw inputError(error, flags.report);
      });
      const problems = target ? targetProblems(target, rows, flags.report).problems : [];
      const report = await acceptScope({
        report: flags.report,
        target: flags.target,
        decisionUrl: flags.decisionUrl,
        rationale: flags.rationale,
        replacement: flags.replacement,
        issueRefs: flags.issueRef ?? [],
        targets,
        missed: problems.length ? problems.map((p) => p.text).join("; ") : null,
      });
      const identity = await writeReport(flags.output, report, SCOPE_REPORT_FILE);
      return {
        json: { ok: true, output: identity, target: report.target, replacement: report.replacement, missed: report.missed, report: report.report },
        human: [`ACCEPTED  target ${report.target} re-scoped to ${report.replacement} (${report.missed}), bound to ${flags.report} sha256 ${report.report.sha256}: ${flags.output}`, `  give it to the gate: bindery gate --stage release --scope ${flags.output}`],
      };
    });
  });
}
