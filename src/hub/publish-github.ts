/**
 * Publishing a plan's GitHub release: find the release of the tag (drafts included) or create it
 * as a draft with the CHANGELOG section of the version as its notes, upload only the assets that
 * are missing or different (by digest and size), check every asset by digest, and publish only
 * then. A published release is never added to when the repository's releases are immutable.
 */
import { readFile } from "node:fs/promises";
import type { CountingFetch } from "./http.js";
import { messageOf, type FileOutcome } from "./publish-hub.js";
import type { HubReleasePlan, PlanEntry } from "./schema.js";

export interface GitHubOutcome {
  repo: string;
  tag: string;
  release_id: number | null;
  url: string | null;
  created: boolean;
  published: boolean;
  immutable: boolean;
  files: FileOutcome[];
  errors: string[];
}

interface Asset {
  id: number;
  name: string;
  size: number;
  digest?: string | null;
  browser_download_url: string;
}

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

export async function publishGitHubRelease(options: {
  plan: HubReleasePlan;
  release: HubReleasePlan["releases"][number];
  entries: readonly PlanEntry[];
  locate: (entry: PlanEntry) => string;
  notes: string;
  token: string;
  http: CountingFetch;
}): Promise<GitHubOutcome> {
  const { Octokit } = await import("@octokit/rest");
  const { release, entries } = options;
  const [owner, repo] = release.repo.split("/") as [string, string];
  const octokit = new Octokit({ auth: options.token, baseUrl: options.plan.endpoints.github_api, request: { fetch: options.http.fetch }, log: quiet });
  const out: GitHubOutcome = { repo: release.repo, tag: release.tag, release_id: null, url: null, created: false, published: false, immutable: false, files: [], errors: [] };
  const nameOf = (e: PlanEntry) => (e.target.platform === "github" ? e.target.asset : "");
  const listAssets = async (id: number): Promise<Map<string, Asset>> =>
    new Map((await octokit.paginate(octokit.rest.repos.listReleaseAssets, { owner, repo, release_id: id, per_page: 100 })).map((a) => [a.name, a as Asset]));
  const same = (asset: Asset | undefined, e: PlanEntry) => asset !== undefined && asset.size === e.source.size && asset.digest === `sha256:${e.source.sha256}`;

  try {
    const releases = await octokit.paginate(octokit.rest.repos.listReleases, { owner, repo, per_page: 100 });
    let current = releases.find((r) => r.tag_name === release.tag && !r.draft) ?? releases.find((r) => r.tag_name === release.tag);
    if (!current) {
      current = (await octokit.rest.repos.createRelease({ owner, repo, tag_name: release.tag, name: options.plan.release.id, body: options.notes, draft: true })).data;
      out.created = true;
    }
    out.release_id = current.id;
    const frozen = !current.draft && (current as { immutable?: boolean }).immutable === true;
    const uploadBase = new URL(current.upload_url.replace(/\{.*\}$/, "")).origin;

    let assets = await listAssets(current.id);
    const outcomes = new Map<string, FileOutcome>();
    for (const entry of entries) {
      const name = nameOf(entry);
      const asset = assets.get(name);
      if (same(asset, entry)) {
        outcomes.set(name, { entry, outcome: "already_present", remote: { asset_id: asset!.id, digest: asset!.digest ?? null } });
        continue;
      }
      if (frozen) {
        outcomes.set(name, { entry, outcome: "failed", remote: {}, error: `release ${release.tag} is published and immutable, so ${name} cannot be ${asset ? "replaced" : "added"}; publish later evidence to the evidence tag.` });
        continue;
      }
      try {
        if (asset) await octokit.rest.repos.deleteReleaseAsset({ owner, repo, asset_id: asset.id });
        const bytes = await readFile(options.locate(entry));
        await octokit.rest.repos.uploadReleaseAsset({
          owner,
          repo,
          release_id: current.id,
          name,
          data: bytes as unknown as string,
          baseUrl: uploadBase,
          headers: { "content-type": "application/octet-stream", "content-length": bytes.length },
        });
        outcomes.set(name, { entry, outcome: "uploaded", remote: {} });
      } catch (error) {
        // A reply lost after the upload landed: the listing below decides.
        const already = (error as { status?: number }).status === 422 && /already_exists/.test(JSON.stringify((error as { response?: { data?: unknown } }).response?.data ?? ""));
        outcomes.set(name, already ? { entry, outcome: "uploaded", remote: {} } : { entry, outcome: "failed", remote: {}, error: messageOf(error) });
      }
    }

    // Every asset checked by digest; nothing in the release that the plan does not name.
    assets = await listAssets(current.id);
    const planned = new Set(entries.map(nameOf));
    for (const [name, asset] of assets) {
      if (planned.has(name)) continue;
      if (current.draft) await octokit.rest.repos.deleteReleaseAsset({ owner, repo, asset_id: asset.id });
      else out.errors.push(`release ${release.tag} holds ${name}, which the plan does not name.`);
    }
    for (const entry of entries) {
      const name = nameOf(entry);
      const record = outcomes.get(name)!;
      if (record.outcome === "failed") continue;
      const asset = assets.get(name);
      outcomes.set(
        name,
        same(asset, entry)
          ? { ...record, remote: { asset_id: asset!.id, digest: asset!.digest ?? null, url: asset!.browser_download_url } }
          : { ...record, outcome: "failed", error: `${name} in release ${release.tag} is not the planned bytes (sha256 ${entry.source.sha256}, ${entry.source.size} bytes; the release has ${asset ? `${asset.digest}, ${asset.size} bytes` : "no such asset"}).` },
      );
    }
    out.files = [...outcomes.values()];

    if (out.files.every((f) => f.outcome !== "failed") && out.errors.length === 0) {
      if (current.draft) current = (await octokit.rest.repos.updateRelease({ owner, repo, release_id: current.id, draft: false })).data;
      out.published = !current.draft;
    }
    out.url = current.html_url;
    out.immutable = (current as { immutable?: boolean }).immutable === true;
  } catch (error) {
    out.errors.push(`GitHub release ${release.tag} of ${release.repo}: ${messageOf(error)}`);
    const done = new Set(out.files.map((f) => f.entry && nameOf(f.entry)));
    for (const entry of entries) if (!done.has(nameOf(entry))) out.files.push({ entry, outcome: "failed", remote: {}, error: messageOf(error) });
  }
  return out;
}

/** The `## [VERSION]` (or `## VERSION`) section of a Keep a Changelog file, without its heading. */
export function changelogSection(text: string, version: string): string | undefined {
  const lines = text.split("\n");
  const escaped = version.replace(/[.+]/g, "\\$&");
  const start = lines.findIndex((l) => new RegExp(`^## \\[?v?${escaped}\\]?(?:\\s|$)`).test(l));
  if (start < 0) return undefined;
  let end = lines.findIndex((l, i) => i > start && /^## /.test(l));
  if (end < 0) end = lines.length;
  const body = lines.slice(start + 1, end).join("\n").trim();
  return body === "" ? undefined : body;
}
