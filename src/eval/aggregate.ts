/**
 * `bindery eval aggregate` and `bindery eval report`: every score a model card shows comes from
 * `eval_metrics.json`, which says how each metric was measured (CI, n, evaluated keys), against
 * which baseline, for which model, dataset snapshot and commit, what it concludes, and what went
 * wrong (negative findings are mandatory). `eval_report.md` is a pure render of it.
 */
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { z } from "zod";
import { parseDocument, readAuthorInput, defineAuthorInput } from "../evidence/author-input.js";
import { writeFileAtomic } from "../evidence/atomic.js";
import { prettyJson } from "../evidence/canonical-json.js";
import { buildReport, defineReport, readReport } from "../evidence/envelope.js";
import { BinderyError, inputError, type Finding } from "../evidence/errors.js";
import { identitiesOfFiles, identityOfBytes, identitySchema, sha256HexSchema, type Identity } from "../evidence/identity.js";
import { pathWithin } from "../evidence/paths.js";
import { finding } from "../evidence/rules/engine.js";
import { stringify as stringifyYaml } from "yaml";
import { MANIFEST_FILE } from "../model/manifest.js";
import { bindToSuite } from "../suite/bind.js";

const rowSchema = z.strictObject({
  name: z.string().min(1).describe("Metric name, e.g. accuracy"),
  split: z.string().min(1).describe("The dataset split it was measured on"),
  value: z.number(),
  ci_low: z.number().optional(),
  ci_high: z.number().optional(),
  n: z.number().int().positive().optional().describe("Items evaluated"),
  evaluated_keys_sha256: sha256HexSchema.optional().describe("SHA-256 of the sorted evaluated item keys"),
  baseline: z.string().min(1).optional().describe("What the value is compared with"),
  baseline_value: z.number().optional(),
  baseline_evaluated_keys_sha256: sha256HexSchema.optional(),
  delta_vs_baseline: z.number().optional().describe("value - baseline_value"),
});
export type MetricRow = z.output<typeof rowSchema>;

export const metricsInputSchema = z
  .strictObject({
    kind: z.literal("bindery/metrics"),
    model_id: sha256HexSchema.describe("sha256 of the model's manifest.json"),
    release_id: z.string().min(1),
    dataset_snapshot: sha256HexSchema.describe("The dataset snapshot id (sha256 of its snapshot report)"),
    commit: z.string().regex(/^[0-9a-f]{40,64}$/, "must be a full git commit hash"),
    rows: z.array(rowSchema).min(1),
    conclusions: z.array(z.string().min(1)),
    negative_findings: z.array(z.string().min(1)),
  })
  .describe("bindery/metrics: one evaluation's measured metrics, conclusions and negative findings");
export const metricsInput = defineAuthorInput("bindery/metrics", metricsInputSchema);

export const evalMetricsReport = defineReport({
  name: "eval_metrics.json",
  generatedBy: "bindery eval aggregate",
  schemaVersion: "1.0.0",
  claimBoundary:
    "States the metrics as the evaluation measured them, checked for internal consistency; it does not re-run the evaluation.",
  body: {
    model_id: sha256HexSchema,
    release_id: z.string(),
    dataset_snapshot: sha256HexSchema,
    commit: z.string(),
    rows: z.array(rowSchema).describe("Sorted by name, then split"),
    conclusions: z.array(z.string()),
    negative_findings: z.array(z.string()).min(1),
    required: z.array(z.object({ name: z.string(), split: z.string() })),
    effective_config: identitySchema.describe("eval_config.effective.yaml"),
    sources: z.array(identitySchema).describe("The bindery/metrics files, package-relative"),
  },
});
export type EvalMetrics = z.output<typeof evalMetricsReport.schema>;

export const EFFECTIVE_CONFIG = "eval_config.effective.yaml";

/**
 * The one formatting rule for metric values, in reports and in the conclusions that cite them:
 * four significant digits, trailing zeros dropped (`0.91234` → `0.9123`, `12.50` → `12.5`,
 * `1234.5` → `1235`).
 */
export function formatMetric(value: number): string {
  return String(Number(value.toPrecision(4)));
}

export interface AggregateOptions {
  modelDir: string;
  metricsFiles: readonly string[];
  outputMetrics: string;
  outputReport: string;
  require?: readonly { name: string; split: string }[];
  config?: string;
  /** `key.path=value` overrides (values parsed as YAML), applied to the config in order. */
  overrides?: readonly string[];
  /** suite_report.json: every metrics file must be an output it recorded, with the same sha256. */
  suiteReport?: string;
  env?: NodeJS.ProcessEnv;
}

export interface AggregateResult {
  ok: boolean;
  findings: Finding[];
  metrics?: EvalMetrics;
  written: string[];
}

const TOLERANCE = 1e-9;
const close = (a: number, b: number) => Math.abs(a - b) <= TOLERANCE * Math.max(1, Math.abs(a), Math.abs(b));

/** The rules a set of metrics must pass before it is written (shared with `model verify`). */
export function metricsFindings(m: Pick<EvalMetrics, "rows" | "conclusions" | "negative_findings" | "required">, path: string): Finding[] {
  const findings: Finding[] = [];
  const at = (index: number) => ({ field: `/rows/${index}` });
  const label = (row: MetricRow) => `${row.name} on ${row.split}`;
  for (const required of m.required) {
    if (!m.rows.some((r) => r.name === required.name && r.split === required.split)) {
      findings.push(finding("MISSING_METRIC", path, `the required metric ${required.name} on ${required.split} is not reported.`));
    }
  }
  if (m.negative_findings.length === 0) {
    findings.push(finding("MISSING_NEGATIVE_FINDINGS", path, "no negative finding is reported; an evaluation states what did not work or was not measured."));
  }
  m.rows.forEach((row, i) => {
    const baselineFields = [row.baseline, row.baseline_value, row.delta_vs_baseline];
    const given = baselineFields.filter((f) => f !== undefined).length;
    if (given > 0 && given < 3) {
      findings.push(finding("BASELINE_INVALID", path, `${label(row)}: baseline, baseline_value and delta_vs_baseline go together; only ${given} of them ${given === 1 ? "is" : "are"} given.`, at(i)));
    } else if (given === 3 && !close(row.delta_vs_baseline!, row.value - row.baseline_value!)) {
      findings.push(
        finding("BASELINE_INVALID", path, `${label(row)}: delta_vs_baseline is ${row.delta_vs_baseline}, but value - baseline_value is ${row.value - row.baseline_value!}.`, at(i)),
      );
    }
    if (row.baseline_evaluated_keys_sha256 !== undefined && row.evaluated_keys_sha256 !== row.baseline_evaluated_keys_sha256) {
      findings.push(
        finding("BASELINE_INVALID", path, `${label(row)}: the baseline was evaluated on other items (keys sha256 ${row.baseline_evaluated_keys_sha256}, not ${row.evaluated_keys_sha256 ?? "unstated"}).`, at(i)),
      );
    }
    if ((row.ci_low === undefined) !== (row.ci_high === undefined)) {
      findings.push(finding("CI_INVALID", path, `${label(row)}: give both ci_low and ci_high, or neither.`, at(i)));
    } else if (row.ci_low !== undefined && !(row.ci_low <= row.value && row.value <= row.ci_high!)) {
      findings.push(finding("CI_INVALID", path, `${label(row)}: the value ${row.value} is not within its interval [${row.ci_low}, ${row.ci_high}].`, at(i)));
    }
    const value = formatMetric(row.value);
    // The value as a whole number: 0.9971 is not cited by "0.99712".
    const asNumber = new RegExp(`(?<![\\d.])${value.replace(/[.+-]/g, (c) => `\\${c}`)}(?![\\d]|\\.\\d)`);
    if (!m.conclusions.some((c) => c.includes(row.name) && c.includes(row.split) && asNumber.test(c))) {
      findings.push(finding("UNCITED_METRIC", path, `no conclusion cites ${label(row)} with its value ${value} (name, split and value in one conclusion).`, at(i)));
    }
  });
  const seen = new Set<string>();
  m.rows.forEach((row, i) => {
    const key = `${row.name}\u0000${row.split}`;
    if (seen.has(key)) findings.push(finding("DUPLICATE_PATH", path, `${label(row)} is reported twice.`, at(i)));
    seen.add(key);
  });
  return findings;
}

/** Applies `a.b=value` overrides to a config mapping (values parsed as YAML). */
export function applyOverrides(config: unknown, overrides: readonly string[]): Record<string, unknown> {
  const base = typeof config === "object" && config !== null && !Array.isArray(config) ? structuredClone(config as Record<string, unknown>) : {};
  for (const override of overrides) {
    const eq = override.indexOf("=");
    if (eq <= 0) throw new BinderyError("USAGE", `--set ${JSON.stringify(override)} is not KEY=VALUE.`);
    const keys = override.slice(0, eq).split(".");
    let node: Record<string, unknown> = base;
    keys.slice(0, -1).forEach((key) => {
      const next = node[key];
      node = node[key] = typeof next === "object" && next !== null && !Array.isArray(next) ? (next as Record<string, unknown>) : {};
    });
    node[keys.at(-1)!] = parseDocument(override.slice(eq + 1), `--set ${keys.join(".")}`);
  }
  return base;
}

export async function aggregateEval(options: AggregateOptions): Promise<AggregateResult> {
  const { modelDir } = options;
  const findings: Finding[] = [];
  let manifestBytes: Buffer;
  try {
    manifestBytes = await readFile(join(modelDir, MANIFEST_FILE));
  } catch (error) {
    throw inputError(error, join(modelDir, MANIFEST_FILE));
  }
  const modelId = identityOfBytes(MANIFEST_FILE, manifestBytes).sha256;
  for (const output of [options.outputMetrics, options.outputReport]) {
    if (pathWithin(modelDir, output) === undefined) {
      throw new BinderyError("USAGE", `${output} is outside the model directory ${modelDir}; the evaluation evidence belongs in the package.`);
    }
  }
  const sources = await identitiesOfFiles(options.metricsFiles, { root: modelDir });
  if (options.suiteReport) {
    const files = sources.map((s, i) => ({ ...s, abs: options.metricsFiles[i]! }));
    findings.push(...(await bindToSuite(options.suiteReport, files)).findings);
  }
  const inputs = [];
  for (const [i, file] of options.metricsFiles.entries()) inputs.push({ file: sources[i]!.path, value: (await readAuthorInput(metricsInput, file)).value });
  const first = inputs[0]!.value;
  for (const { file, value } of inputs) {
    for (const field of ["model_id", "release_id", "dataset_snapshot", "commit"] as const) {
      if (value[field] !== first[field]) {
        findings.push(finding("DISAGREEMENT", file, `${file} says ${field} is ${value[field]}, but ${inputs[0]!.file} says ${first[field]}.`, { field: `/${field}` }));
      }
    }
    if (value.model_id !== modelId) {
      findings.push(finding("DISAGREEMENT", file, `${file} evaluated model ${value.model_id}, but ${MANIFEST_FILE} in ${modelDir} is model ${modelId}.`, { field: "/model_id" }));
    }
  }
  const rows = inputs.flatMap((i) => i.value.rows).sort((a, b) => (a.name === b.name ? (a.split < b.split ? -1 : a.split > b.split ? 1 : 0) : a.name < b.name ? -1 : 1));
  const merged = {
    rows,
    conclusions: inputs.flatMap((i) => i.value.conclusions),
    negative_findings: inputs.flatMap((i) => i.value.negative_findings),
    required: [...(options.require ?? [])],
  };
  findings.push(...metricsFindings(merged, "eval_metrics.json"));
  if (findings.length > 0) return { ok: false, findings, written: [] };

  let config: unknown = {};
  if (options.config) {
    let text: string;
    try {
      text = await readFile(options.config, "utf8");
    } catch (error) {
      throw inputError(error, options.config);
    }
    config = parseDocument(text, options.config) ?? {};
  }
  const effective = stringifyYaml(applyOverrides(config, options.overrides ?? []), { lineWidth: 0, sortMapEntries: true });
  const effectivePath = join(dirname(options.outputMetrics), EFFECTIVE_CONFIG);
  const effectiveRel = pathWithin(modelDir, effectivePath)!;
  const metrics = buildReport(evalMetricsReport, {
    inputs: [...sources, identityOfBytes(effectiveRel, effective)],
    body: {
      model_id: modelId,
      release_id: first.release_id,
      dataset_snapshot: first.dataset_snapshot,
      commit: first.commit,
      ...merged,
      effective_config: identityOfBytes(effectiveRel, effective),
      sources,
    },
    ...(options.env ? { env: options.env } : {}),
  });
  await writeFileAtomic(effectivePath, effective);
  await writeFileAtomic(options.outputMetrics, prettyJson(metrics));
  await writeFileAtomic(options.outputReport, renderEvalReport(metrics));
  return { ok: true, findings: [], metrics, written: [effectivePath, options.outputMetrics, options.outputReport] };
}

/** `bindery eval report`: re-renders the report of an aggregated metrics file. */
export async function renderEvalReportFile(metricsFile: string, output: string): Promise<EvalMetrics> {
  const { value } = await readReport(evalMetricsReport, metricsFile);
  await writeFileAtomic(output, renderEvalReport(value));
  return value;
}

const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");

/** eval_report.md: a pure function of eval_metrics.json. */
export function renderEvalReport(m: EvalMetrics): string {
  const lines = [
    "<!-- Generated by bindery eval aggregate from eval_metrics.json. Do not edit: re-run `bindery eval report`. -->",
    "",
    `# Evaluation: ${m.release_id}`,
    "",
    `- Model: \`${m.model_id}\``,
    `- Dataset snapshot: \`${m.dataset_snapshot}\``,
    `- Commit: \`${m.commit}\``,
    "",
    "## Metrics",
    "",
    "| Metric | Split | Value | 95% interval | n | Baseline | Baseline value | Delta |",
    "|---|---|---:|---|---:|---|---:|---:|",
    ...m.rows.map((r) =>
      [
        cell(r.name),
        cell(r.split),
        formatMetric(r.value),
        r.ci_low === undefined ? "" : `[${formatMetric(r.ci_low)}, ${formatMetric(r.ci_high!)}]`,
        r.n === undefined ? "" : String(r.n),
        r.baseline === undefined ? "" : cell(r.baseline),
        r.baseline_value === undefined ? "" : formatMetric(r.baseline_value),
        r.delta_vs_baseline === undefined ? "" : `${r.delta_vs_baseline >= 0 ? "+" : ""}${formatMetric(r.delta_vs_baseline)}`,
      ].join(" | "),
    ).map((row) => `| ${row} |`),
    "",
    "## Conclusions",
    "",
    ...(m.conclusions.length > 0 ? m.conclusions.map((c) => `- ${c}`) : ["None stated."]),
    "",
    "## Negative findings",
    "",
    ...m.negative_findings.map((f) => `- ${f}`),
    "",
    "## Sources",
    "",
    ...m.sources.map((s: Identity) => `- \`${s.path}\` (sha256 \`${s.sha256}\`)`),
    `- Effective config: \`${m.effective_config.path}\` (sha256 \`${m.effective_config.sha256}\`)`,
  ];
  return `${lines.join("\n")}\n`;
}
