/**
 * `bindery demo run`: runs the project's demo command (execa, no shell) against a packaged model
 * and records the run as a self-contained demo package: the programs and inputs copied in, the
 * runtime preflight, the declared outputs, a transcript and SHA256SUMS. The command runs inside the
 * package directory, so the package replays from its published bytes alone.
 */
import { existsSync, statSync } from "node:fs";
import { copyFile, mkdir, readFile, rm } from "node:fs/promises";
import { arch, platform } from "node:os";
import { basename, dirname, join, relative, resolve } from "node:path";
import { checkPublicArgv } from "../evidence/argv.js";
import { writeFileAtomic } from "../evidence/atomic.js";
import { BoundedLog } from "../evidence/bounded-log.js";
import { buildReport, readReport, writeReport } from "../evidence/envelope.js";
import { BinderyError, isBinderyError, type Finding } from "../evidence/errors.js";
import { identitiesOf, identityOfBytes, type Identity } from "../evidence/identity.js";
import { pathWithin, safePath, sortByPath } from "../evidence/paths.js";
import { probeVersion } from "../evidence/probe.js";
import { finding } from "../evidence/rules/engine.js";
import { writeChecksums } from "../evidence/seal.js";
import { redactSecrets, SECRET_ENV_VARS } from "../evidence/secrets.js";
import { formatUtc, generatedAt } from "../evidence/time.js";
import { throwOnFindings, walkTree } from "../evidence/walk.js";
import { MANIFEST_FILE, verifyModelManifest } from "../model/manifest.js";
import { MODEL_FILES, modelPackageReport } from "../model/package.js";
import { clearOutputDir, filesOfProgram, parseNamed, placeholders } from "./layout.js";
import { renderTranscript } from "./render.js";
import { DEMO_FILES, DEMO_OWN_FILES, runtimePreflightReport, terminalDemoManifest, type NamedFile, type OutputFile, type RecordSummary, type RuntimePreflight, type TerminalDemoManifest } from "./schema.js";
import { summarizeRecords } from "./summary.js";

/** stdout and stderr each keep their first and last STREAM_PART bytes in the transcript. */
export const STREAM_PART = 32 * 1024;

export interface DemoRunOptions {
  modelDir: string;
  outputDir: string;
  argv: readonly string[];
  /** Program files or directories, relative to `cwd` and inside it; copied to the same relative paths. */
  programs?: readonly string[];
  /** `NAME=FILE`: copied to inputs/<file name>. */
  inputs?: readonly string[];
  /** `NAME=FILE`: FILE relative to the demo package; deleted before the run, required after it. */
  outputs?: readonly string[];
  /** Commands whose `--version` is recorded, e.g. [["python3"]]. */
  probes?: readonly (readonly string[])[];
  /** Where program paths are resolved from (default: the working directory). */
  cwd?: string;
  /** Show the demo's output on stderr as it runs (default true). */
  echo?: boolean;
  env?: NodeJS.ProcessEnv;
  now?: () => Date;
}

export interface DemoRunResult {
  /** True when the model verified, the command exited 0 and wrote exactly its declared outputs. */
  ok: boolean;
  /** Why the model was refused (nothing was run or written). */
  findings: Finding[];
  manifest?: TerminalDemoManifest;
  files?: Identity[];
  /** Files the command wrote that held a credential's value (deleted). */
  leaked?: string[];
}

async function readPackagedModel(modelDir: string, shown: string): Promise<{ model: RuntimePreflight["model"]; findings: Finding[] }> {
  if (!existsSync(join(modelDir, MODEL_FILES.package))) {
    throw new BinderyError("MISSING_EVIDENCE", `${shown} has no ${MODEL_FILES.package}: a demo runs against a packaged model.`, {
      hint: "Run `bindery model package` first.",
      exitCode: 3,
    });
  }
  const pkg = await readReport(modelPackageReport, join(modelDir, MODEL_FILES.package), MODEL_FILES.package);
  const verdict = await verifyModelManifest({ dir: modelDir });
  const findings = [...verdict.findings];
  if (verdict.modelId && verdict.modelId !== pkg.value.model_id) {
    findings.push(finding("DISAGREEMENT", MODEL_FILES.package, `${MODEL_FILES.package} names model ${pkg.value.model_id}, but ${MANIFEST_FILE} is model ${verdict.modelId}.`, { field: "/model_id" }));
  }
  const manifestBytes = await readFile(join(modelDir, MANIFEST_FILE));
  return {
    model: {
      release_id: pkg.value.release_id,
      version: pkg.value.version,
      model_id: pkg.value.model_id,
      manifest: { ...identityOfBytes(MANIFEST_FILE, manifestBytes), root: "model" },
      package: { ...identityOfBytes(MODEL_FILES.package, pkg.bytes), root: "model" },
    },
    findings,
  };
}

/** Scans the files a demo wrote for credential values; returns the variable found, if any. */
async function secretIn(file: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const text = (await readFile(file)).toString("latin1");
  for (const name of SECRET_ENV_VARS) {
    const value = env[name];
    if (value && value.length >= 8 && text.includes(Buffer.from(value, "utf8").toString("latin1"))) return name;
  }
  return undefined;
}

export async function runDemo(options: DemoRunOptions): Promise<DemoRunResult> {
  const env = options.env ?? process.env;
  const now = options.now ?? (() => new Date());
  const cwd = resolve(options.cwd ?? process.cwd());
  const out = resolve(cwd, options.outputDir);
  const modelDir = resolve(cwd, options.modelDir);
  if (options.argv.length === 0) throw new BinderyError("USAGE", "no demo command: give it after --, e.g. `bindery demo run --model-dir M --output-dir O -- node demo.mjs {model_dir}`.");
  checkPublicArgv(options.argv, "the demo command", "Use a placeholder ({model_dir}, {input:NAME}, {output:NAME}) or a path relative to the project.");
  options.argv.forEach((arg, i) => {
    if (redactSecrets(arg, env) !== arg) throw new BinderyError("USAGE", `the demo command[${i}] holds the value of a credential, and the command is published as written.`);
  });
  generatedAt(env);

  // Layout: programs at their project-relative paths, inputs under inputs/, outputs where declared.
  const inputs = parseNamed(options.inputs ?? [], "--input");
  const outputs = parseNamed(options.outputs ?? [], "--output");
  for (const p of options.programs ?? []) {
    if (pathWithin(resolve(cwd, p), out) !== undefined) {
      throw new BinderyError("USAGE", `the demo package ${options.outputDir} lies inside --program ${p}; the package would copy itself.`, { hint: "Name the program files, or put the demo package elsewhere." });
    }
  }
  const programs = (await Promise.all((options.programs ?? []).map((p) => filesOfProgram(cwd, p)))).flat();
  const layout = new Map<string, string>();
  const claim = (path: string, what: string) => {
    if (DEMO_OWN_FILES.includes(path)) throw new BinderyError("USAGE", `${what} would be written to ${path}, a name bindery writes itself.`);
    const previous = layout.get(path);
    if (previous !== undefined && previous !== what) throw new BinderyError("USAGE", `${what} and ${previous} would both be written to ${path} in the demo package.`);
    layout.set(path, what);
  };
  for (const p of programs) claim(p.path, `program ${p.path}`);
  const inputFiles = inputs.map((i) => {
    const abs = resolve(cwd, i.file);
    if (!existsSync(abs) || !statSync(abs).isFile()) throw new BinderyError("INPUT_NOT_FOUND", `--input ${i.name}=${i.file}: ${i.file} is not a file.`);
    const path = safePath(`${DEMO_FILES.inputs}/${basename(abs)}`, "public");
    claim(path, `input ${i.name}`);
    return { name: i.name, abs, path };
  });
  const outputFiles = outputs.map((o) => {
    let path: string;
    try {
      path = safePath(o.file, "public");
    } catch (error) {
      throw isBinderyError(error) ? new BinderyError(error.code, `--output ${o.name}=${o.file}: ${error.message} Outputs are named relative to the demo package.`) : error;
    }
    claim(path, `output ${o.name}`);
    return { name: o.name, path };
  });
  // The command runs in the package, so the model is named relative to it: nothing it prints or
  // records from these values can hold a private path.
  const modelFromPackage = relative(out, modelDir) || ".";
  const argv = placeholders(options.argv, {
    model: modelFromPackage,
    output: ".",
    inputs: new Map(inputFiles.map((i) => [i.name, i.path])),
    outputs: new Map(outputFiles.map((o) => [o.name, o.path])),
  });

  const { model, findings } = await readPackagedModel(modelDir, options.modelDir);
  if (findings.some((f) => f.severity === "error")) return { ok: false, findings };

  // Inputs are read before anything is written: a malformed one stops here, leaving nothing behind.
  const summaries = new Map<string, RecordSummary | null>();
  for (const i of inputFiles) summaries.set(i.name, await summarizeRecords(i.abs, i.path));

  // A clean slate: an earlier package's files (outputs included) go, so none can satisfy this run.
  await clearOutputDir(out, options.outputDir);
  try {
    await mkdir(out, { recursive: true });
    for (const file of [...programs.map((p) => ({ from: p.abs, path: p.path })), ...inputFiles.map((i) => ({ from: i.abs, path: i.path }))]) {
      await mkdir(dirname(join(out, file.path)), { recursive: true });
      await copyFile(file.from, join(out, file.path));
    }
    // The declared outputs' directories exist, so the demo only has to write its files.
    for (const o of outputFiles) await mkdir(dirname(join(out, o.path)), { recursive: true });
    const pinned = await identitiesOf(out, sortByPath([...programs.map((p) => p.path), ...inputFiles.map((i) => i.path)], (p) => p));
    const byPath = new Map(pinned.map((f) => [f.path, f]));
    const inputRecords: NamedFile[] = [];
    for (const i of inputFiles) inputRecords.push({ name: i.name, file: byPath.get(i.path)!, summary: summaries.get(i.name)! });
    const probes = [];
    for (const probe of options.probes ?? []) probes.push(await probeVersion(probe, env));

    const preflight = buildReport(runtimePreflightReport, {
      inputs: [model.manifest, model.package, ...pinned],
      body: {
        model,
        command: [...options.argv],
        programs: sortByPath(programs.map((p) => byPath.get(p.path)!), (f) => f.path),
        input_files: inputRecords,
        output_files: outputFiles.map((o) => ({ name: o.name, path: o.path })),
        runtime: { node: process.version, platform: platform(), arch: arch(), probes },
      },
      env,
    });
    const preflightIdentity = await writeReport(join(out, DEMO_FILES.preflight), preflight, DEMO_FILES.preflight);

    // The run, in the package directory, its output bounded and redacted line by line.
    const echo = options.echo ?? true;
    const logs = { stdout: new BoundedLog(STREAM_PART), stderr: new BoundedLog(STREAM_PART) };
    // Absolute directories the command may print are recorded as their placeholders.
  const local = ([[modelDir, "{model_dir}"], [out, "{output_dir}"]] as const).toSorted((a, b) => b[0].length - a[0].length);
  const capture = (log: BoundedLog) =>
      function* (line: unknown): Generator<string> {
        let clean = redactSecrets(String(line), env);
      for (const [dir, name] of local) clean = clean.split(dir).join(name);
        log.add(clean);
        if (echo) yield clean;
      };
    const { execa } = await import("execa");
    const started = now();
    const result = await execa(argv[0]!, argv.slice(1), {
      cwd: out,
      reject: false,
      stdin: "ignore",
      stdout: [capture(logs.stdout), echo ? 2 : "pipe"] as never,
      stderr: [capture(logs.stderr), echo ? 2 : "pipe"] as never,
      env: { ...env, BINDERY_MODEL_DIR: modelFromPackage, BINDERY_DEMO_DIR: "." },
      extendEnv: false,
    });
    const ended = now();
    if (result.exitCode === undefined && result.signal === undefined) {
      throw new BinderyError("COMMAND_FAILED", `the demo command \`${options.argv.join(" ")}\` could not start (${result.shortMessage?.split("\n")[0] ?? "unknown error"}).`);
    }

    // Nothing pinned may have changed while the command ran.
    const after = identityOfBytes(DEMO_FILES.preflight, await readFile(join(out, DEMO_FILES.preflight)).catch(() => Buffer.alloc(0)));
    if (after.sha256 !== preflightIdentity.sha256) {
      throw new BinderyError("EVIDENCE_CHANGED", `${DEMO_FILES.preflight} changed while the demo ran (sha256 ${after.sha256}, written as ${preflightIdentity.sha256}); the run is not recorded.`, {
        hint: "The demo must not write bindery's files; run it again.",
      });
    }
    const repinned = await identitiesOf(out, pinned.map((f) => f.path)).catch(() => []);
    for (const f of pinned) {
      const current = repinned.find((r) => r.path === f.path);
      if (!current || current.sha256 !== f.sha256) {
        throw new BinderyError("EVIDENCE_CHANGED", `${f.path} changed while the demo ran; programs and inputs must be read, not written. The run is not recorded.`);
      }
    }

    const problems: string[] = [];
    if (result.exitCode !== 0) problems.push(result.exitCode === undefined ? `The command was killed by ${result.signal}.` : `The command exited with code ${result.exitCode}.`);
    const { records: outputRecords, leaked } = await recordOutputs(out, outputFiles, new Set([...DEMO_OWN_FILES, ...layout.keys()]), env, problems);

    const stream = (log: BoundedLog) => ({ text: log.text(), bytes: log.bytes, truncated: log.truncated });
    const manifest = buildReport(terminalDemoManifest, {
      inputs: [model.manifest, preflightIdentity, ...pinned],
      body: {
        status: problems.length === 0 ? "ok" : "failed",
        model,
        command: [...options.argv],
        preflight: preflightIdentity,
        runtime: { node: preflight.runtime.node, platform: preflight.runtime.platform, arch: preflight.runtime.arch, probes: probes.map((p) => `${p.argv.join(" ")}: ${p.version ?? p.error}`) },
        programs: preflight.programs,
        input_files: inputRecords,
        output_files: outputRecords,
        run: {
          started_at: formatUtc(started),
          ended_at: formatUtc(ended),
          duration_ms: Math.max(0, ended.getTime() - started.getTime()),
          exit_code: result.exitCode ?? null,
          signal: result.signal ?? null,
          stdout: stream(logs.stdout),
          stderr: stream(logs.stderr),
        },
        problems,
      },
      env,
    });
    await writeReport(join(out, DEMO_FILES.manifest), manifest, DEMO_FILES.manifest);
    await writeFileAtomic(join(out, DEMO_FILES.transcript), renderTranscript(manifest));
    const sums = await writeChecksums({ dir: out });
    return { ok: manifest.status === "ok", findings: [], manifest, files: sums.files, leaked };
  } catch (error) {
    // A run that is not recorded leaves nothing behind: no output that might hold a credential,
    // no file a later run would have to refuse.
    await rm(out, { recursive: true, force: true });
    throw error;
  }
}

/**
 * The declared outputs after the run: identity and summary of each, and a problem for each one
 * missing or holding a credential's value (deleted). Any other new file in the package is deleted
 * and is a problem too, so the package holds exactly what was declared.
 */
async function recordOutputs(
  out: string,
  outputs: readonly { name: string; path: string }[],
  known: ReadonlySet<string>,
  env: NodeJS.ProcessEnv,
  problems: string[],
): Promise<{ records: OutputFile[]; leaked: string[] }> {
  const outputRecords: OutputFile[] = [];
  const leakedFiles: string[] = [];
  for (const o of outputs) {
    const abs = join(out, o.path);
    if (!existsSync(abs)) {
      problems.push(`The command did not write ${o.path} (--output ${o.name}).`);
      outputRecords.push({ name: o.name, file: null, summary: null });
      continue;
    }
    const leaked = await secretIn(abs, env);
    if (leaked) {
      leakedFiles.push(o.path);
      await rm(abs, { force: true });
      problems.push(`${o.path} held the value of ${leaked}; bindery deleted it.`);
      outputRecords.push({ name: o.name, file: null, summary: null });
      continue;
    }
    const [identity] = await identitiesOf(out, [o.path]);
    let summary = null;
    try {
      summary = await summarizeRecords(abs, o.path);
    } catch (error) {
      if (!isBinderyError(error)) throw error;
      problems.push(`${o.path} cannot be summarized: ${error.message}`);
    }
    outputRecords.push({ name: o.name, file: identity!, summary });
  }
  for (const file of throwOnFindings(walkTree(out, { policy: "filename" }), "the demo package")) {
    if (known.has(file.path)) continue;
    const leaked = await secretIn(file.abs, env);
    if (leaked) leakedFiles.push(file.path);
    await rm(file.abs, { force: true });
    problems.push(`The command wrote ${file.path}, which is not a declared output${leaked ? ` (and held the value of ${leaked})` : ""}; bindery deleted it. Declare it with --output NAME=${file.path}.`);
  }
  return { records: outputRecords, leaked: leakedFiles };
}
