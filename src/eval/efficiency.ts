/**
 * `bindery efficiency report`: a model's measured cost in one normalized shape: single-item
 * latency (p50/p95, in milliseconds), batched throughput (items per second), peak memory (bytes),
 * the benchmark command (a public argv), hardware and runtime notes, warm-up and samples, and the
 * limitations of the measurement, bound to the model id of `manifest.json`.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { checkPublicArgv } from "../evidence/argv.js";
import { defineAuthorInput, readAuthorInput } from "../evidence/author-input.js";
import { buildReport, defineReport, writeReport } from "../evidence/envelope.js";
import { BinderyError, inputError, type Finding } from "../evidence/errors.js";
import { identityOfBytes, sha256HexSchema, type Identity } from "../evidence/identity.js";
import { finding } from "../evidence/rules/engine.js";
import { MANIFEST_FILE } from "../model/manifest.js";

const positive = z.number().positive();
const TIME_UNITS = { us: 0.001, ms: 1, s: 1000 } as const;
const MEMORY_UNITS = { B: 1, KB: 1e3, MB: 1e6, GB: 1e9, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 } as const;

export const efficiencyMeasurementsSchema = z
  .strictObject({
    kind: z.literal("bindery/efficiency-measurements"),
    model_id: sha256HexSchema,
    release_id: z.string().min(1).optional(),
    latency: z
      .strictObject({
        unit: z.enum(Object.keys(TIME_UNITS) as [keyof typeof TIME_UNITS]),
        samples: z.array(positive).min(1).optional().describe("Single-item latencies; p50 and p95 are computed from them"),
        p50: positive.optional(),
        p95: positive.optional(),
      })
      .refine((l) => l.samples !== undefined || (l.p50 !== undefined && l.p95 !== undefined), "give samples, or both p50 and p95"),
    throughput: z.strictObject({
      batch_size: z.number().int().positive(),
      items_per_second: positive.optional(),
      items: z.number().int().positive().optional(),
      seconds: positive.optional(),
    }).refine((t) => t.items_per_second !== undefined || (t.items !== undefined && t.seconds !== undefined), "give items_per_second, or items and seconds"),
    peak_memory: z.strictObject({ value: positive, unit: z.enum(Object.keys(MEMORY_UNITS) as [keyof typeof MEMORY_UNITS]) }),
    command: z.array(z.string().min(1)).min(1).describe("The benchmark command as an argv array, with package-local paths"),
    hardware: z.string().min(1),
    runtime: z.string().min(1),
    warmup_iterations: z.number().int().nonnegative(),
    limitations: z.array(z.string().min(1)).min(1).describe("What the numbers do not show"),
  })
  .describe("bindery/efficiency-measurements: what a benchmark of the model measured");
export const efficiencyMeasurements = defineAuthorInput("bindery/efficiency-measurements", efficiencyMeasurementsSchema);

export const efficiencyReport = defineReport({
  name: "efficiency_report.json",
  generatedBy: "bindery efficiency report",
  schemaVersion: "1.0.0",
  claimBoundary: "States the measurements as the benchmark reported them, normalized; it does not re-run the benchmark.",
  body: {
    model_id: sha256HexSchema,
    release_id: z.string().nullable(),
    latency_ms: z.object({ p50: z.number(), p95: z.number(), samples: z.number().int().nullable() }),
    throughput: z.object({ batch_size: z.number().int(), items_per_second: z.number() }),
    peak_memory_bytes: z.number().int(),
    command: z.array(z.string()),
    hardware: z.string(),
    runtime: z.string(),
    warmup_iterations: z.number().int(),
    limitations: z.array(z.string()),
  },
});
export type EfficiencyReport = z.output<typeof efficiencyReport.schema>;

/** The nearest-rank percentile: the smallest sample with at least p% of the samples at or below it. */
export function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Rounded to a microsecond (or a thousandth of an item per second), so renders stay stable. */
const round3 = (x: number) => Math.round(x * 1000) / 1000;

export interface EfficiencyOptions {
  modelDir: string;
  measurements: string;
  output: string;
  env?: NodeJS.ProcessEnv;
}

export async function efficiencyReportOf(options: EfficiencyOptions): Promise<{ ok: boolean; findings: Finding[]; report?: EfficiencyReport; identity?: Identity }> {
  let manifest: Buffer;
  try {
    manifest = await readFile(join(options.modelDir, MANIFEST_FILE));
  } catch (error) {
    throw inputError(error, join(options.modelDir, MANIFEST_FILE));
  }
  const modelId = identityOfBytes(MANIFEST_FILE, manifest).sha256;
  const { value: m } = await readAuthorInput(efficiencyMeasurements, options.measurements);
  checkPublicArgv(m.command, "command", "Use paths relative to the package.");
  const findings: Finding[] = [];
  if (m.model_id !== modelId) {
    findings.push(finding("DISAGREEMENT", options.measurements, `the measurements are of model ${m.model_id}, but ${MANIFEST_FILE} in ${options.modelDir} is model ${modelId}.`, { field: "/model_id" }));
  }
  const scale = TIME_UNITS[m.latency.unit];
  const p50 = m.latency.samples ? percentile(m.latency.samples, 50) : m.latency.p50!;
  const p95 = m.latency.samples ? percentile(m.latency.samples, 95) : m.latency.p95!;
  if (p95 < p50) {
    throw new BinderyError("INPUT_INVALID", `${options.measurements}: latency p95 (${p95}) is below p50 (${p50}).`);
  }
  if (findings.length > 0) return { ok: false, findings };
  const t = m.throughput;
  const report = buildReport(efficiencyReport, {
    inputs: [{ path: MANIFEST_FILE, sha256: modelId, size: manifest.length }],
    body: {
      model_id: modelId,
      release_id: m.release_id ?? null,
      latency_ms: { p50: round3(p50 * scale), p95: round3(p95 * scale), samples: m.latency.samples?.length ?? null },
      throughput: { batch_size: t.batch_size, items_per_second: round3(t.items_per_second ?? t.items! / t.seconds!) },
      peak_memory_bytes: Math.round(m.peak_memory.value * MEMORY_UNITS[m.peak_memory.unit]),
      command: [...m.command],
      hardware: m.hardware,
      runtime: m.runtime,
      warmup_iterations: m.warmup_iterations,
      limitations: [...m.limitations],
    },
    ...(options.env ? { env: options.env } : {}),
  });
  const identity = await writeReport(options.output, report, "efficiency_report.json");
  return { ok: true, findings: [], report, identity };
}
