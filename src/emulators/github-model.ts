/**
 * The GitHub emulator's state and the JSON it renders: repositories, releases and release assets,
 * shaped as the REST API returns them (see `github.ts` for the servers and routes).
 */
import { createHash, randomBytes } from "node:crypto";

/** Where each of the emulator's loopback servers answers. */
export interface GitHubOrigins {
  /** The REST API (api.github.com), and the web paths of asset downloads (github.com). */
  api: string;
  /** Asset uploads (uploads.github.com). */
  upload: string;
  /** Signed asset bytes that downloads redirect to (release-assets.githubusercontent.com). */
  storage: string;
}

export interface AssetRecord {
  id: number;
  name: string;
  label: string;
  contentType: string;
  bytes: Buffer;
  digest: string;
  downloadCount: number;
  createdAt: string;
  updatedAt: string;
  uploader: string;
  /** The unguessable part of the storage URL, standing in for a signed URL. */
  secret: string;
}

export interface ReleaseRecord {
  id: number;
  owner: string;
  repo: string;
  tagName: string;
  targetCommitish: string;
  name: string | null;
  body: string | null;
  draft: boolean;
  prerelease: boolean;
  immutable: boolean;
  makeLatest: string;
  createdAt: string;
  updatedAt: string;
  publishedAt: string | null;
  author: string;
  /** Drafts are addressed on the web as `untagged-<hex>` until published. */
  untagged: string;
  assets: AssetRecord[];
}

export interface RepoRecord {
  owner: string;
  name: string;
  immutableReleases: boolean;
  releases: ReleaseRecord[];
  /** Tags once held by an immutable release: they can never be released again. */
  burnedTags: Set<string>;
  /** The release `make_latest` last chose, if still there. */
  latestId: number | undefined;
}

/** GitHub's timestamps: ISO 8601, seconds precision, `Z`. */
export function timestamp(date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

const TRANSLITERATIONS: Record<string, string> = {
  æ: "ae", Æ: "AE", ð: "d", Ð: "D", ø: "o", Ø: "O", ł: "l", Ł: "L", ß: "ss", œ: "oe", Œ: "OE",
  þ: "th", Þ: "TH", đ: "d", Đ: "D", ŋ: "ng", Ŋ: "NG", ı: "i",
};

/**
 * GitHub's asset-name normalization, as observed (it is not specified): letters are transliterated
 * to ASCII, every run of characters outside `A-Z a-z 0-9 . _ - +` becomes one `.`, runs of `.`
 * collapse, and leading/trailing `.` are dropped. `my model (v1).bin` → `my.model.v1.bin`.
 */
export function normalizeAssetName(name: string): string {
  const ascii = [...name.normalize("NFKD").replace(/\p{M}/gu, "")]
    .map((ch) => TRANSLITERATIONS[ch] ?? ch)
    .join("");
  return ascii
    .replace(/[^A-Za-z0-9._+-]+/g, ".")
    .replace(/\.{2,}/g, ".")
    .replace(/^\.+|\.+$/g, "");
}

export function newSecret(bytes = 16): string {
  return randomBytes(bytes).toString("hex");
}

export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

function nodeId(prefix: string, id: number): string {
  return `${prefix}_kwDO${Buffer.from(`${prefix}${id}`).toString("base64url")}`;
}

/** A stable numeric id for a login, so authors look the same across requests. */
function userId(login: string): number {
  return createHash("sha256").update(login).digest().readUInt32BE(0) % 100_000_000;
}

export function renderUser(login: string, origins: GitHubOrigins): Record<string, unknown> {
  const url = `${origins.api}/users/${login}`;
  const id = userId(login);
  return {
    login,
    id,
    node_id: nodeId("U", id),
    avatar_url: `${origins.api}/avatars/u/${id}`,
    gravatar_id: "",
    url,
    html_url: `${origins.api}/${login}`,
    followers_url: `${url}/followers`,
    following_url: `${url}/following{/other_user}`,
    gists_url: `${url}/gists{/gist_id}`,
    starred_url: `${url}/starred{/owner}{/repo}`,
    subscriptions_url: `${url}/subscriptions`,
    organizations_url: `${url}/orgs`,
    repos_url: `${url}/repos`,
    events_url: `${url}/events{/privacy}`,
    received_events_url: `${url}/received_events`,
    type: "User",
    user_view_type: "public",
    site_admin: false,
  };
}

/** The web path segment a release's assets download under: its tag, or `untagged-…` for a draft. */
export function webTag(release: ReleaseRecord): string {
  return release.draft ? `untagged-${release.untagged}` : release.tagName;
}

export function browserDownloadUrl(release: ReleaseRecord, asset: AssetRecord, origins: GitHubOrigins): string {
  return `${origins.api}/${release.owner}/${release.repo}/releases/download/${encodeURIComponent(webTag(release))}/${encodeURIComponent(asset.name)}`;
}

export function storageUrl(asset: AssetRecord, origins: GitHubOrigins): string {
  return `${origins.storage}/release-assets/${asset.id}/${asset.secret}`;
}

export function renderAsset(release: ReleaseRecord, asset: AssetRecord, origins: GitHubOrigins): Record<string, unknown> {
  return {
    url: `${origins.api}/repos/${release.owner}/${release.repo}/releases/assets/${asset.id}`,
    id: asset.id,
    node_id: nodeId("RA", asset.id),
    name: asset.name,
    label: asset.label,
    uploader: renderUser(asset.uploader, origins),
    content_type: asset.contentType,
    state: "uploaded",
    size: asset.bytes.length,
    digest: asset.digest,
    download_count: asset.downloadCount,
    created_at: asset.createdAt,
    updated_at: asset.updatedAt,
    browser_download_url: browserDownloadUrl(release, asset, origins),
  };
}

export function renderRelease(release: ReleaseRecord, origins: GitHubOrigins): Record<string, unknown> {
  const repoPath = `${release.owner}/${release.repo}`;
  const api = `${origins.api}/repos/${repoPath}`;
  const tag = encodeURIComponent(release.tagName);
  return {
    url: `${api}/releases/${release.id}`,
    assets_url: `${api}/releases/${release.id}/assets`,
    upload_url: `${origins.upload}/repos/${repoPath}/releases/${release.id}/assets{?name,label}`,
    html_url: `${origins.api}/${repoPath}/releases/tag/${encodeURIComponent(webTag(release))}`,
    id: release.id,
    author: renderUser(release.author, origins),
    node_id: nodeId("RE", release.id),
    tag_name: release.tagName,
    target_commitish: release.targetCommitish,
    name: release.name,
    draft: release.draft,
    immutable: release.immutable,
    prerelease: release.prerelease,
    created_at: release.createdAt,
    updated_at: release.updatedAt,
    published_at: release.publishedAt,
    assets: release.assets.map((asset) => renderAsset(release, asset, origins)),
    tarball_url: release.draft ? null : `${api}/tarball/${tag}`,
    zipball_url: release.draft ? null : `${api}/zipball/${tag}`,
    body: release.body,
  };
}

/** GitHub's order for release lists: drafts first, then newest first. */
export function releaseOrder(a: ReleaseRecord, b: ReleaseRecord): number {
  if (a.draft !== b.draft) return a.draft ? -1 : 1;
  return b.id - a.id;
}

/** The latest release: the one `make_latest` last chose, else the newest published full release. */
export function latestRelease(repo: RepoRecord): ReleaseRecord | undefined {
  const chosen = repo.releases.find((r) => r.id === repo.latestId && !r.draft && !r.prerelease);
  if (chosen) return chosen;
  return repo.releases
    .filter((r) => !r.draft && !r.prerelease && r.makeLatest !== "false")
    .sort((a, b) => (b.publishedAt ?? "").localeCompare(a.publishedAt ?? "") || b.id - a.id)[0];
}

/** A release as the emulator stores it (drafts included), for tests to inspect. */
export interface GitHubReleaseState {
  id: number;
  tagName: string;
  draft: boolean;
  prerelease: boolean;
  immutable: boolean;
  publishedAt: string | null;
  assets: { id: number; name: string; label: string; contentType: string; size: number; digest: string; downloadCount: number }[];
}

/** Every repository, release and asset the emulator holds. Ids are global, as on GitHub. */
export class GitHubStore {
  private readonly repos = new Map<string, RepoRecord>();
  readonly assets = new Map<number, { repo: RepoRecord; release: ReleaseRecord; asset: AssetRecord }>();
  private lastReleaseId = 100_000;
  private lastAssetId = 900_000;

  constructor(private readonly autoCreate: boolean) {}

  /** Repository names are case-insensitive; a name seen first keeps its spelling. */
  repo(owner: string, name: string, create = this.autoCreate): RepoRecord | undefined {
    const existing = this.repos.get(`${owner}/${name}`.toLowerCase());
    if (existing || !create) return existing;
    const repo: RepoRecord = { owner, name, immutableReleases: false, releases: [], burnedTags: new Set(), latestId: undefined };
    this.repos.set(`${owner}/${name}`.toLowerCase(), repo);
    return repo;
  }

  nextReleaseId(): number {
    return ++this.lastReleaseId;
  }

  nextAssetId(): number {
    return ++this.lastAssetId;
  }

  publishedWithTag(repo: RepoRecord, tag: string, except?: ReleaseRecord): ReleaseRecord | undefined {
    return repo.releases.find((r) => !r.draft && r.tagName === tag && r !== except);
  }

  /** Publishes a draft: it becomes immutable if the repository setting is on at this moment. */
  publish(repo: RepoRecord, release: ReleaseRecord): void {
    release.draft = false;
    release.publishedAt = timestamp();
    release.immutable = repo.immutableReleases;
    if (release.makeLatest === "true" && !release.prerelease) repo.latestId = release.id;
  }

  /** Deletes a release and its assets; an immutable release's tag can never be released again. */
  deleteRelease(repo: RepoRecord, release: ReleaseRecord): void {
    if (release.immutable) repo.burnedTags.add(release.tagName);
    for (const asset of release.assets) this.assets.delete(asset.id);
    repo.releases = repo.releases.filter((r) => r !== release);
    if (repo.latestId === release.id) repo.latestId = undefined;
  }

  addAsset(repo: RepoRecord, release: ReleaseRecord, asset: AssetRecord): void {
    release.assets.push(asset);
    this.assets.set(asset.id, { repo, release, asset });
  }

  removeAsset(release: ReleaseRecord, asset: AssetRecord): void {
    release.assets = release.assets.filter((a) => a !== asset);
    this.assets.delete(asset.id);
  }

  snapshot(owner: string, name: string): GitHubReleaseState[] {
    return [...(this.repo(owner, name, false)?.releases ?? [])]
      .sort((a, b) => b.id - a.id)
      .map((r) => ({
        id: r.id,
        tagName: r.tagName,
        draft: r.draft,
        prerelease: r.prerelease,
        immutable: r.immutable,
        publishedAt: r.publishedAt,
        assets: r.assets.map((a) => ({
          id: a.id,
          name: a.name,
          label: a.label,
          contentType: a.contentType,
          size: a.bytes.length,
          digest: a.digest,
          downloadCount: a.downloadCount,
        })),
      }));
  }
}
