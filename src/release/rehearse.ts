/**
 * `bindery rehearse`: the whole chain on the bundled example, offline, against the loopback Hub and
 * GitHub emulators: dataset snapshot → training → model package → evaluation and efficiency →
 * demo → paper → verify → plan → publish → candidate → replay → publication (with the evidence
 * release) → audit. Every step is the documented command, run as a user would run it, in a fresh
 * copy of the example; each is timed, and the first failure stops the rehearsal.
 */
import { cpSync, writeFileSync, existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { BinderyError } from "../evidence/errors.js";

export interface RehearsalStep {
  name: string;
  argv: string[];
  ok: boolean;
  exit_code: number | null;
  duration_ms: number;
  /** The last lines the step printed, when it failed. */
  output: string | null;
}

export interface RehearsalResult {
  ok: boolean;
  workdir: string;
  steps: RehearsalStep[];
  /** Every report and package the rehearsal wrote, relative to the work directory. */
  artifacts: string[];
}

const BIN = fileURLToPath(new URL("../../bin/bindery.js", import.meta.url));
export const DEFAULT_EXAMPLE = fileURLToPath(new URL("../../configs/example", import.meta.url));

/** Tokens for the emulators only: a rehearsal never sends the caller's real credentials anywhere. */
const REHEARSAL_ENV = { HF_TOKEN: "hf_rehearsal_only", GITHUB_TOKEN: "ghp_rehearsal_only", BINDERY_RETRY_BASE_MS: "5" };

type Step = { name: string; argv: (ctx: { work: string; hub: string; sigstore: { identity: string; issuer: string } }) => string[]; bindery?: boolean; anonymous?: boolean };

/** The publication's inputs, the same on both runs (so the second keeps the first's bytes, which are signed). */
const PUBLICATION_INPUTS = ["--plan", "evidence/hub_release_plan.json", "--candidate", "evidence/release_candidate_report.json", "--publish-report", "evidence/hub_publish_report.json", "--replay-report", "replay/clean_machine_demo_report.json", "--output", "evidence/publication_evidence_report.json"];
/** The identity the loopback Sigstore's token names: the rehearsal's signer. */
const REHEARSAL_SIGNER = "release@bindery.invalid";
/** The loopback Sigstore's trusted root, written into the work directory for the audit. */
const TRUSTED_ROOT = "sigstore_trusted_root.json";

const json = (work: string, file: string) => JSON.parse(readFileSync(join(work, file), "utf8"));

/** The rehearsal, step by step: the tutorial's commands, then the publishing and proving chain. */
export const REHEARSAL: readonly Step[] = [
  { name: "git init", argv: () => ["git", "init", "-q"] },
  { name: "git add", argv: () => ["git", "add", "-A"] },
  { name: "git commit", argv: () => ["git", "-c", "user.name=bindery rehearse", "-c", "user.email=rehearse@bindery.invalid", "-c", "commit.gpgsign=false", "commit", "-q", "-m", "example"] },
  { name: "dataset snapshot", bindery: true, argv: () => ["dataset", "snapshot", "--spec", "dataset.yaml", "--inputs-dir", "staged", "--dataset-dir", "release/dataset", "--metadata", "metadata.yaml"] },
  { name: "training preflight", bindery: true, argv: () => ["training", "preflight", "--dataset-dir", "release/dataset", "--config", "train.json", "--config-schema", "train.schema.json", "--run-dir", "runs/r1"] },
  { name: "training run", bindery: true, argv: () => ["training", "run", "--run-dir", "runs/r1", "--", "node", "scripts/train.mjs", "--data", "release/dataset", "--config", "runs/r1/training_config.json", "--out", "runs/r1"] },
  { name: "training package", bindery: true, argv: () => ["training", "package", "--run-dir", "runs/r1", "--metadata", "run.yaml", "--dataset-dir", "release/dataset"] },
  { name: "copy the weights", argv: () => [process.execPath, "-e", "const fs=require('fs');fs.mkdirSync('release/model',{recursive:true});for(const f of fs.readdirSync('runs/r1/weights'))fs.copyFileSync('runs/r1/weights/'+f,'release/model/'+f)"] },
  { name: "model manifest", bindery: true, argv: () => ["model", "manifest", "--model-dir", "release/model"] },
  {
    name: "evaluate (the example's script)",
    argv: ({ work }) => [process.execPath, "scripts/evaluate.mjs", "--model", "release/model", "--data", "release/dataset", "--out", "release/model/eval/test.json", "--release", "sensors-v0.1.0-r1", "--snapshot", json(work, "runs/r1/training_preflight_report.json").dataset.snapshot_id, "--commit", json(work, "runs/r1/training_run.json").commit.sha],
  },
  { name: "eval aggregate", bindery: true, argv: () => ["eval", "aggregate", "--model-dir", "release/model", "--metrics-json", "release/model/eval/test.json", "--output-metrics", "release/model/eval_metrics.json", "--output-report", "release/model/eval_report.md", "--require", "accuracy:test", "log_loss:test"] },
  { name: "benchmark (the example's script)", argv: () => [process.execPath, "scripts/bench.mjs", "--model", "release/model", "--out", "release/model/eval/bench.json", "--release", "sensors-v0.1.0-r1"] },
  { name: "efficiency report", bindery: true, argv: () => ["efficiency", "report", "--model-dir", "release/model", "--measurements", "release/model/eval/bench.json", "--output", "release/model/efficiency_report.json"] },
  { name: "model package", bindery: true, argv: () => ["model", "package", "--model-dir", "release/model", "--run-dir", "runs/r1", "--metadata", "model.yaml"] },
  {
    name: "demo run",
    bindery: true,
    argv: () => ["demo", "run", "--model-dir", "release/model", "--output-dir", "release/demo", "--program", "scripts/demo.mjs", "--program", "scripts/lib", "--input", "requests=demo/requests.jsonl", "--output", "predictions=outputs/predictions.jsonl", "--", "node", "scripts/demo.mjs", "--model", "{model_dir}", "--input", "{input:requests}", "--output", "{output:predictions}"],
  },
  { name: "paper draft", bindery: true, argv: () => ["paper", "draft", "--model-dir", "release/model", "--dataset-dir", "release/dataset", "--demo-dir", "release/demo", "--metadata", "paper.yaml", "--paper-dir", "release/paper"] },
  { name: "verify --release", bindery: true, argv: () => ["verify", "--release", "--report", "evidence/release_verify_report.json"] },
  { name: "hub plan", bindery: true, argv: () => ["hub", "plan", "--output", "evidence/hub_release_plan.json"] },
  { name: "hub publish", bindery: true, argv: () => ["hub", "publish", "--plan", "evidence/hub_release_plan.json", "--output", "evidence/hub_publish_report.json"] },
  { name: "release candidate", bindery: true, anonymous: true, argv: () => ["release", "candidate", "--plan", "evidence/hub_release_plan.json", "--publish-report", "evidence/hub_publish_report.json", "--output", "evidence/release_candidate_report.json"] },
  { name: "release replay", bindery: true, anonymous: true, argv: () => ["release", "replay", "--candidate", "evidence/release_candidate_report.json", "--output-dir", "replay"] },
  { name: "index add", bindery: true, argv: () => ["index", "add", "--plan", "evidence/hub_release_plan.json"] },
  { name: "release publication", bindery: true, argv: () => ["release", "publication", ...PUBLICATION_INPUTS] },
  { name: "sign the evidence (keyless)", bindery: true, argv: () => ["sign", "--from-publication", "evidence/publication_evidence_report.json", "--replay-report", "replay/clean_machine_demo_report.json", "--output-dir", "evidence/signatures"] },
  { name: "attest the release", bindery: true, argv: () => ["attest", "--publication", "evidence/publication_evidence_report.json", "--output", "evidence/signatures/statement.sigstore.json"] },
  { name: "release publication (evidence release)", bindery: true, argv: () => ["release", "publication", ...PUBLICATION_INPUTS, "--assets", "evidence/publication_evidence_assets.json", "--upload", "--signatures", "evidence/signatures"] },
  {
    name: "release audit",
    bindery: true,
    anonymous: true,
    argv: ({ work, sigstore }) => [
      "release",
      "audit",
      "--publication",
      `${json(work, "evidence/publication_evidence_report.json").evidence_release.assets_url}/publication_evidence_report.json`,
      "--signer-identity",
      sigstore.identity,
      "--signer-issuer",
      sigstore.issuer,
      "--trusted-root",
      TRUSTED_ROOT,
      "--output",
      "evidence/release_audit_report.json",
    ],
  },
  { name: "index publish", bindery: true, argv: () => ["index", "publish"] },
  {
    name: "update by pin",
    bindery: true,
    anonymous: true,
    argv: ({ work, hub }) => ["update", `sensors@0.1.0+sha256:${json(work, "release_index.json").releases[0].model_id}`, "--index", `${hub}/example/sensors-releases/resolve/main/release_index.json`, "--to", "pinned/model"],
  },
];

export async function rehearse(options: { example?: string; workdir?: string; onStep?: (step: RehearsalStep, index: number, total: number) => void } = {}): Promise<RehearsalResult> {
  const example = resolve(options.example ?? DEFAULT_EXAMPLE);
  if (!existsSync(join(example, "bindery.yaml"))) throw new BinderyError("INPUT_NOT_FOUND", `${options.example ?? "the bundled example"} is not an example project (it has no bindery.yaml).`);
  let work: string;
  if (options.workdir) {
    work = resolve(options.workdir);
    if (existsSync(work) && readdirSync(work).length > 0) throw new BinderyError("OUTPUT_EXISTS", `--workdir ${options.workdir} is not empty; a rehearsal starts from a fresh copy of the example.`);
  } else {
    work = mkdtempSync(join(tmpdir(), "bindery-rehearsal-"));
  }
  cpSync(example, work, { recursive: true, filter: (src) => !/[\\/](release|runs|replay|evidence)$/.test(src) });

  const [{ startEmulators }, { execa }] = await Promise.all([import("../emulators/index.js"), import("execa")]);
  const emulators = await startEmulators();
  const steps: RehearsalStep[] = [];
  try {
    const env = { ...process.env, ...emulators.env, ...REHEARSAL_ENV };
    writeFileSync(join(work, TRUSTED_ROOT), `${JSON.stringify(emulators.sigstore.trustedRoot, null, 2)}\n`);
    for (const [index, step] of REHEARSAL.entries()) {
      const argv = step.argv({ work, hub: emulators.hub.origin, sigstore: { identity: REHEARSAL_SIGNER, issuer: emulators.sigstore.issuer } });
      const command = step.bindery ? [process.execPath, BIN, ...argv] : argv;
      const started = Date.now();
      const stepEnv = step.anonymous ? Object.fromEntries(Object.entries(env).filter(([k]) => k !== "HF_TOKEN" && k !== "GITHUB_TOKEN")) : env;
      const result = await execa(command[0]!, command.slice(1), { cwd: work, env: stepEnv, extendEnv: false, reject: false, stdin: "ignore", all: true });
      const record: RehearsalStep = {
        name: step.name,
        argv: step.bindery ? ["bindery", ...argv] : argv.map((a) => (a === process.execPath ? "node" : a)),
        ok: result.exitCode === 0,
        exit_code: result.exitCode ?? null,
        duration_ms: Date.now() - started,
        output: result.exitCode === 0 ? null : String(result.all ?? "").split("\n").slice(-12).join("\n").split(work).join("."),
      };
      steps.push(record);
      options.onStep?.(record, index, REHEARSAL.length);
      if (!record.ok) break;
    }
  } finally {
    await emulators.close();
  }
  const ok = steps.length === REHEARSAL.length && steps.every((s) => s.ok);
  const artifacts = ["release/dataset", "runs/r1", "release/model", "release/demo", "release/paper", "replay/clean_machine_demo_report.json"]
    .concat(existsSync(join(work, "evidence")) ? readdirSync(join(work, "evidence")).sort().map((f) => `evidence/${f}`) : [])
    .filter((p) => existsSync(join(work, p)));
  return { ok, workdir: work, steps, artifacts };
}
