/**
 * The Hub emulator's read API: repo info (`/api/{type}s/{repo}` and `/revision/{rev}`), tree
 * listings paged by absolute `Link` headers, paths-info, commit history and refs.
 */
import type { Exchange, Router } from "./server.js";
import { accessRepo, flag, hubError, resolveRev, route, type HubContext } from "./hub-http.js";
import { REPO_TYPES, type HubCommit, type HubRepo, type StoredFile } from "./hub-state.js";

export function readRoutes(ctx: HubContext, router: Router): void {
  for (const type of REPO_TYPES) {
    const api = `/api/${type}s/:namespace/:repo`;
    const repoOf = (ex: Exchange, params: Record<string, string>, access: "read" | "write") =>
      accessRepo(ctx, ex, type, `${params.namespace}/${params.repo}`, access);

    const info = (ex: Exchange, params: Record<string, string>, rev: string) => {
      const repo = repoOf(ex, params, "read");
      const commit = repo && resolveRev(ex, repo, rev);
      if (!repo || !commit) return;
      const blobs = flag(ex.url.searchParams.get("blobs"));
      const siblings = [...commit.files.values()].map((f) =>
        blobs
          ? {
              rfilename: f.path,
              size: f.size,
              blobId: f.blobOid,
              ...(f.lfs && { lfs: { sha256: f.lfs.oid, size: f.lfs.size, pointerSize: f.lfs.pointerSize } }),
            }
          : { rfilename: f.path },
      );
      const main = repo.resolve("main")!;
      ex.sendJson(200, {
        _id: repo.id,
        id: repo.name,
        ...(type === "model" && { modelId: repo.name }),
        author: repo.name.split("/")[0],
        sha: commit.oid,
        lastModified: main.date.toISOString(),
        createdAt: repo.createdAt.toISOString(),
        private: repo.isPrivate,
        gated: false,
        disabled: false,
        downloads: 0,
        likes: 0,
        tags: [],
        siblings,
      });
    };
    route(ctx, router, "GET", api, (ex, params) => info(ex, params, "main"));
    route(ctx, router, "GET", `${api}/revision/*rev`, (ex, params) => info(ex, params, params.rev!));

    route(ctx, router, "GET", `${api}/tree/*rest`, (ex, params) => {
      const repo = repoOf(ex, params, "read");
      if (!repo) return;
      const segments = params.rest!.split("/");
      let rev: string | undefined;
      for (let i = segments.length; i >= 1 && rev === undefined; i -= 1) {
        if (repo.resolve(segments.slice(0, i).join("/"))) rev = segments.slice(0, i).join("/");
      }
      if (rev === undefined) return hubError(ex, 404, `Invalid rev id: ${segments[0]}`, "RevisionNotFound");
      const commit = repo.resolve(rev)!;
      const dir = params.rest!.slice(rev.length).replace(/^\/+|\/+$/g, "");
      if (dir !== "" && !commit.trees.has(dir)) return hubError(ex, 404, `Entry not found: ${dir}`, "EntryNotFound");
      const query = ex.url.searchParams;
      const expand = flag(query.get("expand"));
      const all = listing(commit, dir, flag(query.get("recursive")));
      const cursor = query.get("cursor");
      const start = cursor === null ? 0 : decodeCursor(cursor);
      if (start === undefined) return hubError(ex, 400, "Invalid cursor");
      const end = start + ctx.treePageSize;
      const page = all.slice(start, end).map((path) => entry(repo, commit, path, expand));
      const headers: Record<string, string> = {};
      if (end < all.length) {
        const next = new URL(ex.url.pathname, ex.origin);
        for (const [key, value] of query) if (key !== "cursor") next.searchParams.append(key, value);
        next.searchParams.set("cursor", Buffer.from(JSON.stringify({ offset: end })).toString("base64url"));
        headers.link = `<${next.href}>; rel="next"`;
      }
      ex.sendJson(200, page, headers);
    });

    route(ctx, router, "POST", `${api}/paths-info/:rev`, async (ex, params) => {
      const raw = await ex.body();
      const repo = repoOf(ex, params, "read");
      const commit = repo && resolveRev(ex, repo, params.rev!);
      if (!repo || !commit) return;
      let paths: unknown;
      let expand: unknown;
      if ((ex.header("content-type") ?? "").includes("application/x-www-form-urlencoded")) {
        const form = new URLSearchParams(raw.toString("utf8"));
        paths = form.getAll("paths");
        expand = form.get("expand");
      } else {
        let body: unknown;
        try {
          body = JSON.parse(raw.toString("utf8") || "{}");
        } catch {
          return hubError(ex, 400, "Invalid JSON body");
        }
        ({ paths, expand } = (typeof body === "object" && body !== null ? body : {}) as { paths?: unknown; expand?: unknown });
      }
      if (!Array.isArray(paths) || paths.some((p) => typeof p !== "string")) {
        return hubError(ex, 400, "Invalid request: paths must be a list of strings");
      }
      const found = (paths as string[])
        .map((p) => p.replace(/^\/+|\/+$/g, ""))
        .filter((p) => commit.files.has(p) || (p !== "" && commit.trees.has(p)));
      ex.sendJson(200, [...new Set(found)].map((p) => entry(repo, commit, p, flag(expand as string | boolean | undefined))));
    });

    route(ctx, router, "GET", `${api}/commits/*rev`, (ex, params) => {
      const repo = repoOf(ex, params, "read");
      const head = repo && resolveRev(ex, repo, params.rev!);
      if (!repo || !head) return;
      const history = repo.history(head);
      const limit = Math.max(1, Math.min(1000, Number(ex.url.searchParams.get("limit") ?? 50) || 50));
      const p = Math.max(0, Number(ex.url.searchParams.get("p") ?? 0) || 0);
      const page = history.slice(p * limit, (p + 1) * limit).map((c) => ({
        id: c.oid,
        title: c.title,
        message: c.message,
        authors: [{ user: "bindery-emulator", avatar: `${ex.origin}/avatars/bindery-emulator.svg` }],
        date: c.date.toISOString(),
      }));
      const headers: Record<string, string | number> = { "x-total-count": history.length };
      if ((p + 1) * limit < history.length) {
        const next = new URL(ex.url.href);
        next.searchParams.set("p", String(p + 1));
        headers.link = `<${next.href}>; rel="next"`;
      }
      ex.sendJson(200, page, headers);
    });

    route(ctx, router, "GET", `${api}/refs`, (ex, params) => {
      const repo = repoOf(ex, params, "read");
      if (!repo) return;
      const prs = flag(ex.url.searchParams.get("include_prs"));
      const branches = [...repo.branches].filter(([name]) => !name.startsWith("refs/pr/"));
      ex.sendJson(200, {
        branches: branches.map(([name, oid]) => ({ name, ref: `refs/heads/${name}`, targetCommit: oid })),
        converts: [],
        tags: [...repo.tags].map(([name, tag]) => ({ name, ref: `refs/tags/${name}`, targetCommit: tag.oid })),
        ...(prs && {
          pullRequests: [...repo.branches]
            .filter(([name]) => name.startsWith("refs/pr/"))
            .map(([name, oid]) => ({ name: name.slice("refs/pr/".length), ref: name, targetCommit: oid })),
        }),
      });
    });
  }
}

/** Cursors are opaque to clients: base64url of `{"offset": n}`. */
function decodeCursor(cursor: string): number | undefined {
  try {
    const { offset } = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as { offset?: unknown };
    return typeof offset === "number" && Number.isSafeInteger(offset) && offset >= 0 ? offset : undefined;
  } catch {
    return undefined;
  }
}

/** The paths under `dir` in pre-order (a directory, then what it holds), names in byte order. */
function listing(commit: HubCommit, dir: string, recursive: boolean): string[] {
  const prefix = dir === "" ? "" : `${dir}/`;
  const paths = new Set<string>();
  for (const path of commit.files.keys()) {
    if (!path.startsWith(prefix)) continue;
    const parts = path.slice(prefix.length).split("/");
    const depth = recursive ? parts.length : 1;
    for (let i = 1; i <= depth; i += 1) paths.add(prefix + parts.slice(0, i).join("/"));
  }
  return [...paths].sort((a, b) => {
    const x = a.split("/");
    const y = b.split("/");
    for (let i = 0; i < Math.min(x.length, y.length); i += 1) {
      if (x[i] !== y[i]) return Buffer.compare(Buffer.from(x[i]!), Buffer.from(y[i]!));
    }
    return x.length - y.length;
  });
}

/** A tree / paths-info entry, with `lastCommit` and `securityFileStatus` when expanded. */
function entry(repo: HubRepo, commit: HubCommit, path: string, expand: boolean): Record<string, unknown> {
  const file: StoredFile | undefined = commit.files.get(path);
  const last = expand ? repo.lastCommitOf(commit, path) : undefined;
  const expanded = last && { lastCommit: { id: last.oid, title: last.title, date: last.date.toISOString() } };
  if (!file) return { type: "directory", oid: commit.trees.get(path), size: 0, path, ...expanded };
  return {
    type: "file",
    oid: file.blobOid,
    size: file.size,
    path,
    ...(file.lfs && { lfs: { ...file.lfs } }),
    ...expanded,
    ...(expand && { securityFileStatus: { status: "safe" } }),
  };
}
