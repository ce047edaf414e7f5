/**
 * The release fixture builder: runs docs/tutorial.md's commands, exactly as written, on a fresh
 * copy of configs/example, once per test file; each call returns a copy of the finished project
 * (release/ and runs/ included). Also a forger's re-seal, for one-mutation tests.
 */
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, inject } from "vitest";
import { runTutorialIn, type TutorialRun } from "./tutorial.js";
import { identityOfBytes, prettyJson, renderCitation, renderModelCard, renderPaper, renderTranscript, writeChecksums } from "./lib.js";
import { suiteTempDir, tempDir } from "./tmp.js";

export { REPO, tutorialScript, type TutorialRun } from "./tutorial.js";

/** Runs the tutorial in a fresh temp directory (removed when the test ends). */
export function runTutorial(): TutorialRun {
  return runTutorialIn(tempDir("bindery-tutorial-"));
}

let built: string | undefined;

/**
 * A fresh copy of the project the tutorial built: built once for the whole run by the global
 * setup, or, when that did not succeed, once per test file here (so the failure shows).
 */
export function releaseProject(): string {
  built ??= inject("tutorialProject") ?? undefined;
  if (!built) {
    const run = runTutorial();
    expect(run.status, run.stderr).toBe(0);
    built = join(suiteTempDir(), "sensors-release");
    cpSync(run.project, built, { recursive: true });
  }
  const copy = join(tempDir("bindery-release-"), "sensors-release");
  cpSync(built, copy, { recursive: true });
  return copy;
}

export const readJsonAt = (dir: string, name: string) => JSON.parse(readFileSync(join(dir, name), "utf8"));
export function editJsonAt(dir: string, name: string, change: (doc: any) => void): void {
  const doc = readJsonAt(dir, name);
  change(doc);
  writeFileSync(join(dir, name), prettyJson(doc));
}

const bytes = (dir: string, path: string) => readFileSync(join(dir, path));

/**
 * What a forger who knows bindery's formats would re-bind after a change: the model package's
 * identities, card and SHA256SUMS; the demo manifest's identities, transcript and SHA256SUMS; the
 * paper's citations, draft and SHA256SUMS. `demo: false` re-seals only the demo's SHA256SUMS;
 * `paper: false` re-seals only the paper's SHA256SUMS (the draft stays as edited).
 */
export async function reseal(project: string, options: { demo?: boolean; paper?: boolean } = {}): Promise<void> {
  const model = join(project, "release/model");
  const demo = join(project, "release/demo");
  const paper = join(project, "release/paper");
  editJsonAt(model, "model_package.json", (p) => {
    for (const key of ["manifest", "eval_metrics", "eval_report", "efficiency_report"]) p[key] = identityOfBytes(p[key].path, bytes(model, p[key].path));
  });
  const m = (name: string) => readJsonAt(model, name);
  writeFileSync(join(model, "model_card.md"), renderModelCard(m("model_package.json"), m("manifest.json"), m("eval_metrics.json"), m("efficiency_report.json")));
  await writeChecksums({ dir: model, concurrency: 1 });

  if (options.demo ?? true) {
    editJsonAt(demo, "terminal_demo_manifest.json", (d) => {
      d.preflight = identityOfBytes(d.preflight.path, bytes(demo, d.preflight.path));
      d.programs = d.programs.map((f: { path: string }) => identityOfBytes(f.path, bytes(demo, f.path)));
      for (const f of [...d.input_files, ...d.output_files]) if (f.file) f.file = identityOfBytes(f.file.path, bytes(demo, f.file.path));
    });
    writeFileSync(join(demo, "transcript.md"), renderTranscript(readJsonAt(demo, "terminal_demo_manifest.json")));
  }
  await writeChecksums({ dir: demo, concurrency: 1 });

  const roots: Record<string, string> = { model, demo, dataset: join(project, "release/dataset") };
  await writeChecksums({ dir: roots.dataset!, concurrency: 1 });
  if (options.paper ?? true) {
    editJsonAt(paper, "paper_package.json", (p) => {
      p.cites = p.cites.map((c: { root: string; path: string }) => ({ ...identityOfBytes(c.path, bytes(roots[c.root]!, c.path)), root: c.root }));
      p.documents = [identityOfBytes("CITATION.cff", renderCitation(p))];
    });
    const pkg = readJsonAt(paper, "paper_package.json");
    writeFileSync(join(paper, "CITATION.cff"), renderCitation(pkg));
    writeFileSync(join(paper, "paper.md"), renderPaper(pkg, readFileSync(join(model, "eval_report.md"), "utf8")));
  }
  await writeChecksums({ dir: paper, concurrency: 1 });
}

/**
 * Carries `project` through the release chain on loopback emulators, by the real CLI: plan,
 * publish, candidate and replay (anonymous), and with `publication`, the publication report
 * with its evidence uploaded to the evidence release. Every step must exit 0.
 */
export async function proveRelease(project: string, env: Record<string, string>, options: { publication?: boolean } = {}): Promise<void> {
  const { assertNoCanary, bindery } = await import("./cli.js");
  const publishing = { ...env, BINDERY_RETRY_BASE_MS: "5" };
  const anonymous = { ...env, HF_TOKEN: undefined, GITHUB_TOKEN: undefined };
  const steps: [string[], NodeJS.ProcessEnv][] = [
    [["hub", "plan", "--output", "plan.json"], publishing],
    [["hub", "publish", "--plan", "plan.json", "--output", "publish.json"], publishing],
    [["release", "candidate", "--plan", "plan.json", "--publish-report", "publish.json", "--output", "candidate.json"], anonymous],
    [["release", "replay", "--candidate", "candidate.json", "--output-dir", "replay"], anonymous],
  ];
  if (options.publication) {
    steps.push([["release", "publication", "--plan", "plan.json", "--candidate", "candidate.json", "--publish-report", "publish.json", "--replay-report", "replay/clean_machine_demo_report.json", "--output", "publication.json", "--assets", "assets.json", "--upload"], publishing]);
  }
  for (const [args, stepEnv] of steps) {
    const result = await bindery(args, { cwd: project, env: stepEnv });
    expect(result.code, `${args.join(" ")}\n${result.stdout}${result.stderr}`).toBe(0);
    assertNoCanary(args.slice(0, 2).join(" "), result.stdout + result.stderr);
  }
}
