/**
 * The replay's demo: the downloaded demo package's command, programs, inputs and declared outputs
 * run again with `runDemo` against the downloaded model (no credential in its environment), into
 * `<output>/replay/demo`; then the replayed manifest is compared field by field with the published
 * one. Every difference is a DISAGREEMENT finding naming the field and the file.
 */
import { existsSync } from "node:fs";
import { join, sep } from "node:path";
import { canonicalJson } from "../evidence/canonical-json.js";
import { readReport } from "../evidence/envelope.js";
import { isBinderyError, type Finding } from "../evidence/errors.js";
import { identitiesOf, type Identity } from "../evidence/identity.js";
import { finding } from "../evidence/rules/engine.js";
import { SECRET_ENV_VARS } from "../evidence/secrets.js";
import { walkTree } from "../evidence/walk.js";
import { runDemo } from "../demo/run.js";
import { DEMO_FILES, runtimePreflightReport, terminalDemoManifest, type TerminalDemoManifest } from "../demo/schema.js";
import { REPLAY_DEMO_DIR, type CleanMachineDemoReport, type ComparedField } from "./replay-schema.js";

type Replay = CleanMachineDemoReport["replay"];
type Comparison = CleanMachineDemoReport["comparison"];

/** Absolute paths of this machine, as they may appear in an error message, made relative to the output directory. */
export function withoutDir(text: string, dir: string): string {
  return text.split(`${dir}${sep}`).join("").split(dir).join(".");
}

/** The environment a replayed demo runs in: this one without any credential. */
function cleanEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const name of SECRET_ENV_VARS) delete out[name];
  return out;
}

const PUBLISHED = `demo/${DEMO_FILES.manifest}`;
const REPLAYED = `${REPLAY_DEMO_DIR}/${DEMO_FILES.manifest}`;

export async function replayDemo(
  outputDir: string,
  options: { env?: NodeJS.ProcessEnv; skip?: string } = {},
): Promise<{ replay: Replay; comparison: Comparison }> {
  const env = options.env ?? process.env;
  const demoDir = join(outputDir, "demo");
  const notRun = (command: string[], error: string, published: Identity | null = null) => ({
    replay: { status: "not_run" as const, command, manifest: null, files: [], exit_code: null, outputs: [], error },
    comparison: { equal: false, published, replayed: null, fields: [], findings: [finding("RUN_FAILED", PUBLISHED, `the published demo was not replayed: ${error}`)] },
  });
  if (options.skip) return notRun([], options.skip);

  let published: TerminalDemoManifest;
  let publishedIdentity: Identity;
  let probes: string[][] = [];
  try {
    published = (await readReport(terminalDemoManifest, join(demoDir, DEMO_FILES.manifest), PUBLISHED)).value;
    [publishedIdentity] = (await identitiesOf(outputDir, [PUBLISHED])) as [Identity];
    if (existsSync(join(demoDir, DEMO_FILES.preflight))) {
      probes = (await readReport(runtimePreflightReport, join(demoDir, DEMO_FILES.preflight), `demo/${DEMO_FILES.preflight}`)).value.runtime.probes.map((p) => p.argv);
    }
  } catch (error) {
    if (!isBinderyError(error)) throw error;
    return notRun([], withoutDir(error.message, outputDir));
  }
  const missing = published.output_files.filter((o) => o.file === null);
  if (missing.length > 0) {
    return notRun(published.command, `${PUBLISHED} records no file for output ${missing.map((o) => o.name).join(", ")}, so there is nothing to compare a replay with.`, publishedIdentity);
  }

  const out = join(outputDir, REPLAY_DEMO_DIR);
  let replayed: TerminalDemoManifest | undefined;
  let error: string | null = null;
  try {
    const result = await runDemo({
      modelDir: join(outputDir, "model"),
      outputDir: out,
      cwd: demoDir,
      argv: published.command,
      programs: published.programs.map((p) => p.path),
      inputs: published.input_files.map((i) => `${i.name}=${i.file.path}`),
      outputs: published.output_files.map((o) => `${o.name}=${o.file!.path}`),
      probes,
      echo: false,
      env: cleanEnv(env),
    });
    if (result.manifest) replayed = result.manifest;
    else error = `the downloaded model was refused: ${result.findings.map((f) => f.message).join(" ")}`;
  } catch (caught) {
    if (!isBinderyError(caught)) throw caught;
    error = `${caught.code}: ${caught.message}`;
  }
  if (!replayed) {
    const { replay, comparison } = notRun(published.command, withoutDir(error ?? "no manifest was recorded", outputDir), publishedIdentity);
    return { replay: { ...replay, status: "failed" }, comparison };
  }

  const walked = walkTree(out, { policy: "filename" }).files.map((f) => `${REPLAY_DEMO_DIR}/${f.path}`);
  const files = await identitiesOf(outputDir, walked);
  const { fields, findings } = compareManifests(published, replayed);
  return {
    replay: {
      status: replayed.status,
      command: published.command,
      manifest: files.find((f) => f.path === REPLAYED) ?? null,
      files,
      exit_code: replayed.run.exit_code,
      outputs: replayed.output_files.map((o) => ({ name: o.name, file: o.file ? { ...o.file, path: `${REPLAY_DEMO_DIR}/${o.file.path}` } : null, rows: o.summary?.rows ?? null })),
      error: replayed.problems.length > 0 ? withoutDir(replayed.problems.join(" "), outputDir) : null,
    },
    comparison: { equal: findings.length === 0, published: publishedIdentity, replayed: files.find((f) => f.path === REPLAYED) ?? null, fields, findings },
  };
}

const describe = (value: unknown): string => {
  if (value === null || value === undefined) return "nothing";
  if (typeof value === "object" && "sha256" in value && "size" in value) return `sha256 ${String(value.sha256)} (${String(value.size)} bytes)`;
  return typeof value === "string" ? value : canonicalJson(value);
};

/** The published and replayed manifests, field by field: what must come out the same. */
export function compareManifests(published: TerminalDemoManifest, replayed: TerminalDemoManifest): { fields: ComparedField[]; findings: Finding[] } {
  const fields: ComparedField[] = [];
  const findings: Finding[] = [];
  const compare = (field: string, file: string, what: string, a: unknown, b: unknown) => {
    const equal = canonicalJson(a ?? null) === canonicalJson(b ?? null);
    fields.push({ field, file, published: a ?? null, replayed: b ?? null, equal });
    if (!equal) {
      findings.push(finding("DISAGREEMENT", file, `${file}: the published demo manifest records ${what} as ${describe(a)}, but the replay gave ${describe(b)} (field ${field} of ${PUBLISHED}).`, { field }));
    }
  };
  const identity = (f: Identity | null | undefined) => (f ? { path: f.path, sha256: f.sha256, size: f.size } : null);

  compare("/status", PUBLISHED, "the run's status", published.status, replayed.status);
  compare("/model/model_id", PUBLISHED, "the model id", published.model.model_id, replayed.model.model_id);
  compare("/model/manifest", "model/manifest.json", "the model manifest", identity(published.model.manifest), identity(replayed.model.manifest));
  compare("/command", PUBLISHED, "the command", published.command, replayed.command);
  published.programs.forEach((p, i) => {
    compare(`/programs/${i}`, `demo/${p.path}`, `program ${p.path}`, identity(p), identity(replayed.programs.find((r) => r.path === p.path)));
  });
  published.input_files.forEach((input, i) => {
    const again = replayed.input_files.find((r) => r.name === input.name);
    compare(`/input_files/${i}/file`, `demo/${input.file.path}`, `input ${input.name}`, identity(input.file), identity(again?.file));
    compare(`/input_files/${i}/summary`, `demo/${input.file.path}`, `the summary of input ${input.name}`, input.summary, again?.summary);
  });
  for (const key of ["node", "platform", "arch"] as const) {
    compare(`/runtime/${key}`, PUBLISHED, `the runtime's ${key}`, published.runtime[key], replayed.runtime[key]);
  }
  published.output_files.forEach((output, i) => {
    const again = replayed.output_files.find((r) => r.name === output.name);
    const file = `demo/${output.file?.path ?? output.name}`;
    compare(`/output_files/${i}/file`, file, `output ${output.name}`, identity(output.file), identity(again?.file));
    compare(`/output_files/${i}/summary`, file, `the summary of output ${output.name}`, output.summary, again?.summary);
  });
  for (const extra of replayed.output_files.filter((r) => !published.output_files.some((o) => o.name === r.name))) {
    compare(`/output_files/${extra.name}`, PUBLISHED, `no output ${extra.name}`, null, identity(extra.file));
  }
  return { fields, findings };
}
