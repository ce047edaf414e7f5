/**
 * `bindery hub publish`: carries out a plan so that it can be interrupted and re-run safely.
 * Before any request: the plan is bindery's and not fixture evidence, the credentials are there,
 * and every source file is re-hashed against the plan. Then each Hub repository and the GitHub
 * release are reconciled and published; a failure on one does not stop the others, and every
 * error is reported at the end.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { buildReport } from "../evidence/envelope.js";
import { BinderyError } from "../evidence/errors.js";
import { identitiesOf, type Identity } from "../evidence/identity.js";
import { retryingFetch, retryPolicyFromEnv, type RetryPolicy } from "./http.js";
import { changelogSection, publishGitHubRelease, type GitHubOutcome } from "./publish-github.js";
import { publishHubRepo, type FileOutcome, type HubRepoOutcome } from "./publish-hub.js";
import { hubPublishReport, type HubPublishReport, type HubReleasePlan, type PlanEntry } from "./schema.js";

export interface PublishOptions {
  plan: HubReleasePlan;
  planIdentity: Identity;
  /** The directory the plan's roots are relative to (the config file's directory). */
  base: string;
  env?: NodeJS.ProcessEnv;
  retry?: RetryPolicy;
}

export interface PublishResult {
  ok: boolean;
  report: HubPublishReport;
}

/** The bytes on disk must still be the planned bytes, all of them, before anything is sent. */
async function checkSources(plan: HubReleasePlan, locate: (e: PlanEntry) => string, base: string): Promise<void> {
  const byRoot = new Map<string, PlanEntry[]>();
  for (const e of plan.entries) byRoot.set(e.source.root!, [...(byRoot.get(e.source.root!) ?? []), e]);
  const problems: string[] = [];
  for (const [root, entries] of byRoot) {
    const dir = resolve(base, plan.roots[root]!);
    const unique = [...new Map(entries.map((e) => [e.source.path, e])).values()];
    const missing = unique.filter((e) => !existsSync(locate(e)));
    for (const e of missing) problems.push(`${root}/${e.source.path} does not exist`);
    const present = unique.filter((e) => existsSync(locate(e)));
    const now = await identitiesOf(dir, present.map((e) => e.source.path));
    present.forEach((e, i) => {
      if (now[i]!.sha256 !== e.source.sha256 || now[i]!.size !== e.source.size) {
        problems.push(`${root}/${e.source.path} is sha256 ${now[i]!.sha256} (${now[i]!.size} bytes), but the plan says ${e.source.sha256} (${e.source.size} bytes)`);
      }
    });
  }
  if (problems.length > 0) {
    throw new BinderyError("IDENTITY_MISMATCH", `${problems.length} source file${problems.length === 1 ? "" : "s"} changed since the plan, so nothing was sent: ${problems.slice(0, 5).join("; ")}${problems.length > 5 ? "; ..." : ""}.`, {
      hint: "Verify and plan again (bindery hub plan).",
    });
  }
}

export function credential(env: NodeJS.ProcessEnv, name: "HF_TOKEN" | "GITHUB_TOKEN"): string {
  const value = env[name];
  if (!value) throw new BinderyError("CREDENTIALS_MISSING", `${name} is not set; publishing needs it (credentials come only from the environment).`, { exitCode: 3 });
  if (name === "HF_TOKEN" && !value.startsWith("hf_")) throw new BinderyError("CREDENTIALS_MISSING", "HF_TOKEN does not look like a Hugging Face token (they start with hf_).", { exitCode: 3 });
  return value;
}

export async function publishPlan(options: PublishOptions): Promise<PublishResult> {
  const { plan, base } = options;
  const env = options.env ?? process.env;
  if (plan.fixture) throw new BinderyError("FIXTURE_EVIDENCE", "the plan was built from fixture evidence, which is never published.", { exitCode: 1 });
  const locate = (e: PlanEntry) => join(resolve(base, plan.roots[e.source.root!]!), e.source.path);
  const hubToken = credential(env, "HF_TOKEN");
  const githubToken = credential(env, "GITHUB_TOKEN");
  await checkSources(plan, locate, base);

  const http = retryingFetch({ ...retryPolicyFromEnv(env), ...options.retry });
  const hubOutcomes: HubRepoOutcome[] = [];
  for (const repo of plan.repos) {
    const entries = plan.entries.filter((e) => e.target.platform === "hub" && e.target.repo === repo.repo && e.target.repo_type === repo.repo_type);
    hubOutcomes.push(await publishHubRepo({ plan, repo, entries, locate, token: hubToken, http }));
  }
  const changelogPath = join(base, "CHANGELOG.md");
  const section = existsSync(changelogPath) ? changelogSection(await readFile(changelogPath, "utf8"), plan.release.version) : undefined;
  const notes = section ?? `Release ${plan.release.id} (version ${plan.release.version}).`;
  const githubOutcomes: GitHubOutcome[] = [];
  for (const release of plan.releases) {
    const entries = plan.entries.filter((e) => e.target.platform === "github" && e.target.repo === release.repo && e.target.tag === release.tag);
    githubOutcomes.push(await publishGitHubRelease({ plan, release, entries, locate, notes, token: githubToken, http }));
  }

  const fileRow = (repo: string) => (f: FileOutcome) => ({
    source: f.entry?.source ?? null,
    target: f.entry?.target ?? null,
    path: f.entry ? null : (f.path ?? null),
    repo,
    outcome: f.outcome,
    remote: f.remote,
    error: f.error ?? null,
  });
  const files = [...hubOutcomes.flatMap((h) => h.files.map(fileRow(h.repo))), ...githubOutcomes.flatMap((g) => g.files.map(fileRow(g.repo)))];
  const errors = [...hubOutcomes.flatMap((h) => h.errors), ...githubOutcomes.flatMap((g) => g.errors), ...files.filter((f) => f.outcome === "failed").map((f) => `${f.repo}: ${f.error}`)];
  const ok = errors.length === 0 && githubOutcomes.every((g) => g.published) && hubOutcomes.every((h) => h.tag.commit !== null);
  const report = buildReport(hubPublishReport, {
    inputs: [options.planIdentity],
    body: {
      ok,
      plan: options.planIdentity,
      release: { id: plan.release.id, version: plan.release.version, tag: plan.release.tag },
      files,
      hub: hubOutcomes.map(({ repo, repo_type, parent, commits, tag }) => ({ repo, repo_type, parent, commits, tag })),
      github: githubOutcomes.map(({ repo, tag, release_id, url, created, published, immutable }) => ({ repo, tag, release_id, url, created, published, immutable, notes: section ? ("changelog" as const) : ("generated" as const) })),
      transfer: { bytes_sent: http.payloadBytes, request_bytes: http.bytesSent, requests: http.requests, retries: http.retries },
      errors: [...new Set(errors)],
    },
    env,
  });
  return { ok, report };
}
