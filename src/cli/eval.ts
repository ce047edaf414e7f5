/** `bindery eval aggregate|report`: evaluation evidence a model card can cite. */
import type { Command } from "commander";
import { collect, withExamples, withOutputOptions } from "./common.js";
import { plural } from "./format.js";
import { findingLine, runCommand, type OutputFlags } from "./output.js";

interface AggregateFlags extends OutputFlags {
  modelDir: string;
  metricsJson: string[];
  outputMetrics: string;
  outputReport: string;
  require?: string[];
  config?: string;
  set?: string[];
  suiteReport?: string;
}

interface ReportFlags extends OutputFlags {
  metrics: string;
  output: string;
}

export function registerEval(program: Command): void {
  const evaluation = program.command("eval").description("aggregate evaluation metrics and render their report (docs/commands/eval.md)");

  withExamples(
    withOutputOptions(
      evaluation
        .command("aggregate")
        .description("check bindery/metrics files and write eval_metrics.json, eval_config.effective.yaml and eval_report.md (nothing on failure)")
        .requiredOption("--model-dir <dir>", "the model directory (its manifest.json gives the model id)")
        .requiredOption("--metrics-json <files...>", "bindery/metrics files inside the model directory")
        .requiredOption("--output-metrics <file>", "where to write eval_metrics.json (inside the model directory)")
        .requiredOption("--output-report <file>", "where to write eval_report.md (inside the model directory)")
        .option("--require <name:split...>", "metrics that must be reported, e.g. accuracy:test")
        .option("--config <file>", "the evaluation config (YAML or JSON)")
        .option("--set <key=value>", "override a config value (dotted key; value parsed as YAML); repeatable", collect)
        .option("--suite-report <file>", "suite_report.json (bindery suite --execute): every metrics file must be an output it recorded, with the same sha256"),
    ),
    [
      "bindery eval aggregate --model-dir release/model --metrics-json release/model/eval/test.json --output-metrics release/model/eval_metrics.json --output-report release/model/eval_report.md --require accuracy:test",
    ],
  ).action(async (flags: AggregateFlags) => {
    const command = "bindery eval aggregate";
    await runCommand(command, flags, async () => {
      const [{ aggregateEval }, { BinderyError }, { verificationError }] = await Promise.all([
        import("../eval/aggregate.js"),
        import("../evidence/errors.js"),
        import("../evidence/rules/engine.js"),
      ]);
      const required = (flags.require ?? []).map((spec) => {
        const at = spec.lastIndexOf(":");
        if (at <= 0 || at === spec.length - 1) throw new BinderyError("USAGE", `--require ${JSON.stringify(spec)} is not NAME:SPLIT.`, { hint: `Run \`${command} --help\` for usage.` });
        return { name: spec.slice(0, at), split: spec.slice(at + 1) };
      });
      const result = await aggregateEval({
        modelDir: flags.modelDir,
        metricsFiles: flags.metricsJson,
        outputMetrics: flags.outputMetrics,
        outputReport: flags.outputReport,
        require: required,
        ...(flags.config ? { config: flags.config } : {}),
        overrides: flags.set ?? [],
        ...(flags.suiteReport ? { suiteReport: flags.suiteReport } : {}),
      });
      const rows = result.metrics?.rows.length ?? 0;
      return {
        json: { ok: result.ok, written: result.written, metrics: rows, findings: result.findings },
        human: result.ok
          ? [`wrote ${result.written.join(", ")}: ${plural(rows, "metric")}, ${plural(result.metrics!.negative_findings.length, "negative finding")}`]
          : [...result.findings.map(findingLine), "FAIL  nothing was written"],
        ...(result.ok ? {} : { failure: verificationError("the evaluation metrics", { ok: false, findings: result.findings }) }),
      };
    });
  });

  withExamples(
    withOutputOptions(
      evaluation
        .command("report")
        .description("re-render eval_report.md from an aggregated eval_metrics.json")
        .requiredOption("--metrics <file>", "eval_metrics.json, as written by bindery eval aggregate")
        .requiredOption("--output <file>", "where to write the report"),
    ),
    ["bindery eval report --metrics release/model/eval_metrics.json --output release/model/eval_report.md"],
  ).action(async (flags: ReportFlags) => {
    await runCommand("bindery eval report", flags, async () => {
      const { renderEvalReportFile } = await import("../eval/aggregate.js");
      const metrics = await renderEvalReportFile(flags.metrics, flags.output);
      return { json: { ok: true, output: flags.output, metrics: metrics.rows.length }, human: [`wrote ${flags.output}: ${plural(metrics.rows.length, "metric")}`] };
    });
  });
}

interface EfficiencyFlags extends OutputFlags {
  modelDir: string;
  measurements: string;
  output: string;
}

export function registerEfficiency(program: Command): void {
  const efficiency = program.command("efficiency").description("normalize a model's measured latency, throughput and memory (docs/commands/efficiency.md)");
  withExamples(
    withOutputOptions(
      efficiency
        .command("report")
        .description("normalize bindery/efficiency-measurements into efficiency_report.json, bound to the model id")
        .requiredOption("--model-dir <dir>", "the model directory (its manifest.json gives the model id)")
        .requiredOption("--measurements <file>", "the measurements (kind: bindery/efficiency-measurements)")
        .requiredOption("--output <file>", "where to write efficiency_report.json"),
    ),
    ["bindery efficiency report --model-dir release/model --measurements bench.yaml --output release/model/efficiency_report.json"],
  ).action(async (flags: EfficiencyFlags) => {
    await runCommand("bindery efficiency report", flags, async () => {
      const [{ efficiencyReportOf }, { verificationError }] = await Promise.all([import("../eval/efficiency.js"), import("../evidence/rules/engine.js")]);
      const result = await efficiencyReportOf({ modelDir: flags.modelDir, measurements: flags.measurements, output: flags.output });
      const r = result.report;
      return {
        json: { ok: result.ok, output: result.ok ? flags.output : null, report: r ?? null, findings: result.findings },
        human: r
          ? [`wrote ${flags.output}: p50 ${r.latency_ms.p50} ms, p95 ${r.latency_ms.p95} ms, ${r.throughput.items_per_second} items/s at batch ${r.throughput.batch_size}, peak ${r.peak_memory_bytes} bytes`]
          : [...result.findings.map(findingLine), "FAIL  nothing was written"],
        ...(result.ok ? {} : { failure: verificationError(flags.measurements, { ok: false, findings: result.findings }) }),
      };
    });
  });
}
