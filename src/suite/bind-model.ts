/** `bindery release candidate --suite-report`: the model package's metrics, bound to the suite. */
import { existsSync } from "node:fs";
import { basename, join } from "node:path";
import { readReport } from "../evidence/envelope.js";
import { identityOfBytes } from "../evidence/identity.js";
import { finding } from "../evidence/rules/engine.js";
import { evalMetricsReport } from "../eval/aggregate.js";
import { MODEL_FILES } from "../model/package.js";
import { bindToSuite, type SuiteBinding } from "./bind.js";
import { SUITE_REPORT, suiteReport } from "./schema.js";

/**
 * `bindery release candidate --suite-report`: the metrics files the model package's
 * eval_metrics.json cites (its `sources`) must be outputs of the suite, by the identities cited.
 */
export async function bindModelEvalToSuite(reportFile: string, modelDir: string): Promise<SuiteBinding & { detail: string }> {
  const metricsFile = join(modelDir, MODEL_FILES.evalMetrics);
  if (!existsSync(metricsFile)) {
    const read = await readReport(suiteReport, reportFile, reportFile);
    const identity = identityOfBytes(basename(reportFile) || SUITE_REPORT, read.bytes);
    const missing = finding("MISSING_EVIDENCE", MODEL_FILES.evalMetrics, `the model package has no ${MODEL_FILES.evalMetrics}, so no metrics can be bound to the suite.`);
    return { identity, findings: [missing], detail: missing.message };
  }
  const metrics = await readReport(evalMetricsReport, metricsFile, MODEL_FILES.evalMetrics);
  const sources = metrics.value.sources;
  const binding = await bindToSuite(
    reportFile,
    sources.map((s) => ({ path: s.path, abs: join(modelDir, s.path), sha256: s.sha256, size: s.size })),
  );
  const detail =
    binding.findings.length === 0
      ? `${sources.length === 1 ? "the metrics file" : `the ${sources.length} metrics files`} ${MODEL_FILES.evalMetrics} cites ${sources.length === 1 ? "is an output" : "are outputs"} of the suite ${binding.identity.path}, with the same sha256.`
      : `the metrics ${MODEL_FILES.evalMetrics} cites are not all bound to the suite ${binding.identity.path}: ${binding.findings.map((f) => `${f.code} ${f.message}`).join(" ")}`;
  return { ...binding, detail };
}
