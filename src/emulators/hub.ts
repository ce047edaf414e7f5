/**
 * A loopback Hugging Face Hub for tests: the subset of the Hub's HTTP API that
 * `@huggingface/hub` (and bindery) use, faithful to what the client sends and reads.
 *
 * - Repos (model, dataset, space): `POST /api/repos/create` (an initial commit with the
 *   platform's `.gitattributes`; 409 if it exists), `DELETE /api/repos/delete`, repo info.
 * - Uploads: preupload (the server decides `lfs` or `regular`), the LFS batch API (`basic` or
 *   `multipart`; already stored objects come back without actions), the NDJSON commit endpoint
 *   (412 when `parentCommit` is not the head). Commit ids, blob ids and tree ids are real git ids.
 * - Reads: tree listing paged by absolute `Link` headers, paths-info, commits, refs, `resolve` /
 *   `raw` with ranges (LFS files redirect to an emulated CDN), tags and branches.
 * - Auth: writes need an `hf_` token; an invalid token is refused everywhere; private repos are
 *   hidden from anonymous callers exactly as missing ones are.
 * - Faults: every request consults `faults` (see server.ts); a body fault on a `resolve` request
 *   of an LFS file moves to the CDN request its redirect leads to, so the file's bytes carry it.
 */
import { randomBytes } from "node:crypto";
import { FaultPlan, Router, serve } from "./server.js";
import { sha256Hex } from "./hub-git.js";
import { hubError, type HubContext, type HubRequestRecord, type HubStats } from "./hub-http.js";
import { lfsRoutes } from "./hub-lfs.js";
import { readRoutes } from "./hub-read.js";
import { HubStore, type CommitOp, type HubCommit, type HubRepo, type HubRepoType } from "./hub-state.js";
import { writeRoutes } from "./hub-write.js";

export type { HubRequestRecord, HubStats } from "./hub-http.js";
export type { HubCommit, HubRepo, HubRepoType, StoredFile } from "./hub-state.js";

export interface HubRepoSeed {
  /** As the client designates it: `ns/name`, `datasets/ns/name` or `spaces/ns/name`. */
  repo: string;
  private?: boolean;
  /** Files of the initial commit (large or binary ones are stored through LFS). */
  files?: Record<string, string | Uint8Array>;
}

export interface HubEmulatorOptions {
  /** Default 0 (any free port). */
  port?: number;
  /** Repos that exist from the start. */
  repos?: HubRepoSeed[];
  /** The only valid tokens and their role; by default every `hf_` token may write. */
  tokens?: Record<string, "read" | "write">;
  /** Entries per tree listing page (default 1000). */
  treePageSize?: number;
  /** Files above this size go through LFS (default 10 MiB, as on the Hub). */
  lfsThreshold?: number;
  /** LFS objects at least this large are uploaded in parts (default 20 MiB; a repo created with `lfsmultipartthresh` uses that). */
  multipartThreshold?: number;
  /** Part size of multipart uploads (default 8 MiB). */
  multipartChunkSize?: number;
  /** The clock of commits and repo creation (default the real one). */
  now?: () => Date;
}

export interface HubEmulator {
  /** `http://127.0.0.1:PORT`: pass it as `hubUrl` to every client call. */
  origin: string;
  faults: FaultPlan;
  /** Live counters (LFS uploads, commits). */
  stats: HubStats;
  /** Every routed request, in arrival order (requests a status or rate-limit fault answered are not routed). */
  requests: HubRequestRecord[];
  /** A repo's full state, or undefined. */
  repo(designation: string): HubRepo | undefined;
  setPrivate(designation: string, isPrivate: boolean): void;
  /** Commits reachable from `rev` (default `main`), newest first. */
  history(designation: string, rev?: string): HubCommit[];
  /** A file's bytes (an LFS file's object) as of `rev` (default `main`). */
  readFile(designation: string, path: string, rev?: string): Buffer | undefined;
  close(): Promise<void>;
}

export async function startHubEmulator(options: HubEmulatorOptions = {}): Promise<HubEmulator> {
  const store = new HubStore({ lfsThreshold: options.lfsThreshold ?? 10 * 1024 * 1024 }, options.now ?? (() => new Date()));
  const multipartThreshold = options.multipartThreshold ?? 20 * 1024 * 1024;
  const ctx: HubContext = {
    store,
    tokens: options.tokens,
    treePageSize: options.treePageSize ?? 1000,
    multipartChunkSize: options.multipartChunkSize ?? 8 * 1024 * 1024,
    stats: { lfsBatchRequests: 0, lfsObjectUploads: 0, lfsPartUploads: 0, lfsMultipartCompletions: 0, lfsBytesReceived: 0, commits: 0 },
    requests: [],
    cdnSecret: randomBytes(32),
    carried: new Map(),
  };
  for (const seed of options.repos ?? []) {
    const { type, name } = parseDesignation(seed.repo);
    const repo = store.create(type, name, seed.private ?? false, multipartThreshold);
    const initial = repo.resolve("main")!;
    const attributes = initial.files.get(".gitattributes")!.gitContent.toString("utf8");
    const files = Object.entries(seed.files ?? {}).map(([path, content]): CommitOp => {
      const bytes = Buffer.from(content);
      if (!store.wantsLfs(attributes, path, bytes.length, bytes)) return { key: "file", path, content: bytes };
      const oid = sha256Hex(bytes);
      store.objects.set(oid, bytes);
      repo.lfs.add(oid);
      return { key: "lfsFile", path, oid, size: bytes.length };
    });
    if (files.length > 0) repo.branches.set("main", store.commit(repo, initial, files, { title: "Upload files", description: "" }).oid);
  }

  const router = new Router();
  writeRoutes(ctx, router, multipartThreshold);
  readRoutes(ctx, router);
  lfsRoutes(ctx, router);
  const faults = new FaultPlan();
  const server = await serve(router, { port: options.port ?? 0, faults, notFound: (ex) => hubError(ex, 404, "Not Found") });

  const find = (designation: string) => {
    const { type, name } = parseDesignation(designation);
    return store.repo(type, name);
  };
  const must = (designation: string) => {
    const repo = find(designation);
    if (!repo) throw new Error(`no such repo: ${designation}`);
    return repo;
  };
  return {
    origin: server.origin,
    faults,
    stats: ctx.stats,
    requests: ctx.requests,
    repo: find,
    setPrivate: (designation, isPrivate) => void (must(designation).isPrivate = isPrivate),
    history: (designation, rev = "main") => {
      const repo = must(designation);
      const head = repo.resolve(rev);
      return head ? repo.history(head) : [];
    },
    readFile: (designation, path, rev = "main") => {
      const file = find(designation)?.resolve(rev)?.files.get(path);
      return file && (file.lfs ? store.objects.get(file.lfs.oid) : file.gitContent);
    },
    close: () => server.close(),
  };
}

/** Designations as the client writes them (`ns/name`, `datasets/ns/name`, `spaces/ns/name`). */
export function parseDesignation(designation: string): { type: HubRepoType; name: string } {
  const m = /^(?:(datasets|spaces)\/)?([^/]+\/[^/]+)$/.exec(designation);
  if (!m) throw new Error(`not a repo designation: ${designation}`);
  return { type: m[1] === "datasets" ? "dataset" : m[1] === "spaces" ? "space" : "model", name: m[2]! };
}
