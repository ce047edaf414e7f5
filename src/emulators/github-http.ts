/**
 * The GitHub emulator's request plumbing: GitHub-shaped replies and errors, credentials, JSON
 * bodies and `Link`-header pagination (see `github.ts`).
 */
import { STATUS_CODES } from "node:http";
import type { Exchange, Fault, Handler } from "./server.js";
import { newSecret } from "./github-model.js";

export const DOCS = "https://docs.github.com/rest";
export const DEFAULT_LOGIN = "bindery-bot";

/** One routed request: the exchange, its path parameters, who is calling, and the endpoint's docs. */
export interface Ctx {
  x: Exchange;
  p: Record<string, string>;
  /** The caller's login, or undefined when anonymous. */
  login: string | undefined;
  docs: string;
}

export function send(x: Exchange, status: number, value: unknown, headers: Record<string, string | number> = {}): void {
  x.sendJson(status, value, {
    "x-github-request-id": newSecret(8).toUpperCase(),
    "x-github-api-version-selected": "2022-11-28",
    ...headers,
  });
}

/** GitHub's error body: `{message, errors?, documentation_url, status}`. */
export function fail(c: Ctx | Exchange, status: number, message: string, errors?: unknown[]): void {
  const [x, docs] = "x" in c ? [c.x, c.docs] : [c, DOCS];
  send(x, status, { message, ...(errors ? { errors } : {}), documentation_url: docs, status: String(status) });
}

/** 422 Validation Failed with one entry in `errors`. */
export function invalid(c: Ctx, error: Record<string, string>): void {
  fail(c, 422, "Validation Failed", [error]);
}

export function notFound(c: Ctx | Exchange): void {
  fail(c, 404, "Not Found");
}

/** Reads the rest of a request body without keeping it (a refused upload may be large). */
export function discard(x: Exchange): Promise<void> {
  return new Promise((resolve) => {
    if (x.req.readableEnded) return resolve();
    x.req.on("end", resolve).on("error", () => resolve()).on("close", resolve).resume();
  });
}

/** Reads a JSON object body; answers 400 as GitHub does when it does not parse. */
export async function jsonBody(c: Ctx): Promise<Record<string, unknown> | undefined> {
  try {
    const value = await c.x.json<unknown>();
    if (value !== null && typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // answered below
  }
  fail(c, 400, "Problems parsing JSON");
  return undefined;
}

/** Answers one page of `items` from `per_page` (default 30, at most 100) and `page`, with an absolute `Link` header. */
export function paged<T>(c: Ctx, apiOrigin: string, items: T[], render: (item: T) => unknown): void {
  const query = c.x.url.searchParams;
  const perPage = Math.min(100, Math.max(1, Number.parseInt(query.get("per_page") ?? "", 10) || 30));
  const page = Math.max(1, Number.parseInt(query.get("page") ?? "", 10) || 1);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const link = (n: number, rel: string): string => {
    const url = new URL(c.x.url.pathname + c.x.url.search, apiOrigin);
    url.searchParams.set("per_page", String(perPage));
    url.searchParams.set("page", String(n));
    return `<${url.href}>; rel="${rel}"`;
  };
  const links = [
    ...(page > 1 ? [link(Math.min(page - 1, last), "prev")] : []),
    ...(page < last ? [link(page + 1, "next"), link(last, "last")] : []),
    ...(page > 1 ? [link(1, "first")] : []),
  ];
  const slice = items.slice((page - 1) * perPage, page * perPage).map(render);
  send(c.x, 200, slice, links.length > 0 ? { link: links.join(", ") } : {});
}

/**
 * Makes route handlers that check credentials first: `token X` or `bearer X` (any case); a token
 * that is not valid is 401 Bad credentials on every request, as on GitHub, even a read.
 * `tokens` maps valid tokens to logins; without it every token is valid.
 */
export function router(tokens: Record<string, string> | undefined) {
  return (docs: string, handler: (c: Ctx) => void | Promise<void>): Handler =>
    async (x, p) => {
      const auth = x.header("authorization");
      let login: string | undefined;
      if (auth !== undefined) {
        const token = /^(?:token|bearer)\s+(\S+)\s*$/i.exec(auth)?.[1];
        login = token === undefined ? undefined : tokens ? tokens[token] : DEFAULT_LOGIN;
        if (login === undefined) {
          await discard(x);
          return fail(x, 401, "Bad credentials");
        }
      }
      await handler({ x, p, login, docs });
    };
}

/** Answers 401 Requires authentication to an anonymous write; true when it did. */
export async function anonymous(c: Ctx): Promise<boolean> {
  if (c.login) return false;
  await discard(c.x);
  fail(c, 401, "Requires authentication");
  return true;
}

/** Status and rate-limit faults in GitHub's shape (a 429 is a secondary rate limit, with Retry-After). */
export function faultReply(x: Exchange, fault: Extract<Fault, { kind: "status" | "rate-limit" }>): void {
  if (fault.kind === "status") return fail(x, fault.status, fault.status >= 500 ? "Server Error" : (STATUS_CODES[fault.status] ?? "Error"));
  const body = {
    message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
    documentation_url: `${DOCS}/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits`,
    status: "429",
  };
  send(x, 429, body, { "retry-after": fault.retryAfterSeconds });
}

export const str = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);
export const bool = (value: unknown): boolean | undefined => (typeof value === "boolean" ? value : undefined);
