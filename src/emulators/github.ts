/**
 * A loopback emulator of GitHub's releases and release-assets REST API, faithful to what
 * `@octokit/rest` sends and expects, with faults on demand (see `server.ts`).
 *
 * Three servers share one {@link FaultPlan} (tell them apart with a rule's method and path):
 * - `apiOrigin` (api.github.com): `/repos/{owner}/{repo}/releases…`, `/repos/{owner}/{repo}/immutable-releases`,
 *   and the web download links `/{owner}/{repo}/releases/download/{tag}/{name}` (github.com);
 * - `uploadOrigin` (uploads.github.com): `POST /repos/{owner}/{repo}/releases/{id}/assets?name=&label=`;
 * - `storageOrigin` (release-assets.githubusercontent.com): `GET /release-assets/{assetId}/{secret}`, the
 *   bytes every download redirects to. Byte faults (wrong-bytes, truncate, reset) belong here.
 *
 * Split across `github-model.ts` (state, JSON) and `github-http.ts` (replies, credentials, paging).
 */
import { FaultPlan, Router, serve, type RunningServer } from "./server.js";
import {
  GitHubStore,
  latestRelease,
  newSecret,
  normalizeAssetName,
  releaseOrder,
  renderAsset,
  renderRelease,
  sha256Digest,
  storageUrl,
  timestamp,
  type AssetRecord,
  type GitHubOrigins,
  type GitHubReleaseState,
  type ReleaseRecord,
  type RepoRecord,
} from "./github-model.js";
import { anonymous, bool, discard, DOCS, fail, faultReply, invalid, jsonBody, notFound, paged, router, send, str, type Ctx } from "./github-http.js";

export { normalizeAssetName, type GitHubReleaseState } from "./github-model.js";

export interface GitHubEmulatorOptions {
  /** Port of the API server (default 0: any free port); the upload and storage servers always take a free port. */
  port?: number;
  /** Valid tokens and the login each acts as. Default: any token is valid and acts as `bindery-bot`. */
  tokens?: Record<string, string>;
  /** Create a repository the first time a request names it (default true); otherwise unknown repositories are 404. */
  autoCreateRepos?: boolean;
  /** GitHub's limits, lowerable for tests: 2 GiB per asset, 1,000 assets per release. */
  limits?: { maxAssetBytes?: number; maxAssetsPerRelease?: number };
}

export interface GitHubEmulator {
  /** The REST API: what `GITHUB_API_URL` and octokit's `baseUrl` point at. */
  apiOrigin: string;
  /** The upload server that releases' `upload_url` names. */
  uploadOrigin: string;
  /** The storage server downloads redirect to. */
  storageOrigin: string;
  /** One plan for all three servers. */
  faults: FaultPlan;
  createRepo(owner: string, repo: string): void;
  /** The repository setting: releases published while it is on become immutable. */
  setImmutableReleases(owner: string, repo: string, on: boolean): void;
  /** Releases of a repository, newest first, drafts included ([] for an unknown repository). */
  releases(owner: string, repo: string): GitHubReleaseState[];
  /** A copy of the stored bytes of an asset; undefined once deleted or if it never existed. */
  assetBytes(assetId: number): Buffer | undefined;
  close(): Promise<void>;
}

const RELEASES_DOCS = `${DOCS}/releases/releases`;
const ASSETS_DOCS = `${DOCS}/releases/assets`;
const IMMUTABLE_DOCS = `${DOCS}/repos/repos#check-if-immutable-releases-are-enabled-for-a-repository`;

export async function startGitHubEmulator(options: GitHubEmulatorOptions = {}): Promise<GitHubEmulator> {
  const faults = new FaultPlan();
  const maxAssetBytes = options.limits?.maxAssetBytes ?? 2 * 1024 ** 3;
  const maxAssetsPerRelease = options.limits?.maxAssetsPerRelease ?? 1000;
  const store = new GitHubStore(options.autoCreateRepos ?? true);
  const origins: GitHubOrigins = { api: "", upload: "", storage: "" };
  const route = router(options.tokens);

  const repoOf = (c: Ctx): RepoRecord | undefined => {
    const repo = store.repo(c.p.owner!, c.p.repo!);
    if (!repo) notFound(c);
    return repo;
  };

  /** A release the caller may see (a draft only with a token), or a 404 answered. */
  const releaseOf = (c: Ctx, repo: RepoRecord, id: string | undefined): ReleaseRecord | undefined => {
    const release = repo.releases.find((r) => String(r.id) === id);
    if (!release || (release.draft && !c.login)) return void notFound(c);
    return release;
  };

  const assetOf = (c: Ctx, repo: RepoRecord, id: string | undefined): { release: ReleaseRecord; asset: AssetRecord } | undefined => {
    const found = /^\d+$/.test(id ?? "") ? store.assets.get(Number(id)) : undefined;
    if (!found || found.repo !== repo || (found.release.draft && !c.login)) return void notFound(c);
    return found;
  };

  /** Refuses to publish `tag` as GitHub does (held by a published release, or once immutable); true when it did. */
  const refuseTag = (c: Ctx, repo: RepoRecord, tag: string, release?: ReleaseRecord): boolean => {
    if (repo.burnedTags.has(tag)) {
      invalid(c, { resource: "Release", code: "custom", field: "tag_name", message: "tag_name was used by an immutable release" });
      return true;
    }
    if (store.publishedWithTag(repo, tag, release)) {
      invalid(c, { resource: "Release", code: "already_exists", field: "tag_name" });
      return true;
    }
    return false;
  };

  // ---- the REST API ----------------------------------------------------------------------------

  const api = new Router();
  const releases = "/repos/:owner/:repo/releases";

  api.on("GET", releases, route(`${RELEASES_DOCS}#list-releases`, (c) => {
    const repo = repoOf(c);
    if (repo) paged(c, origins.api, repo.releases.filter((r) => c.login || !r.draft).sort(releaseOrder), (r) => renderRelease(r, origins));
  }));

  api.on("POST", releases, route(`${RELEASES_DOCS}#create-a-release`, async (c) => {
    if (await anonymous(c)) return;
    const repo = repoOf(c);
    const input = repo && (await jsonBody(c));
    if (!repo || !input) return;
    const tag = str(input.tag_name);
    if (!tag) return invalid(c, { resource: "Release", code: "missing_field", field: "tag_name" });
    // Drafts hold no tag: only a published release (or an immutable one, ever) blocks a new release.
    if (refuseTag(c, repo, tag)) return;
    const now = timestamp();
    const release: ReleaseRecord = {
      id: store.nextReleaseId(),
      owner: repo.owner,
      repo: repo.name,
      tagName: tag,
      targetCommitish: str(input.target_commitish) ?? "main",
      name: str(input.name) ?? null,
      body: str(input.body) ?? null,
      draft: true,
      prerelease: bool(input.prerelease) ?? false,
      immutable: false,
      makeLatest: str(input.make_latest) ?? "true",
      createdAt: now,
      updatedAt: now,
      publishedAt: null,
      author: c.login!,
      untagged: newSecret(10),
      assets: [],
    };
    if (!(bool(input.draft) ?? false)) store.publish(repo, release);
    repo.releases.push(release);
    const rendered = renderRelease(release, origins);
    send(c.x, 201, rendered, { location: String(rendered.url) });
  }));

  api.on("GET", `${releases}/latest`, route(`${RELEASES_DOCS}#get-the-latest-release`, (c) => {
    const repo = repoOf(c);
    const latest = repo && latestRelease(repo);
    if (repo) return latest ? send(c.x, 200, renderRelease(latest, origins)) : notFound(c);
  }));

  // Like GitHub, a draft is not found by its tag, even with a token.
  api.on("GET", `${releases}/tags/:tag`, route(`${RELEASES_DOCS}#get-a-release-by-tag-name`, (c) => {
    const repo = repoOf(c);
    const release = repo && store.publishedWithTag(repo, c.p.tag!);
    if (repo) return release ? send(c.x, 200, renderRelease(release, origins)) : notFound(c);
  }));

  api.on("GET", `${releases}/:id`, route(`${RELEASES_DOCS}#get-a-release`, (c) => {
    const repo = repoOf(c);
    const release = repo && releaseOf(c, repo, c.p.id);
    if (release) send(c.x, 200, renderRelease(release, origins));
  }));

  api.on("PATCH", `${releases}/:id`, route(`${RELEASES_DOCS}#update-a-release`, async (c) => {
    if (await anonymous(c)) return;
    const repo = repoOf(c);
    const release = repo && releaseOf(c, repo, c.p.id);
    const input = release && (await jsonBody(c));
    if (!repo || !release || !input) return;
    const next = {
      tag_name: str(input.tag_name) ?? release.tagName,
      target_commitish: str(input.target_commitish) ?? release.targetCommitish,
      draft: bool(input.draft) ?? release.draft,
      prerelease: bool(input.prerelease) ?? release.prerelease,
    };
    if (release.immutable) {
      const now = { tag_name: release.tagName, target_commitish: release.targetCommitish, draft: release.draft, prerelease: release.prerelease };
      const field = (Object.keys(next) as (keyof typeof next)[]).find((k) => next[k] !== now[k]);
      if (field) {
        const message = `Cannot change ${field} of an immutable release: only its title and notes can be modified.`;
        return invalid(c, { resource: "Release", code: "custom", field, message });
      }
    }
    if (!next.draft && (release.draft || next.tag_name !== release.tagName) && refuseTag(c, repo, next.tag_name, release)) return;
    release.tagName = next.tag_name;
    release.targetCommitish = next.target_commitish;
    release.prerelease = next.prerelease;
    if (input.name !== undefined) release.name = str(input.name) ?? null;
    if (input.body !== undefined) release.body = str(input.body) ?? null;
    release.makeLatest = str(input.make_latest) ?? release.makeLatest;
    if (release.draft && !next.draft) store.publish(repo, release);
    else if (!release.draft && next.draft) Object.assign(release, { draft: true, publishedAt: null });
    if (!release.draft && !release.prerelease && input.make_latest === "true") repo.latestId = release.id;
    release.updatedAt = timestamp();
    send(c.x, 200, renderRelease(release, origins));
  }));

  api.on("DELETE", `${releases}/:id`, route(`${RELEASES_DOCS}#delete-a-release`, async (c) => {
    if (await anonymous(c)) return;
    const repo = repoOf(c);
    const release = repo && releaseOf(c, repo, c.p.id);
    if (!repo || !release) return;
    store.deleteRelease(repo, release);
    c.x.send(204);
  }));

  api.on("GET", `${releases}/:id/assets`, route(`${ASSETS_DOCS}#list-release-assets`, (c) => {
    const repo = repoOf(c);
    const release = repo && releaseOf(c, repo, c.p.id);
    if (release) paged(c, origins.api, [...release.assets].sort((a, b) => a.id - b.id), (a) => renderAsset(release, a, origins));
  }));

  // With `Accept: application/octet-stream`, a redirect to the bytes (GitHub may also answer 200).
  api.on("GET", `${releases}/assets/:id`, route(`${ASSETS_DOCS}#get-a-release-asset`, (c) => {
    const repo = repoOf(c);
    const found = repo && assetOf(c, repo, c.p.id);
    if (!found) return;
    if (/application\/octet-stream/i.test(c.x.header("accept") ?? "")) return c.x.redirect(302, storageUrl(found.asset, origins));
    send(c.x, 200, renderAsset(found.release, found.asset, origins));
  }));

  api.on("PATCH", `${releases}/assets/:id`, route(`${ASSETS_DOCS}#update-a-release-asset`, async (c) => {
    if (await anonymous(c)) return;
    const repo = repoOf(c);
    const found = repo && assetOf(c, repo, c.p.id);
    const input = found && (await jsonBody(c));
    if (!found || !input) return;
    const { release, asset } = found;
    if (release.immutable) return fail(c, 422, "Cannot update assets of an immutable release.");
    const name = input.name === undefined ? asset.name : normalizeAssetName(str(input.name) ?? "");
    if (!name) return invalid(c, { resource: "ReleaseAsset", code: "invalid", field: "name" });
    if (release.assets.some((a) => a !== asset && a.name === name)) return invalid(c, { resource: "ReleaseAsset", code: "already_exists", field: "name" });
    asset.name = name;
    asset.label = str(input.label) ?? asset.label;
    asset.updatedAt = timestamp();
    send(c.x, 200, renderAsset(release, asset, origins));
  }));

  api.on("DELETE", `${releases}/assets/:id`, route(`${ASSETS_DOCS}#delete-a-release-asset`, async (c) => {
    if (await anonymous(c)) return;
    const repo = repoOf(c);
    const found = repo && assetOf(c, repo, c.p.id);
    if (!found) return;
    if (found.release.immutable) return fail(c, 422, "Cannot delete assets of an immutable release.");
    store.removeAsset(found.release, found.asset);
    c.x.send(204);
  }));

  // repos.checkImmutableReleases (404 when off), enableImmutableReleases, disableImmutableReleases.
  const immutable = "/repos/:owner/:repo/immutable-releases";
  api.on("GET", immutable, route(IMMUTABLE_DOCS, async (c) => {
    if (await anonymous(c)) return;
    const repo = repoOf(c);
    if (repo) return repo.immutableReleases ? send(c.x, 200, { enabled: true, enforced_by_owner: false }) : notFound(c);
  }));
  for (const [method, on] of [["PUT", true], ["DELETE", false]] as const) {
    api.on(method, immutable, route(IMMUTABLE_DOCS, async (c) => {
      if (await anonymous(c)) return;
      const repo = repoOf(c);
      if (repo) {
        repo.immutableReleases = on;
        c.x.send(204);
      }
    }));
  }

  // github.com's download links redirect to storage, as the real ones redirect to a signed URL.
  // A draft's assets live under `untagged-…` and need a token; after publishing, under the tag.
  api.on("GET", "/:owner/:repo/releases/download/:tag/:name", route(DOCS, (c) => {
    const tag = c.p.tag!;
    const release = store
      .repo(c.p.owner!, c.p.repo!, false)
      ?.releases.find((r) => (r.draft ? c.login !== undefined && tag === `untagged-${r.untagged}` : r.tagName === tag));
    const asset = release?.assets.find((a) => a.name === c.p.name);
    if (!asset) return c.x.send(404, "Not Found", { "content-type": "text/plain; charset=utf-8" });
    c.x.redirect(302, storageUrl(asset, origins));
  }));

  // github.com's release page (html_url): public once published; a draft's only with a token.
  api.on("GET", "/:owner/:repo/releases/tag/:tag", route(DOCS, (c) => {
    const tag = c.p.tag!;
    const release = store
      .repo(c.p.owner!, c.p.repo!, false)
      ?.releases.find((r) => (r.draft ? c.login !== undefined && tag === `untagged-${r.untagged}` : r.tagName === tag));
    if (!release) return c.x.send(404, "Not Found", { "content-type": "text/plain; charset=utf-8" });
    const title = `Release ${release.name || release.tagName} · ${c.p.owner}/${c.p.repo}`;
    c.x.send(200, `<!DOCTYPE html><html><head><title>${title.replace(/</g, "&lt;")}</title></head><body><h1>${title.replace(/</g, "&lt;")}</h1></body></html>\n`, { "content-type": "text/html; charset=utf-8" });
  }));

  // ---- uploads ---------------------------------------------------------------------------------

  const uploads = new Router();
  uploads.on("POST", `${releases}/:id/assets`, route(`${ASSETS_DOCS}#upload-a-release-asset`, async (c) => {
    if (await anonymous(c)) return;
    const repo = repoOf(c);
    const release = repo && releaseOf(c, repo, c.p.id);
    if (!repo || !release) return discard(c.x);
    const refuse = async (reply: () => void): Promise<void> => {
      await discard(c.x);
      reply();
    };
    const duplicate = (name: string): boolean => release.assets.some((a) => a.name === name);
    const rawName = c.x.url.searchParams.get("name");
    const name = normalizeAssetName(rawName ?? "");
    const declared = c.x.header("content-length");
    if (release.immutable) return refuse(() => fail(c, 422, "Cannot upload assets to an immutable release."));
    if (!name) return refuse(() => invalid(c, { resource: "ReleaseAsset", code: rawName ? "invalid" : "missing_field", field: "name" }));
    if (declared === undefined || !/^\d+$/.test(declared)) return refuse(() => fail(c, 411, "Length Required"));
    if (Number(declared) > maxAssetBytes) {
      const message = `size must be at most ${maxAssetBytes} bytes`;
      return refuse(() => invalid(c, { resource: "ReleaseAsset", code: "custom", field: "size", message }));
    }
    if (duplicate(name)) return refuse(() => invalid(c, { resource: "ReleaseAsset", code: "already_exists", field: "name" }));
    if (release.assets.length >= maxAssetsPerRelease) {
      const message = `a release can have at most ${maxAssetsPerRelease} assets`;
      return refuse(() => invalid(c, { resource: "ReleaseAsset", code: "custom", field: "release", message }));
    }
    const bytes = await c.x.body();
    // While the body arrived, the release may have been published, deleted or given this name.
    if (!repo.releases.includes(release)) return notFound(c);
    if (release.immutable) return fail(c, 422, "Cannot upload assets to an immutable release.");
    if (duplicate(name)) return invalid(c, { resource: "ReleaseAsset", code: "already_exists", field: "name" });
    const now = timestamp();
    const asset: AssetRecord = {
      id: store.nextAssetId(),
      name,
      label: c.x.url.searchParams.get("label") ?? "",
      contentType: c.x.header("content-type") ?? "application/octet-stream",
      bytes,
      digest: sha256Digest(bytes),
      downloadCount: 0,
      createdAt: now,
      updatedAt: now,
      uploader: c.login!,
      secret: newSecret(),
    };
    store.addAsset(repo, release, asset);
    send(c.x, 201, renderAsset(release, asset, origins));
  }));

  // ---- storage ---------------------------------------------------------------------------------

  const storage = new Router();
  storage.on("GET", "/release-assets/:id/:secret", (x, p) => {
    const found = store.assets.get(Number(p.id));
    if (!found || found.asset.secret !== p.secret) return x.send(404, "BlobNotFound", { "content-type": "text/plain; charset=utf-8" });
    const { asset } = found;
    if (x.method === "GET") asset.downloadCount += 1;
    x.send(200, asset.bytes, {
      "content-type": "application/octet-stream",
      "content-disposition": `attachment; filename=${encodeURIComponent(asset.name)}`,
      "last-modified": new Date(asset.updatedAt).toUTCString(),
    });
  });

  // ---- servers ---------------------------------------------------------------------------------

  const started: RunningServer[] = [];
  try {
    for (const [routes, port] of [[api, options.port], [uploads, undefined], [storage, undefined]] as const) {
      started.push(await serve(routes, { ...(port === undefined ? {} : { port }), faults, notFound, faultReply }));
    }
  } catch (error) {
    await Promise.all(started.map((s) => s.close()));
    throw error;
  }
  [origins.api, origins.upload, origins.storage] = started.map((s) => s.origin) as [string, string, string];

  return {
    apiOrigin: origins.api,
    uploadOrigin: origins.upload,
    storageOrigin: origins.storage,
    faults,
    createRepo: (owner, repo) => void store.repo(owner, repo, true),
    setImmutableReleases: (owner, repo, on) => void (store.repo(owner, repo, true)!.immutableReleases = on),
    releases: (owner, repo) => store.snapshot(owner, repo),
    assetBytes: (assetId) => {
      const bytes = store.assets.get(assetId)?.asset.bytes;
      return bytes && Buffer.from(bytes);
    },
    close: async () => {
      await Promise.all(started.map((s) => s.close()));
    },
  };
}
