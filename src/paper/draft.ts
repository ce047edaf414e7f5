/**
 * `bindery paper draft`: a Markdown draft generated from the release's own evidence, so its numbers
 * cannot drift from the evaluation: paper.md, CITATION.cff, paper_package.json (the identities of
 * everything the draft cites) and SHA256SUMS. A set that disagrees, a stale eval report or a demo
 * whose inputs changed is refused before anything is written.
 */
import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { writeFileAtomic } from "../evidence/atomic.js";
import { canonicalJson, prettyJson } from "../evidence/canonical-json.js";
import { buildReport, readReport } from "../evidence/envelope.js";
import { BinderyError, type Finding } from "../evidence/errors.js";
import { identityOfBytes, type Identity } from "../evidence/identity.js";
import { finding, identityRule, runRules } from "../evidence/rules/index.js";
import { writeChecksums } from "../evidence/seal.js";
import { throwOnFindings, walkTree } from "../evidence/walk.js";
import { demoFileFindings, readReleaseSet, releaseSetFindings, type ReleaseDirs, type ReleaseSet } from "../release/set.js";
import { renderCitation, renderPaper } from "./render.js";
import { PAPER_FILES, paperPackageReport, type PaperMetadata, type PaperPackage } from "./schema.js";

export interface PaperDraftOptions extends ReleaseDirs {
  paperDir: string;
  metadata: PaperMetadata;
  env?: NodeJS.ProcessEnv;
}

export interface PaperDraftResult {
  ok: boolean;
  findings: Finding[];
  package?: PaperPackage;
  files?: Identity[];
  /** True when an earlier draft's Generated time was kept (nothing it cites changed). */
  reused?: boolean;
}

const OWN_FILES = new Set<string>(Object.values(PAPER_FILES));

/** Everything the draft would say, before it is written: the findings that refuse it, or its package. */
export async function paperFindings(dirs: ReleaseDirs, set: ReleaseSet): Promise<Finding[]> {
  const demoFiles = [...set.demo.input_files.map((f) => f.file), ...set.demo.output_files.flatMap((f) => (f.file ? [f.file] : []))];
  const identities = await runRules([
    identityRule({ expected: demoFiles.map((f) => ({ ...f, path: `demo/${f.path}`, abs: join(dirs.demoDir, f.path) })), claimedBy: "demo/terminal_demo_manifest.json", concurrency: 1 }),
  ]);
  const failed = set.demo.status === "ok" ? [] : [finding("RUN_FAILED", "demo/terminal_demo_manifest.json", `the recorded demo run failed (${set.demo.problems.join(" ")}); a paper cites a demo that ran.`, { field: "/status" })];
  return [...releaseSetFindings(set), ...identities.findings, ...(await demoFileFindings(dirs.demoDir, set.demo, "demo/")), ...failed];
}

export function paperBody(set: ReleaseSet, metadata: PaperMetadata) {
  const { kind: _kind, ...described } = metadata;
  return {
    release_id: set.model.release_id,
    version: set.model.version,
    model_id: set.modelId,
    dataset_snapshot: set.snapshotId,
    commit: set.model.commit,
    run_id: set.run.run_id,
    metadata: described,
    dataset: { name: set.dataset.dataset.name, version: set.dataset.dataset.version, splits: set.dataset.splits.map((s) => ({ name: s.name, records: s.records })) },
    demo: {
      status: set.demo.status,
      exit_code: set.demo.run.exit_code,
      command: set.demo.command,
      inputs: set.demo.input_files.map((i) => ({ name: i.name, path: i.file.path, summary: i.summary })),
      outputs: set.demo.output_files.map((o) => ({ name: o.name, path: o.file?.path ?? null, summary: o.summary })),
    },
    cites: set.cited,
    documents: [] as Identity[],
  };
}

/** An earlier draft in the paper directory, when bindery wrote it. */
async function earlierPackage(paperDir: string): Promise<PaperPackage | undefined> {
  try {
    return (await readReport(paperPackageReport, join(paperDir, PAPER_FILES.package), PAPER_FILES.package)).value;
  } catch {
    return undefined;
  }
}

const withoutTime = (pkg: PaperPackage) => canonicalJson({ ...pkg, generated_at: "", documents: [] });

export async function paperDraft(options: PaperDraftOptions): Promise<PaperDraftResult> {
  const paperDir = resolve(options.paperDir);
  if (existsSync(paperDir)) {
    const foreign = throwOnFindings(walkTree(paperDir, { policy: "filename" }), paperDir).filter((f) => !OWN_FILES.has(f.path));
    if (foreign.length > 0) {
      throw new BinderyError("OUTPUT_EXISTS", `${options.paperDir} holds files bindery did not write (${foreign.map((f) => f.path).join(", ")}); a paper directory holds only the draft's own files.`, {
        hint: "Choose an empty or new --paper-dir.",
      });
    }
  }
  const set = await readReleaseSet(options);
  const findings = await paperFindings(options, set);
  if (findings.some((f) => f.severity === "error")) return { ok: false, findings };

  const pkg = buildReport(paperPackageReport, { inputs: set.cited, body: paperBody(set, options.metadata), ...(options.env ? { env: options.env } : {}) });
  // An unchanged draft keeps its Generated time, so it re-renders byte for byte.
  const earlier = await earlierPackage(paperDir);
  const reused = earlier !== undefined && withoutTime(earlier) === withoutTime(pkg);
  if (reused) pkg.generated_at = earlier.generated_at;
  const draft = renderPaper(pkg, set.evalReport);
  const citation = renderCitation(pkg);
  pkg.documents = [identityOfBytes(PAPER_FILES.citation, citation)];

  await writeFileAtomic(join(paperDir, PAPER_FILES.citation), citation);
  await writeFileAtomic(join(paperDir, PAPER_FILES.package), prettyJson(pkg));
  await writeFileAtomic(join(paperDir, PAPER_FILES.draft), draft);
  await rm(join(paperDir, PAPER_FILES.sums), { force: true });
  const sums = await writeChecksums({ dir: paperDir });
  return { ok: true, findings: [], package: pkg, files: sums.files, reused };
}
