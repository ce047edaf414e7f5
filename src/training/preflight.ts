/**
 * `bindery training preflight`: before a run starts, pin everything it depends on and say whether
 * it may start. The dataset package is verified as for a release; the base model's files (its
 * trust anchor) and the config are pinned by identity; the config is validated against a JSON
 * Schema when one is given; the accelerator and tool versions are probed. Problems are reasons in
 * the report (`ok: false`), never crashes: a missing `nvidia-smi` is a finding.
 */
import { copyFile, readFile } from "node:fs/promises";
import { basename, extname, join, resolve } from "node:path";
import { z } from "zod";
import { parseDocument } from "../evidence/author-input.js";
import { canonicalHash } from "../evidence/canonical-json.js";
import { buildReport, decide, writeReport, type CheckRow } from "../evidence/envelope.js";
import { BinderyError, inputError, type Finding } from "../evidence/errors.js";
import { hashFiles, type HashOptions } from "../evidence/hashing.js";
import { identityOfBytes, type Identity, type RootedIdentity } from "../evidence/identity.js";
import { formatIssues } from "../evidence/artifact.js";
import { probeVersion } from "../evidence/probe.js";
import { throwOnFindings, walkTree } from "../evidence/walk.js";
import { verifyDataset } from "../dataset/verify.js";
import { DATASET_FILES } from "../dataset/schema.js";
import { MANIFEST_FILE, verifyModelManifest } from "../model/manifest.js";
import { CONFIG_BASENAME, preflightReport, RUN_FILES, type PreflightReport } from "./schema.js";

export interface PreflightOptions extends HashOptions {
  datasetDir: string;
  config: string;
  runDir: string;
  baseModelDir?: string;
  configSchema?: string;
  requireAccelerator?: "cuda";
  minDeviceMemoryGib?: number;
  /** Commands whose `--version` is recorded, e.g. [["python"], ["nvcc"]]. */
  probes?: readonly (readonly string[])[];
  env?: NodeJS.ProcessEnv;
}

export interface PreflightResult {
  ok: boolean;
  report: PreflightReport;
  identity: Identity;
  findings: Finding[];
}

async function readConfig(file: string): Promise<{ bytes: Buffer; payload: unknown }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw inputError(error, file);
  }
  return { bytes, payload: parseDocument(bytes.toString("utf8"), file) };
}

export async function trainingPreflight(options: PreflightOptions): Promise<PreflightResult> {
  const checks: CheckRow[] = [];
  const findings: Finding[] = [];
  const check = (id: string, ok: boolean, detail: string, codes: string[]) => checks.push({ id, ok, detail, issue_refs: codes });

  // The dataset, verified as for a release (snapshot and input-check reports required).
  const verdict = await verifyDataset({ dir: options.datasetDir, release: true, ...(options.onProgress ? { onProgress: options.onProgress } : {}) });
  const datasetFiles = new Map(verdict.files.map((f) => [f.path, f]));
  const rooted = (path: string): RootedIdentity | null => {
    const identity = datasetFiles.get(path);
    return identity ? { ...identity, root: "dataset" } : null;
  };
  const errors = verdict.findings.filter((f) => f.severity === "error");
  check(
    "dataset",
    verdict.ok,
    verdict.ok
      ? `dataset ${verdict.dataset?.name} ${verdict.dataset?.version} verifies as a release (${verdict.checked.files} files, ${verdict.checked.records} records).`
      : `the dataset package does not verify: ${errors.length} problem${errors.length === 1 ? "" : "s"} (${[...new Set(errors.map((f) => f.code))].join(", ")}).`,
    [...new Set(errors.map((f) => f.code))],
  );
  findings.push(...errors.map((f) => ({ ...f, path: `dataset/${f.path}` })));

  // The base model: its manifest verified when it has one, and every file pinned.
  let baseModel: PreflightReport["base_model"] = null;
  if (options.baseModelDir) {
    const walked = throwOnFindings(walkTree(options.baseModelDir), options.baseModelDir);
    const digests = await hashFiles(walked.map((f) => ({ path: f.abs, shown: f.path })), options);
    let modelId: string | null = null;
    if (walked.some((f) => f.path === MANIFEST_FILE)) {
      const model = await verifyModelManifest({ dir: options.baseModelDir });
      modelId = model.modelId ?? null;
      check("base-model", model.ok, model.ok ? `base model ${modelId} verifies against its manifest.` : `the base model does not match its manifest.json (${model.findings.length} finding${model.findings.length === 1 ? "" : "s"}).`, ["IDENTITY_MISMATCH"]);
      findings.push(...model.findings.map((f) => ({ ...f, path: `base_model/${f.path}` })));
    }
    baseModel = { model_id: modelId, files: walked.map((f, i) => ({ path: f.path, ...digests[i]! })) };
  }

  // The config: copied into the run directory, pinned, and validated against a schema if given.
  const config = await readConfig(options.config);
  const configName = `${CONFIG_BASENAME}${extname(options.config) || ".yaml"}`;
  await removeStaleCopies(options.runDir, [options.config, options.configSchema].filter((f) => f !== undefined));
  if (resolve(options.config) !== resolve(join(options.runDir, configName))) await copyTo(options.config, join(options.runDir, configName));
  let schemaIdentity: Identity | null = null;
  if (options.configSchema) {
    const schemaText = await readConfig(options.configSchema);
    const schemaName = `${CONFIG_BASENAME}.schema${extname(options.configSchema) || ".json"}`;
    if (resolve(options.configSchema) !== resolve(join(options.runDir, schemaName))) await copyTo(options.configSchema, join(options.runDir, schemaName));
    schemaIdentity = identityOfBytes(schemaName, schemaText.bytes);
    let validator: z.ZodType;
    try {
      validator = z.fromJSONSchema(schemaText.payload as Parameters<typeof z.fromJSONSchema>[0]);
    } catch (error) {
      throw new BinderyError("INPUT_INVALID", `${options.configSchema} is not a JSON Schema bindery can apply: ${(error as Error).message}`);
    }
    const result = validator.safeParse(config.payload);
    check("config-schema", result.success, result.success ? `the config matches ${basename(options.configSchema)}.` : `the config does not match ${basename(options.configSchema)}: ${formatIssues(result.error)}`, ["INPUT_INVALID"]);
  }
  const seed = seedOf(config.payload);

  // The machine.
  const accelerator = await probeAccelerator(options);
  if (options.requireAccelerator) {
    const enough = accelerator.devices.filter((d) => options.minDeviceMemoryGib === undefined || d.memory_gib >= options.minDeviceMemoryGib);
    const ok = accelerator.available && enough.length > 0;
    const need = options.minDeviceMemoryGib === undefined ? "" : ` with at least ${options.minDeviceMemoryGib} GiB`;
    check(
      "accelerator",
      ok,
      ok
        ? `${enough.length} ${options.requireAccelerator} device${enough.length === 1 ? "" : "s"}${need}: ${enough.map((d) => `${d.name} (${d.memory_gib} GiB)`).join(", ")}.`
        : accelerator.available
          ? `no ${options.requireAccelerator} device${need}: found ${accelerator.devices.map((d) => `${d.name} (${d.memory_gib} GiB)`).join(", ") || "none"}.`
          : `no ${options.requireAccelerator} accelerator: ${accelerator.error}.`,
      ["ACCELERATOR_UNAVAILABLE"],
    );
  }
  const probes = [];
  for (const argv of options.probes ?? []) probes.push(await probeVersion(argv, options.env));
  for (const probe of probes) {
    check(`probe:${probe.argv.join(" ")}`, probe.error === null, probe.error === null ? `${probe.argv.join(" ")}: ${probe.version}` : `${probe.argv.join(" ")}: ${probe.error}.`, ["ACCELERATOR_UNAVAILABLE"]);
  }

  const snapshot = rooted(DATASET_FILES.snapshot);
  const packageIdentity = rooted(DATASET_FILES.package);
  const report = buildReport(preflightReport, {
    inputs: [packageIdentity, rooted(DATASET_FILES.sums), snapshot, rooted(DATASET_FILES.inputCheck)].filter((i) => i !== null),
    body: {
      dataset: {
        name: verdict.dataset?.name ?? null,
        version: verdict.dataset?.version ?? null,
        package: packageIdentity,
        sums: rooted(DATASET_FILES.sums),
        snapshot_report: snapshot,
        input_check_report: rooted(DATASET_FILES.inputCheck),
        snapshot_id: snapshot?.sha256 ?? null,
        findings: verdict.findings,
      },
      base_model: baseModel,
      config: { file: identityOfBytes(configName, config.bytes), sha256: canonicalHash(config.payload), payload: config.payload, seed, schema: schemaIdentity },
      accelerator,
      probes,
      ...decide(checks),
    },
    ...(options.env ? { env: options.env } : {}),
  });
  const identity = await writeReport(join(options.runDir, RUN_FILES.preflight), report, RUN_FILES.preflight);
  return { ok: report.ok, report, identity, findings };
}

/** Copies of a config or schema from an earlier preflight (another extension, or no schema now). */
async function removeStaleCopies(runDir: string, keep: readonly string[]): Promise<void> {
  const { readdir, rm } = await import("node:fs/promises");
  const kept = new Set(keep.map((f) => resolve(f)));
  let names: string[];
  try {
    names = await readdir(runDir);
  } catch {
    return;
  }
  for (const name of names) {
    if (name.startsWith(`${CONFIG_BASENAME}.`) && !kept.has(resolve(runDir, name))) await rm(join(runDir, name), { force: true });
  }
}

async function copyTo(from: string, to: string): Promise<void> {
  const { mkdir } = await import("node:fs/promises");
  await mkdir(resolve(to, ".."), { recursive: true });
  try {
    await copyFile(from, to);
  } catch (error) {
    throw inputError(error, from);
  }
}

export function seedOf(payload: unknown): number | string | null {
  if (typeof payload !== "object" || payload === null) return null;
  const seed = (payload as Record<string, unknown>).seed;
  return typeof seed === "string" || (typeof seed === "number" && Number.isInteger(seed)) ? seed : null;
}

const NVIDIA_SMI = ["nvidia-smi", "--query-gpu=name,memory.total,driver_version", "--format=csv,noheader,nounits"];

async function probeAccelerator(options: PreflightOptions): Promise<PreflightReport["accelerator"]> {
  const base = { required: options.requireAccelerator ?? null, min_device_memory_gib: options.minDeviceMemoryGib ?? null, tool: NVIDIA_SMI.join(" ") };
  const { execa } = await import("execa");
  const result = await execa(NVIDIA_SMI[0]!, NVIDIA_SMI.slice(1), { reject: false, stdin: "ignore", timeout: 30_000, ...(options.env ? { env: options.env } : {}) });
  if (result.failed) {
    const why = result.exitCode === undefined ? `${NVIDIA_SMI[0]} is not installed or cannot start` : `${NVIDIA_SMI[0]} exited with code ${result.exitCode}`;
    return { ...base, available: false, devices: [], error: why };
  }
  const devices = String(result.stdout)
    .split("\n")
    .map((line) => line.split(",").map((cell) => cell.trim()))
    .filter((cells) => cells.length >= 3 && cells[0] !== "")
    .map(([name, memory, driver]) => ({ name: name!, memory_gib: Math.round((Number(memory) / 1024) * 100) / 100, driver: driver! }));
  return { ...base, available: devices.length > 0, devices, error: devices.length > 0 ? null : "no device listed" };
}

