/**
 * What the Hub emulator remembers: repos with their commits (full snapshots, real git ids),
 * branches and tags, the LFS objects each repo owns, and the upload policy (which files go
 * through LFS, which LFS uploads are multipart).
 */
import { randomBytes } from "node:crypto";
import { defaultGitattributes, gitBlobSha1, gitCommitSha, gitTreeShas, lfsPointer, lfsTrackLine, lfsTracked } from "./hub-git.js";

export type HubRepoType = "model" | "dataset" | "space";

export const REPO_TYPES: readonly HubRepoType[] = ["model", "dataset", "space"];

/** URL prefix of a repo type in web and git paths: none for models. */
export function typePrefix(type: HubRepoType): string {
  return type === "model" ? "" : `${type}s/`;
}

export interface StoredFile {
  path: string;
  /** The git blob id of what git stores: the file itself, or its LFS pointer. */
  blobOid: string;
  /** The file's size (the LFS object's size for LFS files). */
  size: number;
  /** What git stores: the file's bytes, or the LFS pointer. */
  gitContent: Buffer;
  lfs?: { oid: string; size: number; pointerSize: number };
}

export interface HubCommit {
  oid: string;
  parents: string[];
  title: string;
  message: string;
  author: string;
  date: Date;
  files: ReadonlyMap<string, StoredFile>;
  /** Tree id of every directory, `""` for the root. */
  trees: ReadonlyMap<string, string>;
}

/** A change a commit makes, as the commit endpoint's NDJSON lines carry them. */
export type CommitOp =
  | { key: "file"; path: string; content?: Buffer; oldPath?: string }
  | { key: "lfsFile"; path: string; oid?: string; size?: number; oldPath?: string }
  | { key: "deletedFile"; path: string }
  | { key: "deletedFolder"; path: string };

/** A refusal with the Hub's status, error code header and message. */
export class HubError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

export interface UploadPolicy {
  /** Files above this size go through LFS (the Hub: 10 MiB). */
  lfsThreshold: number;
}

export class HubRepo {
  readonly commits = new Map<string, HubCommit>();
  readonly branches = new Map<string, string>();
  readonly tags = new Map<string, { oid: string; message: string }>();
  /** LFS objects uploaded to this repo (sha256s); their bytes live in the shared storage. */
  readonly lfs = new Set<string>();
  readonly id = randomBytes(12).toString("hex");
  private pullRequests = 0;

  constructor(
    readonly type: HubRepoType,
    /** `namespace/name`. */
    readonly name: string,
    public isPrivate: boolean,
    readonly createdAt: Date,
    /** LFS objects at least this large are uploaded in parts. */
    public multipartThreshold: number,
  ) {}

  /** The repo as the client designates it: `ns/name`, `datasets/ns/name`, `spaces/ns/name`. */
  get designation(): string {
    return `${typePrefix(this.type)}${this.name}`;
  }

  /** A branch, a tag, a full commit id, or `HEAD` (main). */
  resolve(rev: string): HubCommit | undefined {
    const name = rev === "HEAD" ? "main" : rev.replace(/^refs\/(heads|tags)\//, "");
    const oid = this.branches.get(name) ?? this.tags.get(name)?.oid ?? (/^[0-9a-f]{40}$/.test(rev) ? rev : undefined);
    return oid === undefined ? undefined : this.commits.get(oid);
  }

  /** Commits reachable from `head` along first parents, newest first. */
  history(head: HubCommit): HubCommit[] {
    const out: HubCommit[] = [];
    for (let c: HubCommit | undefined = head; c; c = c.parents[0] ? this.commits.get(c.parents[0]) : undefined) out.push(c);
    return out;
  }

  nextPullRequest(): number {
    return (this.pullRequests += 1);
  }

  /** The commit that last changed `path` (a file or a directory) as of `head`. */
  lastCommitOf(head: HubCommit, path: string): HubCommit {
    const signature = (c: HubCommit) => c.files.get(path)?.blobOid ?? c.trees.get(path);
    const wanted = signature(head);
    let c = head;
    for (;;) {
      const parent = c.parents[0] ? this.commits.get(c.parents[0]) : undefined;
      if (!parent || signature(parent) !== wanted) return c;
      c = parent;
    }
  }
}

/** The repos and the LFS storage they share (objects are stored once, owned per repo). */
export class HubStore {
  readonly repos = new Map<string, HubRepo>();
  readonly objects = new Map<string, Buffer>();

  constructor(
    readonly policy: UploadPolicy,
    readonly now: () => Date,
  ) {}

  repo(type: HubRepoType, name: string): HubRepo | undefined {
    return this.repos.get(`${typePrefix(type)}${name}`);
  }

  /** Creates a repo with the platform's initial commit (`.gitattributes`, plus `files`). */
  create(type: HubRepoType, name: string, isPrivate: boolean, multipartThreshold: number, files: CommitOp[] = []): HubRepo {
    const repo = new HubRepo(type, name, isPrivate, this.now(), multipartThreshold);
    const ops: CommitOp[] = [{ key: "file", path: ".gitattributes", content: Buffer.from(defaultGitattributes(type)) }, ...files];
    repo.branches.set("main", this.commit(repo, undefined, ops, { title: "initial commit", description: "" }).oid);
    this.repos.set(repo.designation, repo);
    return repo;
  }

  /** Whether the Hub would want this file through LFS: `.gitattributes`, size, or binary content. */
  wantsLfs(gitattributes: string, path: string, size: number, sample: Uint8Array): boolean {
    return lfsTracked(gitattributes, path) || size > this.policy.lfsThreshold || sample.subarray(0, 512).includes(0);
  }

  /** Applies `ops` on top of `parent` and stores the new commit (refs are the caller's). */
  commit(
    repo: HubRepo,
    parent: HubCommit | undefined,
    ops: readonly CommitOp[],
    meta: { title: string; description: string },
  ): HubCommit {
    const files = new Map(parent?.files ?? []);
    const addedLfs: string[] = [];
    for (const op of ops) {
      const path = checkPath(op.key === "deletedFolder" ? op.path.replace(/\/+$/, "") : op.path);
      const renamed =
        (op.key === "file" && op.content === undefined) || (op.key === "lfsFile" && op.oid === undefined)
          ? op.oldPath
          : undefined;
      if (op.key === "deletedFile") {
        if (!files.delete(path)) throw new HubError(404, `Entry not found: ${path}`, "EntryNotFound");
      } else if (op.key === "deletedFolder") {
        const under = [...files.keys()].filter((p) => p.startsWith(`${path}/`));
        if (under.length === 0) throw new HubError(404, `Entry not found: ${path}`, "EntryNotFound");
        for (const p of under) files.delete(p);
      } else if (renamed !== undefined) {
        const old = files.get(checkPath(renamed));
        if (!old) throw new HubError(404, `Entry not found: ${renamed}`, "EntryNotFound");
        files.delete(old.path);
        files.set(path, { ...old, path });
      } else if (op.key === "file") {
        const content = op.content;
        if (content === undefined) throw new HubError(400, `Invalid commit: no content for ${path}`);
        if (content.length > this.policy.lfsThreshold) {
          const limit = formatMiB(this.policy.lfsThreshold);
          throw new HubError(
            400,
            `Your push was rejected because it contains files larger than ${limit}. ` +
              `Please use https://git-lfs.github.com/ to store large files. Offending file: ${path}`,
          );
        }
        if (content.subarray(0, 512).includes(0)) {
          const message = "Your push was rejected because it contains binary files. Please use LFS to store binary files.";
          throw new HubError(400, `${message} Offending file: ${path}`);
        }
        files.set(path, { path, blobOid: gitBlobSha1(content), size: content.length, gitContent: content });
      } else {
        const { oid, size } = op;
        if (oid === undefined || size === undefined || !repo.lfs.has(oid) || this.objects.get(oid)?.length !== size) {
          throw new HubError(
            422,
            `Your push was rejected because an LFS pointer pointed to a file that does not exist. Offending file: - ${path}`,
          );
        }
        const pointer = lfsPointer(oid, size);
        const lfs = { oid, size, pointerSize: pointer.length };
        files.set(path, { path, blobOid: gitBlobSha1(pointer), size, gitContent: pointer, lfs });
        addedLfs.push(path);
      }
    }
    // Like the platform, track LFS files the attributes do not cover yet.
    const attributes = files.get(".gitattributes")?.gitContent.toString("utf8") ?? "";
    const missing = addedLfs.filter((path) => !lfsTracked(attributes, path));
    if (missing.length > 0) {
      const separator = attributes === "" || attributes.endsWith("\n") ? "" : "\n";
      const content = Buffer.from(`${attributes}${separator}${missing.map(lfsTrackLine).join("\n")}\n`);
      files.set(".gitattributes", { path: ".gitattributes", blobOid: gitBlobSha1(content), size: content.length, gitContent: content });
    }
    const dirs = new Set(
      [...files.keys()].flatMap((p) => p.split("/").slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join("/"))),
    );
    const clash = [...files.keys()].find((p) => dirs.has(p));
    if (clash !== undefined) throw new HubError(400, `Invalid commit: ${clash} would be both a file and a directory`);
    const sorted = new Map([...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    const trees = gitTreeShas([...sorted.values()].map((f) => [f.path, f.blobOid]));
    const date = this.now();
    const message = meta.description === "" ? meta.title : `${meta.title}\n\n${meta.description}`;
    const author = "bindery-emulator <emulator@hub.invalid>";
    const parents = parent ? [parent.oid] : [];
    const oid = gitCommitSha({ tree: trees.get("")!, parents, author, date, message });
    const commit: HubCommit = { oid, parents, title: meta.title, message, author, date, files: sorted, trees };
    repo.commits.set(oid, commit);
    return commit;
  }
}

/** Repo-relative paths the Hub accepts: no leading slash, no empty, `.` or `..` segments, not in `.git/`. */
export function checkPath(path: string): string {
  const segments = path.split("/");
  if (path === "" || segments.some((s) => s === "" || s === "." || s === "..") || segments[0] === ".git") {
    throw new HubError(400, `Invalid path: ${JSON.stringify(path)}`);
  }
  return path;
}

function formatMiB(bytes: number): string {
  return bytes % 1_048_576 === 0 ? `${bytes / 1_048_576} MiB` : `${bytes} bytes`;
}
