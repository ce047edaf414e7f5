/**
 * Conformance of the loopback Hub emulator: the real `@huggingface/hub` client drives it
 * (`hubUrl` on every call, `useXet: false` on uploads), and plain `fetch` checks what the client
 * hides (headers, retries it does not make, statuses it turns into exceptions).
 */
import { createHash, randomBytes } from "node:crypto";
import { spawnSync } from "node:child_process";
import {
  commit,
  createRepo,
  downloadFile,
  fileDownloadInfo,
  HubApiError,
  listFiles,
  pathsInfo,
  uploadFiles,
  type ListFileEntry,
} from "@huggingface/hub";
import { afterEach, describe, expect, it } from "vitest";
import { startHubEmulator, type HubEmulator, type HubEmulatorOptions } from "../../src/emulators/hub.js";
import { tempDir, writeTree } from "../support/tmp.js";

const TOKEN = "hf_emulatorConformanceToken0123456789";
const MiB = 1024 * 1024;

let hub: HubEmulator | undefined;

afterEach(async () => {
  await hub?.close();
  hub = undefined;
});

async function startHub(options: HubEmulatorOptions = {}): Promise<HubEmulator> {
  hub = await startHubEmulator(options);
  return hub;
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const gitBlob = (bytes: Uint8Array) => createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
const text = (s: string) => new TextEncoder().encode(s);

/** What `commit` / `uploadFiles` rejected with, for assertions on the client's own error. */
async function rejection(promise: Promise<unknown>): Promise<HubApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HubApiError);
  return error as HubApiError;
}

async function all<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

async function bytesOf(blob: Blob | null): Promise<Buffer> {
  expect(blob).not.toBeNull();
  return Buffer.from(await blob!.arrayBuffer());
}

describe("Hub emulator: repos", () => {
  it("creates model and dataset repos with the platform's .gitattributes, and answers 409 when one exists", async () => {
    const { origin, ...emulator } = await startHub();
    const model = await createRepo({ repo: "acme/encoder", accessToken: TOKEN, hubUrl: origin });
    expect(model.repoUrl).toBe(`${origin}/acme/encoder`);
    expect(model.id).toMatch(/^[0-9a-f]{24}$/);
    const dataset = await createRepo({ repo: { type: "dataset", name: "acme/corpus" }, accessToken: TOKEN, hubUrl: origin, private: true });
    expect(dataset.repoUrl).toBe(`${origin}/datasets/acme/corpus`);
    expect(emulator.repo("datasets/acme/corpus")?.isPrivate).toBe(true);

    const files = await all(listFiles({ repo: "acme/encoder", accessToken: TOKEN, hubUrl: origin }));
    expect(files.map((f) => [f.type, f.path])).toEqual([["file", ".gitattributes"]]);
    const modelAttributes = emulator.readFile("acme/encoder", ".gitattributes")!.toString("utf8");
    expect(modelAttributes).toContain("*.safetensors filter=lfs diff=lfs merge=lfs -text\n");
    expect(files[0]!.oid).toBe(gitBlob(Buffer.from(modelAttributes)));
    const datasetAttributes = emulator.readFile("datasets/acme/corpus", ".gitattributes")!.toString("utf8");
    expect(datasetAttributes).toContain("*.parquet filter=lfs");
    expect(datasetAttributes).toContain("*.mp3 filter=lfs");

    const [initial] = emulator.history("acme/encoder");
    expect(initial!.oid).toMatch(/^[0-9a-f]{40}$/);
    expect(initial!.parents).toEqual([]);

    const again = await rejection(createRepo({ repo: "acme/encoder", accessToken: TOKEN, hubUrl: origin }));
    expect(again.statusCode).toBe(409);
    expect(again.message).toContain("You already created this model repo");
  });
});

describe("Hub emulator: uploads and reads with the real client", () => {
  it("uploads regular and LFS files (basic and multipart), then lists, describes and downloads them", async () => {
    const { origin, ...emulator } = await startHub({ treePageSize: 2, multipartThreshold: 8 * MiB, multipartChunkSize: 4 * MiB });
    await createRepo({ repo: "acme/encoder", accessToken: TOKEN, hubUrl: origin });
    const readme = text("# Encoder\n\nA model card.\n");
    const config = text('{"hidden_size": 8}\n');
    const weights = randomBytes(200 * 1024);
    const big = randomBytes(11 * MiB + 12_345); // over 10 MiB: LFS by size; over 8 MiB: three 4 MiB parts

    const out = await uploadFiles({
      repo: "acme/encoder",
      accessToken: TOKEN,
      hubUrl: origin,
      useXet: false,
      commitTitle: "Release v1",
      files: [
        { path: "README.md", content: new Blob([readme]) },
        { path: "config.json", content: new Blob([config]) },
        { path: "weights/model.safetensors", content: new Blob([weights]) },
        { path: "weights/shards/big.dat", content: new Blob([big]) },
      ],
    });
    const [head] = emulator.history("acme/encoder");
    expect(out?.commit.oid).toBe(head!.oid);
    expect(out?.commit.url).toBe(`${origin}/acme/encoder/commit/${head!.oid}`);
    expect(head!.title).toBe("Release v1");
    expect(emulator.stats).toMatchObject({
      lfsBatchRequests: 1,
      lfsObjectUploads: 1,
      lfsPartUploads: 3,
      lfsMultipartCompletions: 1,
      lfsBytesReceived: weights.length + big.length,
      commits: 1,
    });
    // The platform tracks an LFS file no pattern covers.
    expect(emulator.readFile("acme/encoder", ".gitattributes")!.toString("utf8")).toMatch(
      /\nweights\/shards\/big\.dat filter=lfs diff=lfs merge=lfs -text\n$/,
    );

    // Recursive listing over several pages of two entries, following absolute Link headers.
    const listed = await all(listFiles({ repo: "acme/encoder", recursive: true, accessToken: TOKEN, hubUrl: origin }));
    const treeRequests = emulator.requests.filter((r) => r.url.startsWith("/api/models/acme/encoder/tree/main"));
    expect(treeRequests.length).toBe(4);
    expect(treeRequests.slice(1).every((r) => r.url.includes("cursor="))).toBe(true);
    expect(listed.map((f) => [f.type, f.path])).toEqual([
      ["file", ".gitattributes"],
      ["file", "README.md"],
      ["file", "config.json"],
      ["directory", "weights"],
      ["file", "weights/model.safetensors"],
      ["directory", "weights/shards"],
      ["file", "weights/shards/big.dat"],
    ]);
    const byPath = new Map<string, ListFileEntry>(listed.map((f) => [f.path, f]));
    expect(byPath.get("README.md")).toMatchObject({ oid: gitBlob(readme), size: readme.length });
    expect(byPath.get("README.md")?.lfs).toBeUndefined();
    const pointer = Buffer.from(`version https://git-lfs.github.com/spec/v1\noid sha256:${sha256(big)}\nsize ${big.length}\n`);
    expect(byPath.get("weights/shards/big.dat")).toMatchObject({
      oid: gitBlob(pointer),
      size: big.length,
      lfs: { oid: sha256(big), size: big.length, pointerSize: pointer.length },
    });
    const top = await all(listFiles({ repo: "acme/encoder", path: "weights", accessToken: TOKEN, hubUrl: origin }));
    expect(top.map((f) => f.path)).toEqual(["weights/model.safetensors", "weights/shards"]);

    const infos = await pathsInfo({
      repo: "acme/encoder",
      paths: ["README.md", "weights", "weights/shards/big.dat", "missing.txt"],
      expand: true,
      accessToken: TOKEN,
      hubUrl: origin,
    });
    expect(infos.map((i) => [i.type, i.path])).toEqual([
      ["file", "README.md"],
      ["directory", "weights"],
      ["file", "weights/shards/big.dat"],
    ]);
    expect(infos[0]!.lastCommit).toMatchObject({ id: head!.oid, title: "Release v1" });
    expect(infos[2]!.lfs).toEqual({ oid: sha256(big), size: big.length, pointerSize: pointer.length });

    const readmeInfo = await fileDownloadInfo({ repo: "acme/encoder", path: "README.md", accessToken: TOKEN, hubUrl: origin });
    expect(readmeInfo).toMatchObject({ size: readme.length, etag: `"${gitBlob(readme)}"` });
    const bigInfo = await fileDownloadInfo({ repo: "acme/encoder", path: "weights/shards/big.dat", accessToken: TOKEN, hubUrl: origin });
    expect(bigInfo).toMatchObject({ size: big.length, etag: `"${sha256(big)}"` });
    expect(bigInfo!.url).toContain(`${origin}/cdn-lfs/${sha256(big)}?`);
    const probe = emulator.requests.find((r) => r.url === "/acme/encoder/resolve/main/weights/shards/big.dat");
    expect(probe).toMatchObject({ range: "bytes=0-0", status: 302 });
    expect(await fileDownloadInfo({ repo: "acme/encoder", path: "missing.txt", accessToken: TOKEN, hubUrl: origin })).toBeNull();

    const gotBig = await bytesOf(await downloadFile({ repo: "acme/encoder", path: "weights/shards/big.dat", accessToken: TOKEN, hubUrl: origin }));
    expect(gotBig.length).toBe(big.length);
    expect(sha256(gotBig)).toBe(sha256(big));
    expect(await bytesOf(await downloadFile({ repo: "acme/encoder", path: "README.md", accessToken: TOKEN, hubUrl: origin }))).toEqual(
      Buffer.from(readme),
    );
    expect(sha256(await bytesOf(await downloadFile({ repo: "acme/encoder", path: "weights/model.safetensors", hubUrl: origin })))).toBe(
      sha256(weights),
    );
  });

  it("computes the ids git computes: blobs, trees, and commits", async () => {
    const { origin, ...emulator } = await startHub();
    await createRepo({ repo: "acme/ids", accessToken: TOKEN, hubUrl: origin });
    await uploadFiles({
      repo: "acme/ids",
      accessToken: TOKEN,
      hubUrl: origin,
      useXet: false,
      commitTitle: "Add files",
      commitDescription: "With a description.",
      files: [
        { path: "a.txt", content: new Blob([text("alpha\n")]) },
        { path: "dir/b.txt", content: new Blob([text("beta\n")]) },
        { path: "dir-x/c.txt", content: new Blob([text("gamma\n")]) },
        { path: "weights.safetensors", content: new Blob([randomBytes(1000)]) },
      ],
    });
    const [head, initial] = emulator.history("acme/ids");
    const dir = tempDir();
    const git = (args: string[], env: NodeJS.ProcessEnv = {}) => {
      const result = spawnSync("git", ["-c", "commit.gpgsign=false", ...args], { cwd: dir, encoding: "utf8", env: { ...process.env, ...env } });
      expect(result.status, result.stderr).toBe(0);
      return result.stdout.trim();
    };
    const commitTree = (c: typeof head, tree: string, messages: string[]) => {
      const stamp = `@${Math.floor(c!.date.getTime() / 1000)} +0000`;
      const [name, email] = /^(.*) <(.*)>$/.exec(c!.author)!.slice(1);
      const who = { GIT_AUTHOR_NAME: name, GIT_AUTHOR_EMAIL: email, GIT_COMMITTER_NAME: name, GIT_COMMITTER_EMAIL: email };
      const parents = c!.parents.flatMap((p) => ["-p", p]);
      return git(["commit-tree", tree, ...parents, ...messages.flatMap((m) => ["-m", m])], { ...who, GIT_AUTHOR_DATE: stamp, GIT_COMMITTER_DATE: stamp });
    };
    git(["init", "-q"]);
    writeTree(dir, { ".gitattributes": initial!.files.get(".gitattributes")!.gitContent });
    git(["add", "-A"]);
    const initialTree = git(["write-tree"]);
    expect(initialTree).toBe(initial!.trees.get(""));
    expect(commitTree(initial, initialTree, ["initial commit"])).toBe(initial!.oid);

    writeTree(dir, Object.fromEntries([...head!.files].map(([path, file]) => [path, file.gitContent])));
    git(["add", "-A"]);
    const tree = git(["write-tree"]);
    expect(tree).toBe(head!.trees.get(""));
    expect(git(["rev-parse", `${tree}:dir`])).toBe(head!.trees.get("dir"));
    expect(git(["rev-parse", `${tree}:weights.safetensors`])).toBe(head!.files.get("weights.safetensors")!.blobOid);
    expect(commitTree(head, tree, ["Add files", "With a description."])).toBe(head!.oid);

    const raw = await fetch(`${origin}/acme/ids/raw/main/weights.safetensors`);
    expect((await raw.text()).startsWith("version https://git-lfs.github.com/spec/v1\noid sha256:")).toBe(true);
  });
});

describe("Hub emulator: commits, LFS dedup and revisions", () => {
  it("sends no bytes for an LFS object the repo already holds", async () => {
    const { origin, ...emulator } = await startHub({ multipartThreshold: 8 * MiB, multipartChunkSize: 4 * MiB });
    await createRepo({ repo: "acme/dedup", accessToken: TOKEN, hubUrl: origin });
    const big = randomBytes(10 * MiB + 1);
    const upload = (path: string) =>
      uploadFiles({ repo: "acme/dedup", accessToken: TOKEN, hubUrl: origin, useXet: false, files: [{ path, content: new Blob([big]) }] });
    await upload("weights/a.bin");
    expect(emulator.stats).toMatchObject({ lfsPartUploads: 3, lfsBytesReceived: big.length, lfsBatchRequests: 1 });

    await upload("weights/a.bin");
    await upload("weights/copy.bin");
    expect(emulator.stats).toMatchObject({ lfsPartUploads: 3, lfsObjectUploads: 0, lfsBytesReceived: big.length, lfsBatchRequests: 3, commits: 3 });
    expect(emulator.requests.filter((r) => r.url.startsWith("/lfs-storage/")).length).toBe(4); // three parts and one completion
    const files = await all(listFiles({ repo: "acme/dedup", recursive: true, hubUrl: origin }));
    expect(files.filter((f) => f.lfs?.oid === sha256(big)).map((f) => f.path)).toEqual(["weights/a.bin", "weights/copy.bin"]);
  });

  it("refuses a commit whose parentCommit is no longer the head with 412", async () => {
    const { origin, ...emulator } = await startHub();
    await createRepo({ repo: "acme/race", accessToken: TOKEN, hubUrl: origin });
    const base = emulator.history("acme/race")[0]!.oid;
    const first = await commit({
      repo: "acme/race",
      accessToken: TOKEN,
      hubUrl: origin,
      title: "First",
      parentCommit: base,
      operations: [{ operation: "addOrUpdate", path: "one.txt", content: new Blob([text("1\n")]) }],
      useXet: false,
    });
    const stale = await rejection(
      commit({
        repo: "acme/race",
        accessToken: TOKEN,
        hubUrl: origin,
        title: "Second, from a stale head",
        parentCommit: base,
        operations: [{ operation: "addOrUpdate", path: "two.txt", content: new Blob([text("2\n")]) }],
        useXet: false,
      }),
    );
    expect(stale.statusCode).toBe(412);
    expect(stale.message).toContain("A commit has happened since");
    expect(emulator.history("acme/race").map((c) => c.oid)).toEqual([first!.commit.oid, base]);

    const deleted = await commit({
      repo: "acme/race",
      accessToken: TOKEN,
      hubUrl: origin,
      title: "Delete one.txt",
      parentCommit: first!.commit.oid,
      operations: [{ operation: "delete", path: "one.txt" }],
    });
    expect(emulator.history("acme/race")[0]!.oid).toBe(deleted!.commit.oid);
    expect(emulator.readFile("acme/race", "one.txt")).toBeUndefined();
    const missing = await rejection(
      commit({ repo: "acme/race", accessToken: TOKEN, hubUrl: origin, title: "Delete again", operations: [{ operation: "delete", path: "one.txt" }] }),
    );
    expect(missing.statusCode).toBe(404);
  });

  it("resolves a tag (and a commit id) to the files as of its commit after main moves on", async () => {
    const { origin, ...emulator } = await startHub();
    await createRepo({ repo: { type: "dataset", name: "acme/corpus" }, accessToken: TOKEN, hubUrl: origin });
    const repo = { type: "dataset" as const, name: "acme/corpus" };
    const v1 = randomBytes(64 * 1024);
    const first = await uploadFiles({
      repo,
      accessToken: TOKEN,
      hubUrl: origin,
      useXet: false,
      files: [
        { path: "data/train.parquet", content: new Blob([v1]) },
        { path: "README.md", content: new Blob([text("v1\n")]) },
      ],
    });
    const tag = (name: string) =>
      fetch(`${origin}/api/datasets/acme/corpus/tag/main`, {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({ tag: name, message: `Release ${name}` }),
      });
    expect((await tag("v1.0")).status).toBe(200);
    expect((await tag("v1.0")).status).toBe(409);

    const v2 = randomBytes(64 * 1024);
    await uploadFiles({
      repo,
      accessToken: TOKEN,
      hubUrl: origin,
      useXet: false,
      files: [
        { path: "data/train.parquet", content: new Blob([v2]) },
        { path: "data/extra.parquet", content: new Blob([v2]) },
        { path: "README.md", content: new Blob([text("v2\n")]) },
      ],
    });
    const read = async (path: string, revision?: string) =>
      bytesOf(await downloadFile({ repo, path, hubUrl: origin, ...(revision !== undefined && { revision }) }));
    expect(sha256(await read("data/train.parquet", "v1.0"))).toBe(sha256(v1));
    expect(sha256(await read("data/train.parquet"))).toBe(sha256(v2));
    expect((await read("README.md", "v1.0")).toString()).toBe("v1\n");
    expect((await read("README.md", first!.commit.oid)).toString()).toBe("v1\n");
    expect((await read("README.md", "main")).toString()).toBe("v2\n");
    const paths = async (revision: string) => (await all(listFiles({ repo, recursive: true, revision, hubUrl: origin }))).map((f) => f.path);
    expect(await paths("v1.0")).toEqual([".gitattributes", "README.md", "data", "data/train.parquet"]);
    expect(await paths("main")).toEqual([".gitattributes", "README.md", "data", "data/extra.parquet", "data/train.parquet"]);

    const refs = (await (await fetch(`${origin}/api/datasets/acme/corpus/refs`)).json()) as { tags: { name: string; targetCommit: string }[] };
    expect(refs.tags).toEqual([{ name: "v1.0", ref: "refs/tags/v1.0", targetCommit: first!.commit.oid }]);
    expect(emulator.repo("datasets/acme/corpus")?.tags.get("v1.0")?.message).toBe("Release v1.0");

    const unknown = await fetch(`${origin}/datasets/acme/corpus/resolve/v9.9/README.md`);
    expect([unknown.status, unknown.headers.get("x-error-code")]).toEqual([404, "RevisionNotFound"]);
    const missing = await fetch(`${origin}/datasets/acme/corpus/resolve/v1.0/data/extra.parquet`);
    expect([missing.status, missing.headers.get("x-error-code")]).toEqual([404, "EntryNotFound"]);
  });

  it("decides the upload mode at preupload: LFS patterns, size over 10 MiB, binary content", async () => {
    const { origin } = await startHub();
    await createRepo({ repo: "acme/modes", accessToken: TOKEN, hubUrl: origin });
    const sample = (bytes: Uint8Array) => Buffer.from(bytes.subarray(0, 512)).toString("base64");
    const res = await fetch(`${origin}/api/models/acme/modes/preupload/main`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({
        files: [
          { path: "notes.txt", size: 12, sample: sample(text("hello there\n")) },
          { path: "tiny.safetensors", size: 8, sample: sample(text("not real")) },
          { path: "huge.txt", size: 10 * MiB + 1, sample: sample(text("a".repeat(512))) },
          { path: "blob.dat", size: 4, sample: sample(new Uint8Array([1, 0, 2, 3])) },
          { path: ".gitattributes", size: 10, sample: sample(text("*.x filter")) },
        ],
      }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { files: { path: string; uploadMode: string; oid?: string }[]; commitOid: string };
    expect(body.files.map((f) => [f.path, f.uploadMode])).toEqual([
      ["notes.txt", "regular"],
      ["tiny.safetensors", "lfs"],
      ["huge.txt", "lfs"],
      ["blob.dat", "lfs"],
      [".gitattributes", "regular"],
    ]);
    expect(body.files[4]!.oid).toMatch(/^[0-9a-f]{40}$/);

    // An lfsFile line naming an object never uploaded is refused.
    const commitRes = await fetch(`${origin}/api/models/acme/modes/commit/main`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/x-ndjson" },
      body: [
        { key: "header", value: { summary: "Pointer to nothing" } },
        { key: "lfsFile", value: { path: "ghost.bin", algo: "sha256", oid: "0".repeat(64), size: 3 } },
      ]
        .map((line) => JSON.stringify(line))
        .join("\n"),
    });
    expect(commitRes.status).toBe(422);
  });
});

describe("Hub emulator: access", () => {
  it("serves public repos anonymously, refuses anonymous writes and hides private repos like missing ones", async () => {
    const { origin, ...emulator } = await startHub({ repos: [{ repo: "acme/open", files: { "README.md": "# Open\n" } }] });
    const files = await all(listFiles({ repo: "acme/open", hubUrl: origin }));
    expect(files.map((f) => f.path)).toEqual([".gitattributes", "README.md"]);
    expect((await bytesOf(await downloadFile({ repo: "acme/open", path: "README.md", hubUrl: origin }))).toString()).toBe("# Open\n");

    const anonymousWrite = await rejection(
      uploadFiles({ repo: "acme/open", hubUrl: origin, useXet: false, files: [{ path: "x.txt", content: new Blob([text("x")]) }] }),
    );
    expect(anonymousWrite.statusCode).toBe(401);
    expect(emulator.history("acme/open")).toHaveLength(2);

    emulator.setPrivate("acme/open", true);
    const hidden = await rejection(all(listFiles({ repo: "acme/open", hubUrl: origin })));
    expect(hidden.statusCode).toBe(401);
    const anonymous = await fetch(`${origin}/acme/open/resolve/main/README.md`);
    const nowhere = await fetch(`${origin}/acme/nowhere/resolve/main/README.md`);
    for (const res of [anonymous, nowhere]) expect([res.status, res.headers.get("x-error-code")]).toEqual([401, "RepoNotFound"]);
    expect(await anonymous.json()).toEqual(await nowhere.json());
    const withToken = await fetch(`${origin}/acme/nowhere/resolve/main/README.md`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect([withToken.status, withToken.headers.get("x-error-code")]).toEqual([404, "RepoNotFound"]);
    expect((await bytesOf(await downloadFile({ repo: "acme/open", path: "README.md", accessToken: TOKEN, hubUrl: origin }))).toString()).toBe(
      "# Open\n",
    );
  });

  it("refuses tokens that are not hf_ tokens (the client before sending, the emulator when sent) and read-only tokens for writes", async () => {
    const { origin, ...emulator } = await startHub({ tokens: { [TOKEN]: "write", hf_readOnlyToken0123456789: "read" } });
    await createRepo({ repo: "acme/guarded", accessToken: TOKEN, hubUrl: origin });
    const before = emulator.requests.length;
    await expect(createRepo({ repo: "acme/other", accessToken: "ghp_notAHubToken", hubUrl: origin })).rejects.toThrow(
      "Your access token must start with 'hf_'",
    );
    await expect(all(listFiles({ repo: "acme/guarded", accessToken: "ghp_notAHubToken", hubUrl: origin }))).rejects.toThrow(TypeError);
    expect(emulator.requests.length).toBe(before); // the client refused before sending anything

    for (const authorization of ["Bearer ghp_notAHubToken", "Bearer hf_unknownToken0123456789"]) {
      const read = await fetch(`${origin}/api/models/acme/guarded/tree/main`, { headers: { authorization } });
      expect(read.status).toBe(401);
      expect(((await read.json()) as { error: string }).error).toBe("Invalid credentials in Authorization header");
      const write = await fetch(`${origin}/api/repos/create`, {
        method: "POST",
        headers: { authorization, "content-type": "application/json" },
        body: JSON.stringify({ name: "other", organization: "acme", type: "model" }),
      });
      expect(write.status).toBe(401);
    }
    const readOnly = await rejection(
      uploadFiles({
        repo: "acme/guarded",
        accessToken: "hf_readOnlyToken0123456789",
        hubUrl: origin,
        useXet: false,
        files: [{ path: "x.txt", content: new Blob([text("x")]) }],
      }),
    );
    expect(readOnly.statusCode).toBe(403);
    expect(emulator.repo("acme/other")).toBeUndefined();
  });
});

describe("Hub emulator: faults", () => {
  const seeded = { repos: [{ repo: "acme/faulty", files: { "README.md": "# Faulty\n".repeat(100), "weights.bin": randomBytes(4096) } }] };

  it("answers a 5xx the client does not retry", async () => {
    const { origin, faults, ...emulator } = await startHub(seeded);
    faults.inject({ method: "POST", path: "/preupload/", fault: { kind: "status", status: 503 } });
    const upload = () =>
      uploadFiles({ repo: "acme/faulty", accessToken: TOKEN, hubUrl: origin, useXet: false, files: [{ path: "x.txt", content: new Blob([text("x")]) }] });
    expect((await rejection(upload())).statusCode).toBe(503);
    expect(faults.pending).toBe(0);
    expect(emulator.stats.commits).toBe(0);
    await upload(); // the fault is used up
    expect(emulator.stats.commits).toBe(1);
  });

  it("rate-limits with 429 and Retry-After", async () => {
    const { origin, faults } = await startHub(seeded);
    faults.inject({ path: "/tree/", fault: { kind: "rate-limit", retryAfterSeconds: 7 }, times: 2 });
    expect((await rejection(all(listFiles({ repo: "acme/faulty", hubUrl: origin })))).statusCode).toBe(429);
    const res = await fetch(`${origin}/api/models/acme/faulty/tree/main`);
    expect([res.status, res.headers.get("retry-after")]).toEqual([429, "7"]);
    expect((await all(listFiles({ repo: "acme/faulty", hubUrl: origin }))).length).toBe(3);
  });

  it("resets the connection mid-body", async () => {
    const { origin, faults } = await startHub(seeded);
    faults.inject({ path: "/tree/", fault: { kind: "reset" } });
    await expect(all(listFiles({ repo: "acme/faulty", hubUrl: origin }))).rejects.toThrow();
    const info = await fileDownloadInfo({ repo: "acme/faulty", path: "README.md", hubUrl: origin });
    faults.inject({ path: "/resolve/main/README.md", fault: { kind: "reset" } });
    const blob = await downloadFile({ repo: "acme/faulty", path: "README.md", hubUrl: origin, downloadInfo: info! });
    await expect(blob!.arrayBuffer()).rejects.toThrow();
  });

  it("delays a reply", async () => {
    const { origin, faults } = await startHub(seeded);
    faults.inject({ path: "/tree/", fault: { kind: "slow", delayMs: 300 } });
    const started = performance.now();
    const files = await all(listFiles({ repo: "acme/faulty", hubUrl: origin }));
    expect(performance.now() - started).toBeGreaterThanOrEqual(295);
    expect(files).toHaveLength(3);
  });

  it("truncates a body (an LFS file served by the CDN)", async () => {
    const { origin, faults } = await startHub(seeded);
    const info = await fileDownloadInfo({ repo: "acme/faulty", path: "weights.bin", hubUrl: origin });
    expect(info!.url).toContain("/cdn-lfs/");
    faults.inject({ path: "/cdn-lfs/", fault: { kind: "truncate", bytes: 100 } });
    const blob = await downloadFile({ repo: "acme/faulty", path: "weights.bin", hubUrl: origin, downloadInfo: info! });
    await expect(blob!.arrayBuffer()).rejects.toThrow();
    expect(faults.pending).toBe(0);
  });

  it("serves wrong bytes for a file: the client does not notice, the sha256 does", async () => {
    const { origin, faults, ...emulator } = await startHub(seeded);
    const readme = emulator.readFile("acme/faulty", "README.md")!;
    const weights = emulator.readFile("acme/faulty", "weights.bin")!;
    const info = await fileDownloadInfo({ repo: "acme/faulty", path: "README.md", hubUrl: origin });
    faults.inject({ path: "/resolve/main/README.md", fault: { kind: "wrong-bytes" } });
    const wrong = await bytesOf(await downloadFile({ repo: "acme/faulty", path: "README.md", hubUrl: origin, downloadInfo: info! }));
    expect(wrong.length).toBe(readme.length);
    expect(sha256(wrong)).not.toBe(sha256(readme));

    // On an LFS file the fault follows the redirect to the bytes.
    faults.inject({ path: "/resolve/main/weights.bin", fault: { kind: "wrong-bytes" } });
    const res = await fetch(`${origin}/acme/faulty/resolve/main/weights.bin`);
    expect(res.url).toContain("/cdn-lfs/");
    const got = Buffer.from(await res.arrayBuffer());
    expect(got.length).toBe(weights.length);
    expect(sha256(got)).not.toBe(sha256(weights));
    expect(sha256(Buffer.from(await (await fetch(`${origin}/acme/faulty/resolve/main/weights.bin`)).arrayBuffer()))).toBe(sha256(weights));
  });
});

describe("Hub emulator: malformed requests", () => {
  it("answers 4xx, never an emulator error, to bodies and paths the Hub would refuse", async () => {
    const { origin } = await startHub({ repos: [{ repo: "acme/strict" }] });
    const auth = { authorization: `Bearer ${TOKEN}` };
    const cases: [string, string, string | undefined][] = [
      ["POST", "/api/repos/create", "not json"],
      ["POST", "/api/repos/create", JSON.stringify({ name: "../x", organization: "acme" })],
      ["POST", "/api/repos/create", JSON.stringify({ name: "x", organization: "acme", type: "bucket" })],
      ["POST", "/api/repos/create", JSON.stringify({ name: "x", organization: "acme", files: [null, 3] })],
      ["POST", "/api/models/acme/strict/preupload/main", JSON.stringify({ files: [null] })],
      ["POST", "/api/models/acme/strict/preupload/nope", JSON.stringify({ files: [] })],
      ["POST", "/api/models/acme/strict/commit/main", "{not ndjson"],
      ["POST", "/api/models/acme/strict/commit/main", JSON.stringify({ key: "file", value: { path: "a.txt", content: "eA==" } })],
      ["POST", "/api/models/acme/strict/commit/main", `${JSON.stringify({ key: "header", value: { summary: "s" } })}\n${JSON.stringify({ key: "file", value: { path: "../a", content: "" } })}`],
      ["POST", "/api/models/acme/strict/commit/main", `${JSON.stringify({ key: "header", value: { summary: "s", parentCommit: "abc" } })}`],
      ["POST", "/acme/strict.git/info/lfs/objects/batch", "[]"],
      ["PUT", "/lfs-storage/unknown", "bytes"],
      ["POST", "/lfs-storage/unknown/complete", "{}"],
      ["POST", "/api/models/acme/strict/paths-info/main", JSON.stringify({ paths: "README.md" })],
      ["GET", "/api/models/acme/strict/tree/main?cursor=!!!", undefined],
      ["GET", "/api/models/acme/strict/tree/main/no/such/dir", undefined],
      ["POST", "/api/models/acme/strict/tag/main", JSON.stringify({ tag: "bad tag" })],
      ["GET", "/cdn-lfs/0000?Expires=1&Signature=x", undefined],
      ["GET", "/no/such/route/at/all", undefined],
    ];
    for (const [method, path, body] of cases) {
      const res = await fetch(`${origin}${path}`, { method, headers: auth, ...(body !== undefined && { body }) });
      const status = res.status;
      const reply = await res.text();
      expect(status >= 400 && status < 500, `${method} ${path} answered ${status}: ${reply}`).toBe(true);
    }
    // The batch API reports bad objects one by one, in a 200 (git-lfs's protocol).
    const batch = await fetch(`${origin}/acme/strict.git/info/lfs/objects/batch`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ operation: "upload", transfers: ["basic"], objects: [null, { oid: "x", size: -1 }] }),
    });
    expect(batch.status).toBe(200);
    const objects = ((await batch.json()) as { objects: { error?: { code: number } }[] }).objects;
    expect(objects.map((o) => o.error?.code)).toEqual([422, 422]);
  });
});
