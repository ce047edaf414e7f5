/**
 * What the Hub emulator's handlers share: the emulator's context, who is calling (tokens), the
 * Hub's error replies (`X-Error-Code`), repo and revision look-ups that hide private repos the way
 * the Hub does, byte ranges, and a request log.
 */
import { randomBytes } from "node:crypto";
import type { Exchange, Fault, Handler, Router } from "./server.js";
import { HubError, type HubCommit, type HubRepo, type HubRepoType, type HubStore } from "./hub-state.js";

/** Counters tests read to see what the client really sent. */
export interface HubStats {
  /** `POST …/info/lfs/objects/batch` requests answered. */
  lfsBatchRequests: number;
  /** Whole LFS objects received in one PUT (the `basic` transfer). */
  lfsObjectUploads: number;
  /** Parts received for multipart uploads. */
  lfsPartUploads: number;
  /** Multipart uploads completed and verified. */
  lfsMultipartCompletions: number;
  /** Bytes received by LFS storage (objects and parts). */
  lfsBytesReceived: number;
  /** Commits created through the commit endpoint. */
  commits: number;
}

export interface HubRequestRecord {
  method: string;
  /** Path and query, as received. */
  url: string;
  auth: Caller["kind"];
  range?: string;
  /** The reply's status, once sent. */
  status?: number;
}

export interface HubContext {
  store: HubStore;
  /** Valid tokens and their role; when absent, every `hf_` token may write. */
  tokens: Readonly<Record<string, "read" | "write">> | undefined;
  treePageSize: number;
  multipartChunkSize: number;
  stats: HubStats;
  requests: HubRequestRecord[];
  /** Signs the emulated CDN's URLs. */
  cdnSecret: Buffer;
  /** Body faults a resolve request hands on to the CDN request its redirect leads to. */
  carried: Map<string, Fault>;
}

export type Caller =
  | { kind: "anonymous" }
  | { kind: "token"; token: string; role: "read" | "write" }
  | { kind: "invalid-token" };

export function identify(ctx: HubContext, ex: Exchange): Caller {
  const header = ex.header("authorization");
  if (header === undefined || header.trim() === "") return { kind: "anonymous" };
  let token: string | undefined;
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header);
  const basic = /^Basic\s+(\S+)\s*$/i.exec(header);
  if (bearer) token = bearer[1];
  else if (basic) token = Buffer.from(basic[1]!, "base64").toString("utf8").split(":").slice(1).join(":");
  if (token === undefined || !token.startsWith("hf_")) return { kind: "invalid-token" };
  const role = ctx.tokens === undefined ? "write" : ctx.tokens[token];
  return role === undefined ? { kind: "invalid-token" } : { kind: "token", token, role };
}

/** The Hub's error reply: `{"error": …}` with `X-Error-Code` / `X-Error-Message` headers. */
export function hubError(ex: Exchange, status: number, message: string, code?: string): void {
  ex.sendJson(status, { error: message }, { ...(code !== undefined && { "x-error-code": code }), "x-error-message": headerSafe(message) });
}

/** The request's JSON object, or undefined after a 400 reply when the body is not one. */
export async function readJson<T extends object>(ex: Exchange): Promise<Partial<T> | undefined> {
  const text = (await ex.body()).toString("utf8");
  try {
    const value: unknown = text.trim() === "" ? {} : JSON.parse(text);
    if (typeof value === "object" && value !== null && !Array.isArray(value)) return value as Partial<T>;
  } catch {
    // answered below
  }
  hubError(ex, 400, "Invalid request body: expected a JSON object");
  return undefined;
}

/** Answers a `HubError`; anything else is the emulator's own bug and propagates. */
export function replyError(ex: Exchange, error: unknown): void {
  if (!(error instanceof HubError)) throw error;
  hubError(ex, error.status, error.message, error.code);
}

function headerSafe(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, "?");
}

/**
 * The repo a request names, if the caller may `access` it; otherwise replies as the Hub does: an
 * invalid token is 401 everywhere; a missing repo and a private repo look the same (401 with
 * `RepoNotFound` anonymously, 404 with a token); a write needs a write token.
 */
export function accessRepo(
  ctx: HubContext,
  ex: Exchange,
  type: HubRepoType,
  name: string,
  access: "read" | "write",
): HubRepo | undefined {
  const who = identify(ctx, ex);
  if (who.kind === "invalid-token") {
    hubError(ex, 401, "Invalid credentials in Authorization header");
    return undefined;
  }
  const repo = ctx.store.repo(type, name);
  if (!repo || (repo.isPrivate && who.kind === "anonymous")) {
    if (who.kind === "anonymous") hubError(ex, 401, "Repository not found", "RepoNotFound");
    else hubError(ex, 404, "Repository not found", "RepoNotFound");
    return undefined;
  }
  if (access === "write" && who.kind === "anonymous") {
    hubError(ex, 401, "Invalid username or password.");
    return undefined;
  }
  if (access === "write" && who.kind === "token" && who.role !== "write") {
    hubError(ex, 403, `You don't have the rights to write to ${repo.designation}: your token is read-only`);
    return undefined;
  }
  return repo;
}

export function resolveRev(ex: Exchange, repo: HubRepo, rev: string): HubCommit | undefined {
  const commit = repo.resolve(rev);
  if (!commit) hubError(ex, 404, `Invalid rev id: ${rev}`, "RevisionNotFound");
  return commit;
}

/** Registers a handler that logs its request and stamps an `X-Request-Id`. */
export function route(ctx: HubContext, router: Router, method: string, path: string, handler: Handler): void {
  router.on(method, path, async (ex, params) => {
    const range = ex.header("range");
    const record: HubRequestRecord = {
      method: ex.method,
      url: ex.url.pathname + ex.url.search,
      auth: identify(ctx, ex).kind,
      ...(range !== undefined && { range }),
    };
    ctx.requests.push(record);
    ex.res.once("close", () => (record.status = ex.res.statusCode));
    ex.res.setHeader("x-request-id", randomBytes(8).toString("hex"));
    await handler(ex, params);
  });
}

/** A single `bytes=` range against `size` bytes; `undefined` for none or one we ignore. */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | "unsatisfiable" | undefined {
  const m = header === undefined ? null : /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === "" && m[2] === "")) return undefined;
  let start: number;
  let end: number;
  if (m[1] === "") {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || end < start) return "unsatisfiable";
  return { start, end };
}

/** Sends file bytes honouring `Range` (206 + `Content-Range`, or 416). */
export function sendContent(ex: Exchange, bytes: Buffer, headers: Record<string, string | number>): void {
  const range = parseRange(ex.header("range"), bytes.length);
  const common = { "accept-ranges": "bytes", ...headers };
  if (range === "unsatisfiable") {
    ex.send(416, "", { ...common, "content-range": `bytes */${bytes.length}` });
  } else if (range) {
    ex.send(206, bytes.subarray(range.start, range.end + 1), {
      ...common,
      "content-range": `bytes ${range.start}-${range.end}/${bytes.length}`,
    });
  } else {
    ex.send(200, bytes, common);
  }
}

/** `"true"`, `"1"` and `"True"` are true, as the Hub's query parsing has it. */
export function flag(value: string | null | undefined | boolean): boolean {
  return value === true || (typeof value === "string" && ["true", "1"].includes(value.toLowerCase()));
}
