/**
 * `bindery hub plan`: the dry run. The release set is verified as a release first; then every file
 * is given its destination (a Hub model or dataset repository path, or a GitHub release asset),
 * its identity and its public URL; each Hub repository's complete file set at the tag is stated,
 * with deletions for files an earlier release left there; and the plan is checked against the
 * platforms' limits. No credentials are needed.
 */
import { readFile } from "node:fs/promises";
import { join, posix, relative, resolve } from "node:path";
import type { ReleaseSettings } from "../config/settings.js";
import { buildReport, decide, type CheckRow } from "../evidence/envelope.js";
import { BinderyError, inputError, type Finding } from "../evidence/errors.js";
import { identitiesOf, type RootedIdentity } from "../evidence/identity.js";
import { sortByPath } from "../evidence/paths.js";
import { findingsOfChecks } from "../evidence/envelope.js";
import { parseSums } from "../evidence/sha256sums.js";
import { verifyRelease } from "../release/verify.js";
import { RUN_FILES } from "../training/schema.js";
import { workTreeState } from "../training/run.js";
import { githubAssetName, isHubLfs, PLATFORM_LIMITS, type PlatformLimits } from "./limits.js";
import { readRemoteFiles } from "./remote.js";
import { hubReleasePlan, type HubReleasePlan, type HubRepoType, type PlanEntry } from "./schema.js";

export interface PlanOptions {
  settings: ReleaseSettings;
  /** Do not read the Hub repositories' current files (no deletions can be planned). */
  offline?: boolean;
  limits?: PlatformLimits;
  env?: NodeJS.ProcessEnv;
}

export interface PlanResult {
  ok: boolean;
  findings: Finding[];
  plan?: HubReleasePlan;
}

type Root = "model" | "run" | "dataset" | "demo" | "paper";

/** The files a checksum file lists, plus the checksum file itself, hashed now. */
async function sealedFiles(dir: string, sumsName: string, root: Root): Promise<RootedIdentity[]> {
  let bytes: Buffer;
  try {
    bytes = await readFile(join(dir, sumsName));
  } catch (error) {
    throw inputError(error, `${root}/${sumsName}`);
  }
  const parsed = parseSums(bytes, sumsName);
  const identities = await identitiesOf(dir, [...parsed.entries.map((e) => e.path), sumsName]);
  return identities.map((i) => ({ ...i, root }));
}

const hubUrl = (endpoint: string, type: HubRepoType, repo: string, tag: string, path?: string) =>
  `${endpoint}/${type === "dataset" ? "datasets/" : ""}${repo}${path === undefined ? "" : `/resolve/${encodeURIComponent(tag)}/${path.split("/").map(encodeURIComponent).join("/")}`}`;

/** Direct children per folder (files and subfolders), for the Hub's entries-per-folder limit. */
function largestFolder(paths: readonly string[]): { folder: string; entries: number } {
  const children = new Map<string, Set<string>>();
  for (const path of paths) {
    const parts = path.split("/");
    for (let depth = 0; depth < parts.length; depth += 1) {
      const folder = parts.slice(0, depth).join("/");
      if (!children.has(folder)) children.set(folder, new Set());
      children.get(folder)!.add(parts[depth]!);
    }
  }
  let best = { folder: "", entries: 0 };
  for (const [folder, set] of children) if (set.size > best.entries) best = { folder, entries: set.size };
  return best;
}

export async function planRelease(options: PlanOptions): Promise<PlanResult> {
  const s = options.settings;
  const env = options.env ?? process.env;
  const limits = options.limits ?? PLATFORM_LIMITS;
  if (!s.hub) throw new BinderyError("USAGE", "no Hub repositories: name hub.model_repo and hub.dataset_repo in bindery.yaml, or pass --model-repo and --dataset-repo.");
  if (!s.github) throw new BinderyError("USAGE", "no GitHub release: name github.repo and github.tag in bindery.yaml, or pass --github-repo and --tag.");
  if (!s.dirs.paper) throw new BinderyError("USAGE", "no paper directory: name packages.paper in bindery.yaml, or pass --paper-dir; a release publishes its paper draft.");
  if (!s.dirs.training) throw new BinderyError("USAGE", "no training run directory: name packages.training in bindery.yaml, or pass --run-dir; a release publishes its training evidence.");

  // Only a release that verifies is planned.
  const verdict = await verifyRelease({
    modelDir: s.dirs.model,
    datasetDir: s.dirs.dataset,
    demoDir: s.dirs.demo,
    paperDir: s.dirs.paper,
    runDir: s.dirs.training,
    releaseId: s.releaseId,
    version: s.version,
    release: true,
  });
  if (!verdict.ok) return { ok: false, findings: verdict.findings };

  const tag = s.github.tag;
  const endpoints = { hub: s.endpoints.hub, github_api: s.endpoints.githubApi, github_web: s.endpoints.githubWeb };
  const entries: PlanEntry[] = [];
  const checks: CheckRow[] = [];
  const limit = (id: string, ok: boolean, detail: string) => checks.push({ id, ok, detail, issue_refs: ["PLAN_LIMIT"] });

  // Hub repositories: the model (with the training run under training/) and the dataset.
  const model = await sealedFiles(s.dirs.model, "SHA256SUMS", "model");
  const run = await sealedFiles(s.dirs.training, RUN_FILES.sums, "run");
  const dataset = await sealedFiles(s.dirs.dataset, "SHA256SUMS", "dataset");
  const hubRepos: { type: HubRepoType; repo: string; files: { source: RootedIdentity; path: string }[] }[] = [
    {
      type: "model",
      repo: s.hub.modelRepo,
      files: [
        ...model.map((source) => ({ source, path: source.path })),
        ...model.filter((f) => f.path === "model_card.md").map((source) => ({ source, path: "README.md" })),
        ...run.map((source) => ({ source, path: `training/${source.path}` })),
      ],
    },
    {
      type: "dataset",
      repo: s.hub.datasetRepo,
      files: [...dataset.map((source) => ({ source, path: source.path })), ...dataset.filter((f) => f.path === "data_card.md").map((source) => ({ source, path: "README.md" }))],
    },
  ];
  const repos: HubReleasePlan["repos"] = [];
  for (const r of hubRepos) {
    // One destination, one identity: the run's files copied into the model package must be the same bytes.
    const byPath = new Map<string, { source: RootedIdentity; path: string }>();
    for (const f of r.files) {
      const earlier = byPath.get(f.path);
      if (earlier && earlier.source.sha256 !== f.source.sha256) {
        throw new BinderyError("DISAGREEMENT", `${r.repo}: ${f.path} would be both ${earlier.source.root}/${earlier.source.path} and ${f.source.root}/${f.source.path}, which differ.`, { exitCode: 1 });
      }
      if (!earlier) byPath.set(f.path, f);
    }
    const files = sortByPath([...byPath.values()], (f) => f.path);
    files.forEach((f, i) =>
      entries.push({
        source: f.source,
        target: { platform: "hub", repo_type: r.type, repo: r.repo, path: f.path, lfs: isHubLfs(f.path, f.source.size), batch: Math.floor(i / limits.hubFilesPerCommit) },
        url: hubUrl(endpoints.hub, r.type, r.repo, tag, f.path),
      }),
    );
    const paths = files.map((f) => f.path);
    const remote = options.offline ? { read: false, exists: null, files: [] as string[] } : { read: true, ...(await readRemoteFiles({ endpoint: endpoints.hub, type: r.type, repo: r.repo, env })) };
    const planned = new Set(paths);
    const deletions = sortByPath(remote.files.filter((p) => p !== ".gitattributes" && !planned.has(p)), (p) => p);
    repos.push({
      platform: "hub",
      repo_type: r.type,
      repo: r.repo,
      url: hubUrl(endpoints.hub, r.type, r.repo, tag),
      tag,
      remote: { read: remote.read, exists: remote.exists },
      files: paths,
      deletions,
      batches: Math.max(1, Math.ceil((paths.length + deletions.length) / limits.hubFilesPerCommit)),
    });
    limit(`hub:${r.type}:files-per-repo`, paths.length <= limits.hubFilesPerRepo, `${r.repo} would hold ${paths.length} files (limit ${limits.hubFilesPerRepo} files per repository).`);
    const folder = largestFolder(paths);
    limit(`hub:${r.type}:entries-per-folder`, folder.entries <= limits.hubEntriesPerFolder, `the largest folder of ${r.repo}, ${folder.folder === "" ? "its root" : `${folder.folder}/`}, would hold ${folder.entries} entries (limit ${limits.hubEntriesPerFolder} entries per folder).`);
    const biggest = files.reduce((a, b) => (b.source.size > a.source.size ? b : a), files[0]!);
    limit(`hub:${r.type}:file-size`, biggest.source.size <= limits.hubFileBytes, `the largest file of ${r.repo}, ${biggest.path}, is ${biggest.source.size} bytes (limit ${limits.hubFileBytes} bytes per file).`);
  }

  // The GitHub release: the demo and paper packages, one asset per file.
  const assets = [...(await sealedFiles(s.dirs.demo, "SHA256SUMS", "demo")), ...(await sealedFiles(s.dirs.paper, "SHA256SUMS", "paper"))];
  const names = new Map<string, RootedIdentity>();
  for (const source of assets) {
    const asset = githubAssetName(`${source.root}.${source.path}`);
    const clash = names.get(asset);
    if (clash) {
      throw new BinderyError("DISAGREEMENT", `${source.root}/${source.path} and ${clash.root}/${clash.path} would both be the release asset ${asset}; rename one.`, { exitCode: 1 });
    }
    names.set(asset, source);
    entries.push({
      source,
      target: { platform: "github", repo: s.github.repo, tag, asset },
      url: `${endpoints.github_web}/${s.github.repo}/releases/download/${encodeURIComponent(tag)}/${encodeURIComponent(asset)}`,
    });
  }
  limit("github:assets-per-release", names.size <= limits.githubAssetsPerRelease, `the release ${tag} would hold ${names.size} assets (limit ${limits.githubAssetsPerRelease} assets per release).`);
  const largestAsset = assets.reduce((a, b) => (b.size > a.size ? b : a), assets[0]!);
  limit("github:asset-size", largestAsset.size <= limits.githubAssetBytes, `the largest asset, ${largestAsset.root}/${largestAsset.path}, is ${largestAsset.size} bytes (limit ${limits.githubAssetBytes} bytes per asset).`);

  const decision = decide(checks);
  if (!decision.ok) return { ok: false, findings: findingsOfChecks(checks, "the plan") };

  const base = s.base;
  const roots = Object.fromEntries(
    (["model", "run", "dataset", "demo", "paper"] as const).map((root) => [root, relative(base, resolve(root === "run" ? s.dirs.training! : s.dirs[root]!)) || "."]),
  );
  const local = (source: RootedIdentity) => posix.join(roots[source.root!]!, source.path);
  const hubEntries = entries.filter((e) => e.target.platform === "hub");
  const lfsFiles = hubEntries.filter((e) => e.target.platform === "hub" && e.target.lfs).length;
  const commits = repos.reduce((sum, r) => sum + r.batches, 0);
  const plan = buildReport(hubReleasePlan, {
    inputs: [...model, ...run, ...dataset, ...assets].filter((i) => i.path === "SHA256SUMS" || i.path === RUN_FILES.sums),
    body: {
      release: { id: s.releaseId, version: s.version, commit: s.commit, tag, evidence_tag: s.github.evidenceTag },
      endpoints,
      roots,
      repos,
      releases: [{ platform: "github", repo: s.github.repo, tag, url: `${endpoints.github_web}/${s.github.repo}/releases/tag/${encodeURIComponent(tag)}`, assets: [...names.keys()] }],
      entries,
      preflight: {
        ...decision,
        forecast: {
          files: entries.length,
          bytes: entries.reduce((sum, e) => sum + e.source.size, 0),
          lfs_files: lfsFiles,
          commits,
          // Per Hub repo: create, list, preupload per 100 files, one LFS batch, a PUT per LFS file,
          // the commits, the tag. GitHub: find or create the release, one upload per asset, publish.
          api_calls:
            repos.reduce((sum, r) => sum + 2 + Math.ceil(r.files.length / 100) + 1 + r.batches + 1, 0) + lfsFiles + 2 + names.size + 1,
        },
      },
      commands: entries.map((e) =>
        e.target.platform === "hub"
          ? ["hf", "upload", e.target.repo, local(e.source), e.target.path, "--repo-type", e.target.repo_type]
          : ["gh", "api", "--method", "POST", "-H", "Content-Type: application/octet-stream", "--input", local(e.source), `https://uploads.github.com/repos/${e.target.repo}/releases/{release_id}/assets?name=${encodeURIComponent(e.target.asset)}`],
      ),
    },
    env,
  });
  return { ok: true, findings: [], plan };
}
