/**
 * `bindery release candidate`: nothing is taken on trust after publishing. The plan is embedded
 * whole; the local evidence is verified again and bound; the public links must answer without
 * credentials; the file sets at the release tag's commit (Hub) and in the release (GitHub) must
 * equal the plan exactly; and every planned file is downloaded anonymously and hashed. The hosts'
 * own digests are recorded, never trusted alone.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { ReleaseSettings } from "../config/settings.js";
import { prettyJson } from "../evidence/canonical-json.js";
import { buildReport, decide, readReport, type CheckRow } from "../evidence/envelope.js";
import { BinderyError } from "../evidence/errors.js";
import { identityOfBytes, type Identity, type RootedIdentity } from "../evidence/identity.js";
import { downloadAndHash } from "../hub/download.js";
import { hubPublishReport, hubReleasePlan, type HubReleasePlan, type PlanEntry } from "../hub/schema.js";
import { verifyRelease } from "./verify.js";
import { candidateReport, type CandidateReport } from "./candidate-schema.js";
import { PAPER_FILES } from "../paper/schema.js";
import { RUN_FILES } from "../training/schema.js";
import { identitiesOf } from "../evidence/identity.js";
import { bindModelEvalToSuite } from "../suite/bind-model.js";
import { evaluateTargets } from "../gate/targets.js";

export interface CandidateOptions {
  settings: ReleaseSettings;
  planFile: string;
  publishReportFile?: string;
  /** suite_report.json: the metrics files eval_metrics.json cites must be outputs it recorded. */
  suiteReportFile?: string;
  /** Scope decisions (bindery scope accept) for the config's targets. */
  scopeFiles?: readonly string[];
  /** Skip every request (allowed only with allowFixture; the report is then never ready). */
  skipPublicChecks?: boolean;
  allowFixture?: boolean;
  env?: NodeJS.ProcessEnv;
}

type Row = Omit<CheckRow, "issue_refs">;

async function status(url: string): Promise<number | null> {
  try {
    const response = await fetch(url, { redirect: "follow" });
    await response.arrayBuffer().catch(() => undefined);
    return response.status;
  } catch {
    return null;
  }
}

export async function releaseCandidate(options: CandidateOptions): Promise<CandidateReport> {
  const s = options.settings;
  if (options.skipPublicChecks && !options.allowFixture) {
    throw new BinderyError("USAGE", "--skip-public-checks is accepted only with --allow-fixture: a candidate without public checks is fixture evidence, never ready.");
  }
  const planRead = await readReport(hubReleasePlan, options.planFile, options.planFile);
  const plan = planRead.value;
  const planIdentity = identityOfBytes("hub_release_plan.json", planRead.bytes);
  const rows: Row[] = [];
  const row = (id: string, ok: boolean, detail: string) => rows.push({ id, ok, detail });

  // The plan: bindery's (readReport checked), this release's, and its embedding re-serializes to its bytes.
  const same = plan.release.id === s.releaseId && plan.release.version === s.version && (!s.github || plan.release.tag === s.github.tag);
  const reserialized = prettyJson(plan) === planRead.bytes.toString("utf8");
  row("plan", same && reserialized, same ? (reserialized ? `the plan is release ${plan.release.id}, tag ${plan.release.tag}, ${plan.entries.length} files.` : "the plan file is not in bindery's own form, so its embedding would not re-serialize to its bytes.") : `the plan is release ${plan.release.id} ${plan.release.version} (tag ${plan.release.tag}), but the config names ${s.releaseId} ${s.version}${s.github ? ` (tag ${s.github.tag})` : ""}.`);

  // The publish report, when given, must be bindery's, of this plan, and ok.
  let publishIdentity: Identity | null = null;
  let taggedCommits = new Map<string, string | null>();
  if (options.publishReportFile) {
    const read = await readReport(hubPublishReport, options.publishReportFile, options.publishReportFile);
    publishIdentity = identityOfBytes("hub_publish_report.json", read.bytes);
    const boundPlan = read.value.plan.sha256 === planIdentity.sha256;
    row("publish-report", boundPlan && read.value.ok, !boundPlan ? `the publish report carried out plan ${read.value.plan.sha256}, not this plan (${planIdentity.sha256}).` : read.value.ok ? `published: ${read.value.files.length} files, report ok.` : `the publish report is not ok: ${read.value.errors.length} errors.`);
    taggedCommits = new Map(read.value.hub.map((h) => [`${h.repo_type}:${h.repo}`, h.tag.commit]));
  }

  // The local evidence, verified again as a release, and bound by identity.
  const verdict = await verifyRelease({
    modelDir: s.dirs.model,
    datasetDir: s.dirs.dataset,
    demoDir: s.dirs.demo,
    ...(s.dirs.paper ? { paperDir: s.dirs.paper } : {}),
    ...(s.dirs.training ? { runDir: s.dirs.training } : {}),
    releaseId: s.releaseId,
    version: s.version,
    release: true,
  });
  const errors = verdict.findings.filter((f) => f.severity === "error");
  row("evidence", verdict.ok, verdict.ok ? "the local release set verifies as a release." : `the local release set does not verify: ${errors.length} problems (${[...new Set(errors.map((f) => f.code))].join(", ")}).`);
  const evidence: RootedIdentity[] = [...verdict.inputs];
  if (s.dirs.training && existsSync(join(s.dirs.training, RUN_FILES.sums))) {
    for (const name of [RUN_FILES.preflight, RUN_FILES.sums]) evidence.push(...(await identitiesOf(s.dirs.training, [name])).map((i) => ({ ...i, root: "run" as const })));
  }
  if (s.dirs.paper) {
    const present = Object.values(PAPER_FILES);
    evidence.push(...(await identitiesOf(s.dirs.paper, present.filter((n) => existsSync(join(s.dirs.paper!, n))))).map((i) => ({ ...i, root: "paper" as const })));
  }

  const suite = options.suiteReportFile ? await bindModelEvalToSuite(options.suiteReportFile, s.dirs.model) : null;
  if (suite) row("suite", suite.findings.length === 0, suite.detail);

  // The config's targets, with any accepted re-scope: a rescoped row does not block, and says it did not pass.
  const targets = Object.keys(s.targets).length ? await evaluateTargets(s.targets, join(s.dirs.model, "eval_metrics.json"), `${s.dirs.model}/eval_metrics.json`, options.scopeFiles ?? []) : [];
  for (const t of targets) row(t.id, t.ok, t.status === "rescoped" ? `rescoped, not passed: ${t.message}` : t.message);
  const rescoped = targets.filter((t) => t.status === "rescoped").map((t) => t.id);

  const links: CandidateReport["links"] = [];
  const hub: CandidateReport["hub"] = [];
  const github: CandidateReport["github"] = [];
  const downloads: CandidateReport["downloads"] = [];

  if (options.skipPublicChecks) {
    row("public-checks", false, "public checks were skipped (--skip-public-checks --allow-fixture): this candidate is not ready.");
  } else {
    await publicChecks(plan, s.paperUrl, taggedCommits, row, { links, hub, github, downloads });
  }

  const checks: CheckRow[] = rows.map((r) => ({ ...r, issue_refs: s.issueRefs[r.id] ?? [] }));
  const decision = decide(checks);
  return buildReport(candidateReport, {
    inputs: [planIdentity, ...(publishIdentity ? [publishIdentity] : []), ...(suite ? [suite.identity] : []), ...evidence],
    fixture: options.skipPublicChecks === true,
    body: {
      ready: decision.ok,
      checks: decision.checks,
      blockers: decision.blockers,
      ...(rescoped.length ? { rescoped } : {}),
      release: { id: plan.release.id, version: plan.release.version, tag: plan.release.tag },
      plan: JSON.parse(planRead.bytes.toString("utf8")),
      plan_identity: planIdentity,
      publish_report: publishIdentity,
      evidence,
      public_checks: options.skipPublicChecks ? "skipped" : "done",
      links,
      hub,
      github,
      downloads,
    },
    ...(options.env ? { env: options.env } : {}),
  });
}

/** Links, file sets at the tag, and every planned file downloaded and hashed, without credentials. */
export async function publicChecks(
  plan: HubReleasePlan,
  configuredPaperUrl: string | undefined,
  taggedCommits: Map<string, string | null>,
  row: (id: string, ok: boolean, detail: string) => void,
  out: Pick<CandidateReport, "links" | "hub" | "github" | "downloads">,
): Promise<void> {
  const { listCommits, listFiles } = await import("@huggingface/hub");
  const hubUrl = plan.endpoints.hub;
  const link = async (id: string, url: string, what: string) => {
    const code = await status(url);
    const ok = code !== null && code >= 200 && code < 300;
    out.links.push({ id, url, status: code, ok });
    row(id, ok, ok ? `${what} answers without credentials (HTTP ${code}).` : `${what} does not answer without credentials (${code === null ? "no connection" : `HTTP ${code}`}): ${url}`);
  };

  for (const repo of plan.repos) {
    const type = repo.repo_type;
    const designation = { type, name: repo.repo };
    await link(`link:hub:${type}`, `${hubUrl}/api/${type}s/${repo.repo}`, `the Hub ${type} repository ${repo.repo}`);
    // The tag's commit, then the file set as of that commit.
    let commit: string | null = null;
    try {
      for await (const c of listCommits({ repo: designation, revision: repo.tag, batchSize: 1, hubUrl })) {
        commit = c.oid;
        break;
      }
    } catch {
      commit = null;
    }
    const published = taggedCommits.get(`${type}:${repo.repo}`);
    const tagOk = commit !== null && (published === undefined || published === commit);
    row(
      `tag:hub:${type}`,
      tagOk,
      commit === null ? `the tag ${repo.tag} does not resolve on ${repo.repo}.` : tagOk ? `the tag ${repo.tag} of ${repo.repo} is commit ${commit}.` : `the tag ${repo.tag} of ${repo.repo} is commit ${commit}, but publishing tagged ${published}: the tag moved.`,
    );
    const present: string[] = [];
    if (commit) for await (const f of listFiles({ repo: designation, revision: commit, recursive: true, hubUrl })) if (f.type === "file" && f.path !== ".gitattributes") present.push(f.path);
    const missing = repo.files.filter((p) => !present.includes(p));
    const unexpected = present.filter((p) => !repo.files.includes(p)).sort();
    out.hub.push({ repo: repo.repo, repo_type: type, tag: repo.tag, commit, missing, unexpected });
    row(`files:hub:${type}`, commit !== null && missing.length === 0 && unexpected.length === 0, fileSetDetail(`${repo.repo} at ${repo.tag}`, repo.files.length, missing, unexpected));
    const entries = plan.entries.filter((e) => e.target.platform === "hub" && e.target.repo === repo.repo && e.target.repo_type === type);
    await downloadAll(`bytes:hub:${type}`, `${repo.repo} at ${repo.tag}`, entries, row, out);
  }

  for (const release of plan.releases) {
    await link("link:github:release", release.url, `the GitHub release ${release.tag} of ${release.repo}`);
    // The published release's assets, read anonymously (drafts are invisible without a token).
    let releaseId: number | null = null;
    const names: string[] = [];
    try {
      const response = await fetch(`${plan.endpoints.github_api}/repos/${release.repo}/releases/tags/${encodeURIComponent(release.tag)}`, { headers: { accept: "application/vnd.github+json" } });
      if (response.ok) {
        releaseId = ((await response.json()) as { id: number }).id;
        for (let page = 1; page <= 20; page += 1) {
          const listed = await fetch(`${plan.endpoints.github_api}/repos/${release.repo}/releases/${releaseId}/assets?per_page=100&page=${page}`, { headers: { accept: "application/vnd.github+json" } });
          const batch = ((await listed.json()) as { name: string }[]).map((a) => a.name);
          names.push(...batch);
          if (batch.length < 100) break;
        }
      }
    } catch {
      releaseId = null;
    }
    const missing = release.assets.filter((a) => !names.includes(a));
    const unexpected = names.filter((a) => !release.assets.includes(a)).sort();
    out.github.push({ repo: release.repo, tag: release.tag, release_id: releaseId, missing, unexpected });
    row("files:github:release", releaseId !== null && missing.length === 0 && unexpected.length === 0, releaseId === null ? `the published release ${release.tag} of ${release.repo} cannot be read without credentials.` : fileSetDetail(`release ${release.tag}`, release.assets.length, missing, unexpected));
    const entries = plan.entries.filter((e) => e.target.platform === "github" && e.target.repo === release.repo && e.target.tag === release.tag);
    await downloadAll("bytes:github:release", `release ${release.tag}`, entries, row, out);
  }

  // The paper: the configured URL, or else the published draft itself.
  const paperEntry = plan.entries.find((e) => e.source.root === "paper" && e.source.path === "paper.md");
  const paperUrl = configuredPaperUrl ?? paperEntry?.url;
  if (paperUrl) await link("link:paper", paperUrl, configuredPaperUrl ? "the paper URL" : "the published paper draft");
  else row("link:paper", false, "no paper URL: name paper_url in bindery.yaml, or publish the paper draft.");
}

function fileSetDetail(where: string, planned: number, missing: string[], unexpected: string[]): string {
  if (missing.length === 0 && unexpected.length === 0) return `${where} holds exactly the ${planned} planned files.`;
  const list = (xs: string[]) => `${xs.slice(0, 5).join(", ")}${xs.length > 5 ? `, and ${xs.length - 5} more` : ""}`;
  return `${where} is not the plan: ${missing.length ? `missing ${list(missing)}` : ""}${missing.length && unexpected.length ? "; " : ""}${unexpected.length ? `unexpected ${list(unexpected)}` : ""}.`;
}

async function downloadAll(id: string, where: string, entries: readonly PlanEntry[], row: (id: string, ok: boolean, detail: string) => void, out: Pick<CandidateReport, "downloads">): Promise<void> {
  const bad: string[] = [];
  for (const entry of entries) {
    const got = await downloadAndHash(entry.url);
    const ok = got.error === null && got.sha256 === entry.source.sha256 && got.size === entry.source.size;
    const name = entry.target.platform === "hub" ? entry.target.path : entry.target.asset;
    const error = got.error ?? (ok ? null : `${name} downloaded as sha256 ${got.sha256} (${got.size} bytes), but the plan says ${entry.source.sha256} (${entry.source.size} bytes).`);
    out.downloads.push({ url: entry.url, source: entry.source, sha256: got.sha256, size: got.size, advertised: got.advertised, ok, error });
    if (!ok) bad.push(got.error ? `${name} (${got.error})` : name);
  }
  row(id, bad.length === 0, bad.length === 0 ? `all ${entries.length} files of ${where} downloaded anonymously and hash to the plan.` : `${bad.length} of ${entries.length} files of ${where} are not the planned bytes: ${bad.slice(0, 5).join(", ")}${bad.length > 5 ? ", ..." : ""}.`);
}
