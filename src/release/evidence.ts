/**
 * The publication's evidence files, and their upload to the separate evidence release (the
 * configured evidence tag), so an auditor can fetch them with nothing but URLs. The upload goes
 * through the same GitHub publisher as the release: draft, upload, check every digest, publish.
 */
import { existsSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { BinderyError } from "../evidence/errors.js";
import { identitiesOf, type RootedIdentity } from "../evidence/identity.js";
import { githubAssetName } from "../hub/limits.js";
import { retryingFetch } from "../hub/http.js";
import { publishGitHubRelease, type GitHubOutcome } from "../hub/publish-github.js";
import type { HubReleasePlan, PlanEntry } from "../hub/schema.js";
import { EVIDENCE_NAMES, type PublicationReport } from "./publication.js";

export interface EvidenceAsset {
  name: string;
  file: string;
  identity: RootedIdentity;
}

/**
 * The evidence to publish: the plan, the publish, candidate, replay and publication reports, and
 * the replayed demo's manifest, transcript and outputs (from the replay's output directory).
 */
export async function evidenceAssets(files: { plan: string; publishReport: string; candidate: string; replay: string; publication: string; signatures?: string }): Promise<EvidenceAsset[]> {
  const named: [string, string][] = [
    [EVIDENCE_NAMES.plan, files.plan],
    [EVIDENCE_NAMES.publish, files.publishReport],
    [EVIDENCE_NAMES.candidate, files.candidate],
    [EVIDENCE_NAMES.replay, files.replay],
    [EVIDENCE_NAMES.publication, files.publication],
  ];
  const demo = join(dirname(files.replay), "replay", "demo");
  if (existsSync(demo)) {
    const { walkTree } = await import("../evidence/walk.js");
    for (const f of walkTree(demo).files) {
      if (f.path === "terminal_demo_manifest.json" || f.path === "transcript.md" || f.path.startsWith("outputs/")) named.push([githubAssetName(`replay.${f.path}`), f.abs]);
    }
  }
  if (files.signatures) {
    // The signing directory as it is: signatures.json, the bundles, copies of signed files published nowhere else.
    const { walkTree } = await import("../evidence/walk.js");
    const walked = walkTree(files.signatures).files;
    if (!walked.some((f) => f.path === "signatures.json")) throw new BinderyError("INPUT_INVALID", `--signatures ${files.signatures} holds no signatures.json; write it with bindery sign --from-publication.`);
    for (const f of walked) named.push([githubAssetName(f.path.replace(/\//g, ".")), f.abs]);
  }
  const out: EvidenceAsset[] = [];
  for (const [name, file] of named) {
    const [identity] = await identitiesOf(dirname(file), [basename(file)]);
    out.push({ name, file, identity: { ...identity!, path: name, root: "release" } });
  }
  return out;
}

/** Publishes the evidence assets to the evidence release and checks them back by digest. */
export async function uploadEvidence(options: { plan: HubReleasePlan; publication: PublicationReport; assets: readonly EvidenceAsset[]; token: string }): Promise<GitHubOutcome> {
  const { repo, tag, assets_url } = options.publication.evidence_release;
  const entries: PlanEntry[] = options.assets.map((a) => ({ source: a.identity, target: { platform: "github", repo, tag, asset: a.name }, url: `${assets_url}/${encodeURIComponent(a.name)}` }));
  const files = new Map(options.assets.map((a) => [a.name, a.file]));
  return publishGitHubRelease({
    plan: options.plan,
    release: { platform: "github", repo, tag, url: `${options.plan.endpoints.github_web}/${repo}/releases/tag/${encodeURIComponent(tag)}`, assets: options.assets.map((a) => a.name) },
    entries,
    locate: (e) => files.get(e.target.platform === "github" ? e.target.asset : "")!,
    notes: `Evidence of release ${options.plan.release.id} (tag ${options.plan.release.tag}): the plan, the publish report, the release-candidate report, the clean-machine replay and the publication report.`,
    token: options.token,
    http: retryingFetch(),
  });
}
