/**
 * The Hub emulator's write API: repo creation and deletion, preupload (the server decides
 * `lfs` or `regular`), the NDJSON commit endpoint (412 when `parentCommit` is not the head),
 * tags and branches.
 */
import type { Exchange, Router } from "./server.js";
import { accessRepo, flag, hubError, identify, readJson, replyError, resolveRev, route, type HubContext } from "./hub-http.js";
import { HubError, REPO_TYPES, typePrefix, type CommitOp, type HubCommit, type HubRepoType } from "./hub-state.js";

const NAME = /^(?!.*(?:--|\.\.))[A-Za-z0-9][A-Za-z0-9._-]{0,95}$/;

export function writeRoutes(ctx: HubContext, router: Router, multipartThreshold: number): void {
  const { store } = ctx;

  route(ctx, router, "POST", "/api/repos/create", async (ex) => {
    const body = await readJson<{
      name?: string;
      organization?: string;
      type?: string;
      private?: boolean;
      visibility?: string;
      lfsmultipartthresh?: number;
      files?: unknown[];
    }>(ex);
    if (!body) return;
    const who = identify(ctx, ex);
    if (who.kind === "invalid-token") return hubError(ex, 401, "Invalid credentials in Authorization header");
    if (who.kind === "anonymous") return hubError(ex, 401, "Invalid username or password.");
    if (who.role !== "write") return hubError(ex, 403, "You don't have the rights to create a repo: your token is read-only");
    const type = (body.type ?? "model") as HubRepoType;
    if (!REPO_TYPES.includes(type)) return hubError(ex, 400, `Invalid repo type: ${String(body.type)}`);
    if (typeof body.name !== "string" || !NAME.test(body.name) || typeof body.organization !== "string" || !NAME.test(body.organization)) {
      return hubError(ex, 400, "Invalid repo name: use letters, digits, '-', '_' and '.', and an organization");
    }
    const name = `${body.organization}/${body.name}`;
    const url = `${ex.origin}/${typePrefix(type)}${name}`;
    if (store.repo(type, name)) return ex.sendJson(409, { error: `You already created this ${type} repo`, url });
    const isPrivate = body.visibility !== undefined ? body.visibility !== "public" : body.private === true;
    try {
      const files = (Array.isArray(body.files) ? body.files : []).map((f) =>
        commitOp("file", typeof f === "object" && f !== null ? (f as Record<string, unknown>) : {}),
      );
      const threshold = typeof body.lfsmultipartthresh === "number" ? body.lfsmultipartthresh : multipartThreshold;
      const repo = store.create(type, name, isPrivate, threshold, files);
      ex.sendJson(200, { url, name, id: repo.id });
    } catch (error) {
      replyError(ex, error);
    }
  });

  route(ctx, router, "DELETE", "/api/repos/delete", async (ex) => {
    const body = await readJson<{ name?: string; organization?: string; type?: HubRepoType }>(ex);
    if (!body) return;
    const type = body.type ?? "model";
    if (!REPO_TYPES.includes(type)) return hubError(ex, 400, `Invalid repo type: ${String(body.type)}`);
    const repo = accessRepo(ctx, ex, type, `${body.organization}/${body.name}`, "write");
    if (!repo) return;
    store.repos.delete(repo.designation);
    ex.send(200);
  });

  for (const type of REPO_TYPES) {
    const api = `/api/${type}s/:namespace/:repo`;
    const repoOf = (ex: Exchange, params: Record<string, string>, access: "read" | "write") =>
      accessRepo(ctx, ex, type, `${params.namespace}/${params.repo}`, access);

    route(ctx, router, "POST", `${api}/preupload/:rev`, async (ex, params) => {
      const body = await readJson<{ files: unknown; gitAttributes: unknown }>(ex);
      if (!body) return;
      const repo = repoOf(ex, params, "write");
      if (!repo) return;
      const createPr = flag(ex.url.searchParams.get("create_pr"));
      if (!createPr && !repo.branches.has(params.rev!)) return hubError(ex, 404, `Invalid rev id: ${params.rev}`, "RevisionNotFound");
      const commit = resolveRev(ex, repo, params.rev!);
      if (!commit) return;
      if (!Array.isArray(body.files)) return hubError(ex, 400, "Invalid request: files is required");
      const attributes =
        typeof body.gitAttributes === "string" ? body.gitAttributes : (commit.files.get(".gitattributes")?.gitContent.toString("utf8") ?? "");
      const files = [];
      for (const f of body.files as unknown[]) {
        const { path, size, sample } = (typeof f === "object" && f !== null ? f : {}) as Record<string, unknown>;
        if (typeof path !== "string" || typeof size !== "number" || (sample !== undefined && typeof sample !== "string")) {
          return hubError(ex, 400, "Invalid request: each file needs a path, a size and a base64 sample");
        }
        const existing = commit.files.get(path);
        files.push({
          path,
          uploadMode: store.wantsLfs(attributes, path, size, Buffer.from(sample ?? "", "base64")) ? "lfs" : "regular",
          shouldIgnore: false,
          ...(existing && { oid: existing.blobOid }),
        });
      }
      ex.sendJson(200, { files, commitOid: commit.oid });
    });

    route(ctx, router, "POST", `${api}/commit/:rev`, async (ex, params) => {
      const text = (await ex.body()).toString("utf8");
      const repo = repoOf(ex, params, "write");
      if (!repo) return;
      let header: { summary?: unknown; description?: unknown; parentCommit?: unknown } | undefined;
      const ops: CommitOp[] = [];
      try {
        for (const line of text.split("\n")) {
          if (line.trim() === "") continue;
          const { key, value } = JSON.parse(line) as { key?: string; value?: Record<string, unknown> };
          if (key === "header") header = value ?? {};
          else ops.push(commitOp(key, value ?? {}));
        }
      } catch (error) {
        if (error instanceof HubError) return replyError(ex, error);
        return hubError(ex, 400, `Invalid NDJSON commit payload: ${(error as Error).message}`);
      }
      if (!header || typeof header.summary !== "string" || header.summary.trim() === "") {
        return hubError(ex, 400, "Invalid commit: the header line with a summary is required");
      }
      const parentCommit = header.parentCommit;
      if (parentCommit !== undefined && (typeof parentCommit !== "string" || !/^[0-9a-f]{40}$/.test(parentCommit))) {
        return hubError(ex, 400, `Invalid parentCommit: ${String(parentCommit)}`);
      }
      const createPr = flag(ex.url.searchParams.get("create_pr"));
      const rev = params.rev!;
      let base: HubCommit | undefined;
      if (createPr) {
        base = parentCommit !== undefined ? repo.commits.get(parentCommit) : repo.resolve(rev);
        if (!base) return hubError(ex, 404, `Invalid rev id: ${parentCommit ?? rev}`, "RevisionNotFound");
      } else {
        if (!repo.branches.has(rev)) {
          return repo.resolve(rev)
            ? hubError(ex, 400, `Invalid rev id: ${rev} is not a branch`)
            : hubError(ex, 404, `Invalid rev id: ${rev}`, "RevisionNotFound");
        }
        base = repo.commits.get(repo.branches.get(rev)!)!;
        if (parentCommit !== undefined && parentCommit !== base.oid) {
          return hubError(ex, 412, "A commit has happened since. Please refresh and try again.");
        }
      }
      const description = typeof header.description === "string" ? header.description : "";
      let commit: HubCommit;
      try {
        commit = store.commit(repo, base, ops, { title: header.summary, description });
      } catch (error) {
        return replyError(ex, error);
      }
      ctx.stats.commits += 1;
      const web = `${ex.origin}/${repo.designation}`;
      let pullRequestUrl: string | undefined;
      if (createPr) {
        const n = repo.nextPullRequest();
        repo.branches.set(`refs/pr/${n}`, commit.oid);
        pullRequestUrl = `${web}/discussions/${n}`;
      } else {
        repo.branches.set(rev, commit.oid);
      }
      ex.sendJson(200, {
        success: true,
        commitOid: commit.oid,
        commitUrl: `${web}/commit/${commit.oid}`,
        commitMessage: commit.message,
        hookOutput: "",
        ...(pullRequestUrl !== undefined && { pullRequestUrl }),
      });
    });

    route(ctx, router, "POST", `${api}/tag/*rev`, async (ex, params) => {
      const body = await readJson<{ tag?: unknown; message?: unknown }>(ex);
      if (!body) return;
      const repo = repoOf(ex, params, "write");
      const commit = repo && resolveRev(ex, repo, params.rev!);
      if (!repo || !commit) return;
      const tag = body.tag;
      if (typeof tag !== "string" || !validRefName(tag)) return hubError(ex, 400, `Invalid tag name: ${String(tag)}`);
      if (repo.tags.has(tag)) return hubError(ex, 409, `Tag reference refs/tags/${tag} already exists`);
      repo.tags.set(tag, { oid: commit.oid, message: typeof body.message === "string" ? body.message : "" });
      ex.sendJson(200, { name: tag, ref: `refs/tags/${tag}`, targetCommit: commit.oid });
    });

    route(ctx, router, "DELETE", `${api}/tag/*tag`, (ex, params) => {
      const repo = repoOf(ex, params, "write");
      if (!repo) return;
      if (!repo.tags.delete(params.tag!)) return hubError(ex, 404, `Invalid rev id: ${params.tag}`, "RevisionNotFound");
      ex.send(200);
    });

    route(ctx, router, "POST", `${api}/branch/*branch`, async (ex, params) => {
      const body = await readJson<{ startingPoint?: string; emptyBranch?: boolean; overwrite?: boolean }>(ex);
      if (!body) return;
      const repo = repoOf(ex, params, "write");
      if (!repo) return;
      const branch = params.branch!;
      if (!validRefName(branch) || branch.startsWith("refs/")) return hubError(ex, 400, `Invalid branch name: ${branch}`);
      if (body.emptyBranch) return hubError(ex, 400, "Empty branches are not emulated");
      if (repo.branches.has(branch) && !body.overwrite) return hubError(ex, 409, `Reference refs/heads/${branch} already exists`);
      if (repo.branches.has(branch) && body.startingPoint === undefined) return ex.send(200);
      const start = resolveRev(ex, repo, body.startingPoint ?? "main");
      if (!start) return;
      repo.branches.set(branch, start.oid);
      ex.send(200);
    });

    route(ctx, router, "DELETE", `${api}/branch/*branch`, (ex, params) => {
      const repo = repoOf(ex, params, "write");
      if (!repo) return;
      if (params.branch === "main") return hubError(ex, 403, "Cannot delete the default branch");
      if (!repo.branches.delete(params.branch!)) return hubError(ex, 404, `Invalid rev id: ${params.branch}`, "RevisionNotFound");
      ex.send(200);
    });
  }
}


function commitOp(key: string | undefined, value: Record<string, unknown>): CommitOp {
  const str = (name: string): string | undefined => {
    const v = value[name];
    if (v !== undefined && typeof v !== "string") throw new HubError(400, `Invalid ${key} line: ${name} must be a string`);
    return v;
  };
  const path = str("path");
  if (path === undefined) throw new HubError(400, `Invalid ${key} line: path is required`);
  const oldPath = str("oldPath");
  const renamed = oldPath === undefined ? {} : { oldPath };
  switch (key) {
    case "file": {
      const content = str("content");
      return { key, path, ...renamed, ...(content !== undefined && { content: decode(content, str("encoding")) }) };
    }
    case "lfsFile": {
      const oid = str("oid");
      const algo = str("algo");
      if (algo !== undefined && algo !== "sha256") throw new HubError(400, `Invalid lfsFile line: unsupported algo ${algo}`);
      const size = value.size;
      if (size !== undefined && (typeof size !== "number" || !Number.isSafeInteger(size))) {
        throw new HubError(400, "Invalid lfsFile line: size must be an integer");
      }
      return { key, path, ...renamed, ...(oid !== undefined && { oid }), ...(size !== undefined && { size }) };
    }
    case "deletedFile":
    case "deletedFolder":
      return { key, path };
    default:
      throw new HubError(400, `Invalid commit line: unknown key ${String(key)}`);
  }
}

function decode(content: string, encoding: string | undefined): Buffer {
  if (encoding === undefined || encoding === "utf-8" || encoding === "utf8") return Buffer.from(content, "utf8");
  if (encoding === "base64") return Buffer.from(content, "base64");
  throw new HubError(400, `Invalid encoding: ${encoding}`);
}

function validRefName(name: string): boolean {
  return name !== "" && !/[\s~^:?*[\\]|\.\.|@\{|\/\/|^\/|\/$|\.lock$|^\.|\/\./.test(name);
}
