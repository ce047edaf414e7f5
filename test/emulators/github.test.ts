/**
 * Conformance of the loopback GitHub emulator, driven through the real @octokit/rest client (and
 * plain fetch where a download is a browser's job): the draft → upload → publish flow, GitHub's
 * 422s, immutable releases, anonymous access, pagination, and every fault the emulator can produce.
 */
import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { Octokit } from "@octokit/rest";
import { afterEach, describe, expect, it } from "vitest";
import { normalizeAssetName, startGitHubEmulator, type GitHubEmulator } from "../../src/emulators/github.js";

const OWNER = "bindery-org";
const REPO = "tiny-model";
const TOKEN = "ghp_emulatedToken0123456789";
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

const running: GitHubEmulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((emulator) => emulator.close()));
});

async function start(options: Parameters<typeof startGitHubEmulator>[0] = {}): Promise<GitHubEmulator> {
  const emulator = await startGitHubEmulator(options);
  running.push(emulator);
  return emulator;
}

/** An octokit client of the emulator; `null` for an anonymous one. */
function client(emulator: GitHubEmulator, auth: string | null = TOKEN): Octokit {
  return new Octokit({ ...(auth === null ? {} : { auth }), baseUrl: emulator.apiOrigin, log: quiet });
}

type Release = Awaited<ReturnType<Octokit["repos"]["createRelease"]>>["data"];

/** octokit types `data` as a string; a Buffer is what it really sends as the raw body. */
const raw = (bytes: Buffer): string => bytes as unknown as string;

function upload(octokit: Octokit, release: Release, name: string, bytes: Buffer, contentType = "application/octet-stream") {
  return octokit.repos.uploadReleaseAsset({
    owner: OWNER,
    repo: REPO,
    release_id: release.id,
    url: release.upload_url,
    name,
    data: raw(bytes),
    headers: { "content-type": contentType, "content-length": bytes.length },
  });
}

function draft(octokit: Octokit, tag: string, extra: { draft?: boolean; prerelease?: boolean } = {}) {
  return octokit.repos.createRelease({ owner: OWNER, repo: REPO, tag_name: tag, name: tag, draft: true, ...extra }).then((r) => r.data);
}

function publish(octokit: Octokit, release: Release) {
  return octokit.repos.updateRelease({ owner: OWNER, repo: REPO, release_id: release.id, draft: false }).then((r) => r.data);
}

interface Failure {
  name: string;
  status: number;
  message: string;
  data: { message?: string; errors?: Record<string, string>[]; documentation_url?: string };
  headers: Record<string, string | undefined>;
}

/** The RequestError a call rejects with. */
async function failure(promise: Promise<unknown>): Promise<Failure> {
  try {
    await promise;
  } catch (error) {
    const e = error as { name: string; status: number; message: string; response?: { data: Failure["data"]; headers: Failure["headers"] } };
    return { name: e.name, status: e.status, message: e.message, data: e.response?.data ?? {}, headers: e.response?.headers ?? {} };
  }
  return expect.fail("expected the request to fail");
}

const sha256 = (bytes: Uint8Array): string => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

describe("GitHub emulator: releases through @octokit/rest", () => {
  it("creates a draft, uploads two assets, publishes it, and serves the exact bytes", async () => {
    const emulator = await start();
    const octokit = client(emulator);
    const weights = randomBytes(64 * 1024);
    const card = Buffer.from("# tiny-model\n\nA model card.\n");

    const created = await octokit.repos.createRelease({ owner: OWNER, repo: REPO, tag_name: "v1.0.0", target_commitish: "main", name: "v1.0.0", body: "notes", draft: true });
    expect(created.status).toBe(201);
    const release = created.data;
    expect(created.headers.location).toBe(release.url);
    expect(release).toMatchObject({ tag_name: "v1.0.0", draft: true, prerelease: false, immutable: false, published_at: null, assets: [], body: "notes", tarball_url: null });
    expect(release.upload_url).toBe(`${emulator.uploadOrigin}/repos/${OWNER}/${REPO}/releases/${release.id}/assets{?name,label}`);
    expect(release.url).toBe(`${emulator.apiOrigin}/repos/${OWNER}/${REPO}/releases/${release.id}`);
    expect(release.html_url).toMatch(new RegExp(`/${OWNER}/${REPO}/releases/tag/untagged-[0-9a-f]+$`));
    expect(release.author.login).toBe("bindery-bot");

    // Drafts are invisible to getReleaseByTag, even with a token; listing finds them.
    expect((await failure(octokit.repos.getReleaseByTag({ owner: OWNER, repo: REPO, tag: "v1.0.0" }))).status).toBe(404);
    expect((await octokit.repos.listReleases({ owner: OWNER, repo: REPO })).data.map((r) => r.id)).toEqual([release.id]);

    const first = await upload(octokit, release, "weights.bin", weights);
    // The other documented way: the client's own route, with the upload origin as baseUrl.
    const second = await octokit.repos.uploadReleaseAsset({
      owner: OWNER, repo: REPO, release_id: release.id, baseUrl: emulator.uploadOrigin, name: "model card.md", label: "Model card",
      data: raw(card), headers: { "content-type": "text/markdown", "content-length": card.length },
    });
    expect(first.status).toBe(201);
    expect(first.data).toMatchObject({ name: "weights.bin", label: "", state: "uploaded", content_type: "application/octet-stream", size: weights.length, digest: sha256(weights), download_count: 0 });
    expect(first.data.uploader?.login).toBe("bindery-bot");
    expect(first.data.url).toBe(`${emulator.apiOrigin}/repos/${OWNER}/${REPO}/releases/assets/${first.data.id}`);
    expect(second.data).toMatchObject({ name: "model.card.md", label: "Model card", content_type: "text/markdown", size: card.length, digest: sha256(card) });
    const draftUrl = first.data.browser_download_url;
    expect(draftUrl).toContain("/releases/download/untagged-");

    const listed = (await octokit.repos.listReleaseAssets({ owner: OWNER, repo: REPO, release_id: release.id })).data;
    expect(listed.map((a) => [a.name, a.size, a.digest])).toEqual([
      ["weights.bin", weights.length, sha256(weights)],
      ["model.card.md", card.length, sha256(card)],
    ]);

    const published = await publish(octokit, release);
    expect(published).toMatchObject({ draft: false, immutable: false, tag_name: "v1.0.0" });
    expect(Date.parse(published.published_at!)).not.toBeNaN();
    expect(published.html_url).toBe(`${emulator.apiOrigin}/${OWNER}/${REPO}/releases/tag/v1.0.0`);
    expect(published.tarball_url).toBe(`${emulator.apiOrigin}/repos/${OWNER}/${REPO}/tarball/v1.0.0`);

    const byTag = (await octokit.repos.getReleaseByTag({ owner: OWNER, repo: REPO, tag: "v1.0.0" })).data;
    expect(byTag.id).toBe(release.id);
    expect(byTag.assets.map((a) => a.name)).toEqual(["weights.bin", "model.card.md"]);
    const [weightsAsset] = byTag.assets;
    expect(weightsAsset!.browser_download_url).toBe(`${emulator.apiOrigin}/${OWNER}/${REPO}/releases/download/v1.0.0/weights.bin`);

    // A browser download: a 302 to another loopback host, then the bytes.
    const hop = await fetch(weightsAsset!.browser_download_url, { redirect: "manual" });
    expect(hop.status).toBe(302);
    expect(hop.headers.get("location")?.startsWith(`${emulator.storageOrigin}/`)).toBe(true);
    const downloaded = await fetch(weightsAsset!.browser_download_url);
    expect(downloaded.status).toBe(200);
    expect(Buffer.from(await downloaded.arrayBuffer()).equals(weights)).toBe(true);
    // The link handed out while it was a draft no longer leads anywhere.
    expect((await fetch(draftUrl)).status).toBe(404);

    // The API download: Accept octet-stream, redirected to the bytes, which octokit follows.
    const viaApi = await octokit.repos.getReleaseAsset({ owner: OWNER, repo: REPO, asset_id: second.data.id, headers: { accept: "application/octet-stream" } });
    expect(viaApi.status).toBe(200);
    expect(Buffer.from(viaApi.data as unknown as ArrayBuffer).equals(card)).toBe(true);
    const metadata = (await octokit.repos.getReleaseAsset({ owner: OWNER, repo: REPO, asset_id: first.data.id })).data;
    expect(metadata).toMatchObject({ name: "weights.bin", digest: sha256(weights), download_count: 1 });

    expect(emulator.assetBytes(first.data.id)?.equals(weights)).toBe(true);
    expect(emulator.releases(OWNER, REPO)).toMatchObject([{ id: release.id, draft: false, assets: [{ name: "weights.bin" }, { name: "model.card.md" }] }]);

    await octokit.repos.deleteReleaseAsset({ owner: OWNER, repo: REPO, asset_id: second.data.id });
    expect(emulator.assetBytes(second.data.id)).toBeUndefined();
    const deleted = await octokit.repos.deleteRelease({ owner: OWNER, repo: REPO, release_id: release.id });
    expect(deleted.status).toBe(204);
    expect((await failure(octokit.repos.getRelease({ owner: OWNER, repo: REPO, release_id: release.id }))).status).toBe(404);
  });

  it("refuses a second release of a published tag with 422 already_exists; drafts hold no tag", async () => {
    const octokit = client(await start());
    const first = await octokit.repos.createRelease({ owner: OWNER, repo: REPO, tag_name: "v1.0.0" });
    expect(first.data).toMatchObject({ draft: false, immutable: false });

    const again = await failure(octokit.repos.createRelease({ owner: OWNER, repo: REPO, tag_name: "v1.0.0", draft: true }));
    expect(again.name).toBe("HttpError");
    expect(again.status).toBe(422);
    expect(again.data.message).toBe("Validation Failed");
    expect(again.data.errors).toEqual([{ resource: "Release", code: "already_exists", field: "tag_name" }]);
    expect(again.message).toContain('"code":"already_exists"');

    // Two drafts of one tag may coexist; the second cannot be published while the first is.
    const a = await draft(octokit, "v2.0.0");
    const b = await draft(octokit, "v2.0.0");
    await publish(octokit, a);
    const clash = await failure(publish(octokit, b));
    expect(clash.status).toBe(422);
    expect(clash.data.errors?.[0]).toMatchObject({ code: "already_exists", field: "tag_name" });

    const untyped: string = "POST /repos/{owner}/{repo}/releases";
    const missing = await failure(octokit.request(untyped, { owner: OWNER, repo: REPO, name: "no tag" }));
    expect(missing.status).toBe(422);
    expect(missing.data.errors?.[0]).toMatchObject({ code: "missing_field", field: "tag_name" });
  });

  it("refuses a duplicate asset name with 422 already_exists, after GitHub's renaming", async () => {
    const emulator = await start();
    const octokit = client(emulator);
    const release = await draft(octokit, "v1.0.0");
    await upload(octokit, release, "weights.bin", Buffer.from("one"));

    const duplicate = await failure(upload(octokit, release, "weights.bin", Buffer.from("two")));
    expect(duplicate.status).toBe(422);
    expect(duplicate.data.errors).toEqual([{ resource: "ReleaseAsset", code: "already_exists", field: "name" }]);

    expect((await upload(octokit, release, "eval results.json", Buffer.from("{}"))).data.name).toBe("eval.results.json");
    expect((await failure(upload(octokit, release, "eval.results.json", Buffer.from("[]")))).status).toBe(422);
    expect(emulator.releases(OWNER, REPO)[0]!.assets.map((a) => a.name)).toEqual(["weights.bin", "eval.results.json"]);
  });

  it("normalizes asset names as GitHub does (as observed; GitHub does not specify it)", () => {
    expect(normalizeAssetName("model card (v1).bin")).toBe("model.card.v1.bin");
    expect(normalizeAssetName("pkg-1.1.0-1~jammy_amd64.deb")).toBe("pkg-1.1.0-1.jammy_amd64.deb");
    expect(normalizeAssetName("..hidden..")).toBe("hidden");
    expect(normalizeAssetName("a5_ð_æ_©_ŋ.txt")).toBe("a5_d_ae_._ng.txt");
    expect(normalizeAssetName("Zürich+weights.safetensors")).toBe("Zurich+weights.safetensors");
    expect(normalizeAssetName("###")).toBe("");
  });

  it("freezes the assets of releases published while immutable releases are on, and only then", async () => {
    const emulator = await start();
    const octokit = client(emulator);
    await octokit.repos.enableImmutableReleases({ owner: OWNER, repo: REPO });
    expect((await octokit.repos.checkImmutableReleases({ owner: OWNER, repo: REPO })).data).toEqual({ enabled: true, enforced_by_owner: false });

    const release = await draft(octokit, "v1.0.0");
    const asset = (await upload(octokit, release, "weights.bin", Buffer.from("weights"))).data;
    // A draft stays mutable: assets can come and go until it is published.
    const scratch = (await upload(octokit, release, "scratch.txt", Buffer.from("x"))).data;
    await octokit.repos.deleteReleaseAsset({ owner: OWNER, repo: REPO, asset_id: scratch.id });
    const published = await publish(octokit, release);
    expect(published.immutable).toBe(true);

    const late = await failure(upload(octokit, published, "late.txt", Buffer.from("late")));
    expect(late.status).toBe(422);
    expect(late.data.message).toBe("Cannot upload assets to an immutable release.");
    const remove = await failure(octokit.repos.deleteReleaseAsset({ owner: OWNER, repo: REPO, asset_id: asset.id }));
    expect(remove.status).toBe(422);
    expect(remove.data.message).toMatch(/immutable release/);
    expect((await failure(octokit.repos.updateReleaseAsset({ owner: OWNER, repo: REPO, asset_id: asset.id, name: "renamed.bin" }))).status).toBe(422);
    expect((await failure(octokit.repos.updateRelease({ owner: OWNER, repo: REPO, release_id: release.id, draft: true }))).status).toBe(422);
    // Title and notes stay editable.
    const edited = await octokit.repos.updateRelease({ owner: OWNER, repo: REPO, release_id: release.id, name: "First", body: "Edited" });
    expect(edited.data).toMatchObject({ name: "First", body: "Edited", immutable: true });
    expect(emulator.assetBytes(asset.id)?.toString()).toBe("weights");

    // Deleting an immutable release is allowed, but its tag can never be released again.
    await octokit.repos.deleteRelease({ owner: OWNER, repo: REPO, release_id: release.id });
    const reuse = await failure(octokit.repos.createRelease({ owner: OWNER, repo: REPO, tag_name: "v1.0.0" }));
    expect(reuse.data.errors?.[0]).toMatchObject({ code: "custom", field: "tag_name", message: "tag_name was used by an immutable release" });

    // With the setting off, a published release's assets can still change.
    emulator.setImmutableReleases(OWNER, REPO, false);
    expect((await failure(octokit.repos.checkImmutableReleases({ owner: OWNER, repo: REPO }))).status).toBe(404);
    const mutable = await publish(octokit, await draft(octokit, "v2.0.0"));
    expect(mutable.immutable).toBe(false);
    const added = await upload(octokit, mutable, "late.txt", Buffer.from("late"));
    expect(added.status).toBe(201);
    expect((await octokit.repos.deleteReleaseAsset({ owner: OWNER, repo: REPO, asset_id: added.data.id })).status).toBe(204);
  });

  it("serves published releases and downloads anonymously, hides drafts, and refuses anonymous or bad-token writes", async () => {
    const emulator = await start();
    const octokit = client(emulator);
    const bytes = Buffer.from("public weights");
    const release = await draft(octokit, "v1.0.0");
    const asset = (await upload(octokit, release, "weights.bin", bytes)).data;
    await publish(octokit, release);
    const hidden = await draft(octokit, "v2.0.0");

    const anon = client(emulator, null);
    expect((await octokit.repos.listReleases({ owner: OWNER, repo: REPO })).data.map((r) => r.tag_name)).toEqual(["v2.0.0", "v1.0.0"]);
    expect((await anon.repos.listReleases({ owner: OWNER, repo: REPO })).data.map((r) => r.tag_name)).toEqual(["v1.0.0"]);
    expect((await anon.repos.getLatestRelease({ owner: OWNER, repo: REPO })).data.id).toBe(release.id);
    expect((await failure(anon.repos.getRelease({ owner: OWNER, repo: REPO, release_id: hidden.id }))).status).toBe(404);
    expect((await failure(anon.repos.listReleaseAssets({ owner: OWNER, repo: REPO, release_id: hidden.id }))).status).toBe(404);

    const [listed] = (await anon.repos.getReleaseByTag({ owner: OWNER, repo: REPO, tag: "v1.0.0" })).data.assets;
    expect(listed!.id).toBe(asset.id);
    const fetched = await fetch(listed!.browser_download_url);
    expect(Buffer.from(await fetched.arrayBuffer()).equals(bytes)).toBe(true);
    const viaApi = await anon.repos.getReleaseAsset({ owner: OWNER, repo: REPO, asset_id: asset.id, headers: { accept: "application/octet-stream" } });
    expect(Buffer.from(viaApi.data as unknown as ArrayBuffer).equals(bytes)).toBe(true);

    const create = await failure(anon.repos.createRelease({ owner: OWNER, repo: REPO, tag_name: "v3.0.0" }));
    expect(create.status).toBe(401);
    expect(create.data).toMatchObject({ message: "Requires authentication", documentation_url: expect.stringContaining("docs.github.com") });
    expect((await failure(upload(anon, release, "more.bin", bytes))).status).toBe(401);

    // A token the emulator does not know is refused, reads included.
    const strict = await start({ tokens: { [TOKEN]: "release-bot" } });
    const stranger = client(strict, "ghp_notAValidToken");
    const bad = await failure(stranger.repos.listReleases({ owner: OWNER, repo: REPO }));
    expect(bad.status).toBe(401);
    expect(bad.data.message).toBe("Bad credentials");
    expect((await client(strict).repos.createRelease({ owner: OWNER, repo: REPO, tag_name: "v1" })).data.author.login).toBe("release-bot");
  });

  it("pages releases and assets with Link headers that octokit.paginate follows", async () => {
    const octokit = client(await start());
    const tags = ["v1", "v2", "v3", "v4", "v5", "v6", "v7"];
    for (const tag of tags) await octokit.repos.createRelease({ owner: OWNER, repo: REPO, tag_name: tag });

    const firstPage = await octokit.repos.listReleases({ owner: OWNER, repo: REPO, per_page: 3 });
    expect(firstPage.data).toHaveLength(3);
    expect(firstPage.headers.link).toMatch(/[?&]page=2>; rel="next", <[^>]+[?&]page=3>; rel="last"/);
    const lastPage = await octokit.repos.listReleases({ owner: OWNER, repo: REPO, per_page: 3, page: 3 });
    expect(lastPage.data.map((r) => r.tag_name)).toEqual(["v1"]);
    expect(lastPage.headers.link).toMatch(/rel="prev".*rel="first"/);
    expect(lastPage.headers.link).not.toMatch(/rel="next"/);

    const all = await octokit.paginate(octokit.repos.listReleases, { owner: OWNER, repo: REPO, per_page: 3 });
    expect(all.map((r) => r.tag_name)).toEqual([...tags].reverse());

    const release = (await octokit.repos.getReleaseByTag({ owner: OWNER, repo: REPO, tag: "v7" })).data;
    const names = ["a.bin", "b.bin", "c.bin", "d.bin", "e.bin"];
    for (const name of names) await upload(octokit, release, name, Buffer.from(name));
    const assets = await octokit.paginate(octokit.repos.listReleaseAssets, { owner: OWNER, repo: REPO, release_id: release.id, per_page: 2 });
    expect(assets.map((a) => a.name)).toEqual(names);
  });

  it("enforces the upload limits and a declared length, and answers uploads only on the upload origin", async () => {
    const emulator = await start({ limits: { maxAssetBytes: 1024, maxAssetsPerRelease: 2 } });
    const octokit = client(emulator);
    const release = await draft(octokit, "v1.0.0");

    const big = await failure(upload(octokit, release, "big.bin", randomBytes(2048)));
    expect(big.status).toBe(422);
    expect(big.data.errors?.[0]).toMatchObject({ field: "size" });
    await upload(octokit, release, "a.bin", randomBytes(1024));
    await upload(octokit, release, "b.bin", randomBytes(10));
    expect((await failure(upload(octokit, release, "c.bin", randomBytes(10)))).status).toBe(422);

    // A streamed body goes out chunked, without Content-Length: refused.
    const other = await draft(octokit, "v2.0.0");
    const streamed = octokit.repos.uploadReleaseAsset({
      owner: OWNER, repo: REPO, release_id: other.id, url: other.upload_url, name: "s.bin",
      data: Readable.from([Buffer.from("streamed")]) as unknown as string, headers: { "content-type": "application/octet-stream" },
    });
    expect((await failure(streamed)).status).toBe(411);

    // The client's route with the API origin as baseUrl is not where uploads live.
    const misrouted = octokit.repos.uploadReleaseAsset({
      owner: OWNER, repo: REPO, release_id: other.id, baseUrl: emulator.apiOrigin, name: "x.bin",
      data: raw(Buffer.from("x")), headers: { "content-type": "application/octet-stream", "content-length": 1 },
    });
    expect((await failure(misrouted)).status).toBe(404);
    expect(emulator.releases(OWNER, REPO).find((r) => r.id === other.id)?.assets).toEqual([]);
  });
});

describe("GitHub emulator: faults", () => {
  it("a 5xx fails the call once, with GitHub's error shape; octokit does not retry", async () => {
    const emulator = await start();
    const octokit = client(emulator);
    emulator.faults.inject({ method: "POST", path: "/releases", fault: { kind: "status", status: 502 } });
    const error = await failure(octokit.repos.createRelease({ owner: OWNER, repo: REPO, tag_name: "v1" }));
    expect(error.status).toBe(502);
    expect(error.data).toMatchObject({ message: "Server Error", status: "502" });
    expect(emulator.faults.pending).toBe(0);
    expect(emulator.releases(OWNER, REPO)).toEqual([]);
    expect((await octokit.repos.createRelease({ owner: OWNER, repo: REPO, tag_name: "v1" })).status).toBe(201);
  });

  it("a 429 carries Retry-After to the caller", async () => {
    const emulator = await start();
    const octokit = client(emulator);
    const release = await draft(octokit, "v1");
    emulator.faults.inject({ method: "POST", path: /\/assets$/, fault: { kind: "rate-limit", retryAfterSeconds: 7 } });
    const error = await failure(upload(octokit, release, "a.bin", Buffer.from("a")));
    expect(error.status).toBe(429);
    expect(error.headers["retry-after"]).toBe("7");
    expect(error.data.message).toMatch(/secondary rate limit/);
    expect(emulator.releases(OWNER, REPO)[0]!.assets).toEqual([]);
  });

  it("a reset mid-body: fetch rejects; octokit resolves a 201 with empty data though the upload was stored", async () => {
    const emulator = await start();
    const octokit = client(emulator);
    const release = await draft(octokit, "v1");
    const bytes = randomBytes(4096);
    emulator.faults.inject({ method: "POST", path: /\/assets$/, fault: { kind: "reset" } });
    const blind = await upload(octokit, release, "a.bin", bytes);
    expect(blind.status).toBe(201);
    expect(blind.data as unknown).toBe("");
    // The asset exists: a naive retry meets 422 already_exists, so a publisher must list to recover.
    expect((await failure(upload(octokit, release, "a.bin", bytes))).status).toBe(422);
    const [asset] = (await octokit.repos.listReleaseAssets({ owner: OWNER, repo: REPO, release_id: release.id })).data;
    expect(asset).toMatchObject({ name: "a.bin", digest: sha256(bytes) });

    emulator.faults.inject({ path: "/release-assets/", fault: { kind: "reset" } });
    const response = await fetch(`${emulator.apiOrigin}/repos/${OWNER}/${REPO}/releases/assets/${asset!.id}`, {
      headers: { accept: "application/octet-stream", authorization: `token ${TOKEN}` },
    });
    expect(response.status).toBe(200);
    await expect(response.arrayBuffer()).rejects.toThrow();
  });

  it("a slow reply arrives no sooner than its delay", async () => {
    const emulator = await start();
    const octokit = client(emulator);
    await octokit.repos.createRelease({ owner: OWNER, repo: REPO, tag_name: "v1" });
    emulator.faults.inject({ method: "GET", path: "/releases/tags/", fault: { kind: "slow", delayMs: 300 } });
    const started = performance.now();
    const found = await octokit.repos.getReleaseByTag({ owner: OWNER, repo: REPO, tag: "v1" });
    expect(found.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
  });

  it("a truncated download: fetch rejects; octokit hands back an empty ArrayBuffer without an error", async () => {
    const emulator = await start();
    const octokit = client(emulator);
    const release = await draft(octokit, "v1");
    const bytes = randomBytes(8192);
    const asset = (await upload(octokit, release, "a.bin", bytes)).data;
    await publish(octokit, release);
    const url = `${emulator.apiOrigin}/${OWNER}/${REPO}/releases/download/v1/a.bin`;

    emulator.faults.inject({ path: "/release-assets/", fault: { kind: "truncate", bytes: 100 } });
    const response = await fetch(url);
    expect(response.headers.get("content-length")).toBe(String(bytes.length));
    await expect(response.arrayBuffer()).rejects.toThrow();

    emulator.faults.inject({ path: "/release-assets/", fault: { kind: "truncate", bytes: 100 } });
    const viaClient = await octokit.repos.getReleaseAsset({ owner: OWNER, repo: REPO, asset_id: asset.id, headers: { accept: "application/octet-stream" } });
    expect(viaClient.status).toBe(200);
    expect((viaClient.data as unknown as ArrayBuffer).byteLength).toBe(0);
  });

  it("wrong bytes on a download: same length, a digest that no longer matches the asset's", async () => {
    const emulator = await start();
    const octokit = client(emulator);
    const release = await draft(octokit, "v1");
    const bytes = randomBytes(4096);
    const asset = (await upload(octokit, release, "a.bin", bytes)).data;
    await publish(octokit, release);

    emulator.faults.inject({ path: "/release-assets/", fault: { kind: "wrong-bytes" }, times: 2 });
    const browser = Buffer.from(await (await fetch(`${emulator.apiOrigin}/${OWNER}/${REPO}/releases/download/v1/a.bin`)).arrayBuffer());
    const viaClient = await octokit.repos.getReleaseAsset({ owner: OWNER, repo: REPO, asset_id: asset.id, headers: { accept: "application/octet-stream" } });
    for (const served of [browser, Buffer.from(viaClient.data as unknown as ArrayBuffer)]) {
      expect(served.length).toBe(bytes.length);
      expect(sha256(served)).not.toBe(asset.digest);
    }
    expect(emulator.faults.pending).toBe(0);
    expect(emulator.assetBytes(asset.id)?.equals(bytes)).toBe(true);
  });
});
