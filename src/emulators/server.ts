/**
 * The shared core of bindery's loopback emulators (Hub, GitHub): an HTTP server on 127.0.0.1 and
 * port 0 by default, a small router, and faults on demand (5xx, 429 with Retry-After, a reset
 * mid-body, slow replies, truncated bodies, wrong bytes), so clients and publishers can be tested
 * against the failures real platforms produce.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A failure an emulator produces on purpose, for the next matching request(s). */
export type Fault =
  | { kind: "status"; status: number }
  | { kind: "rate-limit"; retryAfterSeconds: number }
  | { kind: "reset" }
  | { kind: "slow"; delayMs: number }
  | { kind: "truncate"; bytes: number }
  | { kind: "wrong-bytes" };

export interface FaultRule {
  /** Only requests with this method (default: any). */
  method?: string;
  /** Only requests whose path (no query) contains this text, or matches this pattern. */
  path?: string | RegExp;
  fault: Fault;
  /** How many matching requests fail (default 1). */
  times?: number;
}

/** Faults waiting for requests: each rule fires for its next `times` matching requests. */
export class FaultPlan {
  private rules: (FaultRule & { left: number })[] = [];

  inject(rule: FaultRule): void {
    this.rules.push({ ...rule, left: rule.times ?? 1 });
  }

  clear(): void {
    this.rules = [];
  }

  /** Faults not yet used up. */
  get pending(): number {
    return this.rules.reduce((sum, r) => sum + r.left, 0);
  }

  take(method: string, path: string): Fault | undefined {
    const rule = this.rules.find(
      (r) =>
        r.left > 0 &&
        (r.method === undefined || r.method.toUpperCase() === method.toUpperCase()) &&
        (r.path === undefined || (typeof r.path === "string" ? path.includes(r.path) : r.path.test(path))),
    );
    if (!rule) return undefined;
    rule.left -= 1;
    return rule.fault;
  }
}

/** One request as a handler sees it, with the ways to answer it. */
export class Exchange {
  readonly url: URL;
  private bodyPromise: Promise<Buffer> | undefined;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly origin: string,
    /** The fault this request carries, if any (body faults apply when the reply is sent). */
    readonly fault: Fault | undefined,
  ) {
    this.url = new URL(req.url ?? "/", origin);
  }

  get method(): string {
    return (this.req.method ?? "GET").toUpperCase();
  }

  header(name: string): string | undefined {
    const value = this.req.headers[name.toLowerCase()];
    return Array.isArray(value) ? value[0] : value;
  }

  /** The whole request body. */
  body(): Promise<Buffer> {
    this.bodyPromise ??= new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      this.req.on("data", (chunk: Buffer) => chunks.push(chunk));
      this.req.on("end", () => resolve(Buffer.concat(chunks)));
      this.req.on("error", reject);
    });
    return this.bodyPromise;
  }

  async json<T = unknown>(): Promise<T> {
    const text = (await this.body()).toString("utf8");
    return (text === "" ? {} : JSON.parse(text)) as T;
  }

  /** Sends a reply; a reset, truncate or wrong-bytes fault on this request is applied here. */
  send(status: number, body: string | Uint8Array = "", headers: Record<string, string | number> = {}): void {
    let bytes = typeof body === "string" ? Buffer.from(body, "utf8") : Buffer.from(body);
    const fault = this.fault;
    if (fault?.kind === "wrong-bytes" && bytes.length > 0) {
      bytes = Buffer.from(bytes);
      bytes[0] = bytes[0]! ^ 0xff;
    }
    this.res.writeHead(status, { "content-length": bytes.length, ...headers });
    if (fault?.kind === "reset") {
      this.res.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => this.res.socket?.destroy());
      return;
    }
    if (fault?.kind === "truncate") {
      this.res.write(bytes.subarray(0, Math.min(fault.bytes, bytes.length)), () => this.res.socket?.destroy());
      return;
    }
    this.res.end(this.method === "HEAD" ? undefined : bytes);
  }

  sendJson(status: number, value: unknown, headers: Record<string, string | number> = {}): void {
    this.send(status, JSON.stringify(value), { "content-type": "application/json; charset=utf-8", ...headers });
  }

  redirect(status: 301 | 302 | 307, location: string): void {
    this.send(status, "", { location });
  }
}

export type Handler = (exchange: Exchange, params: Record<string, string>) => void | Promise<void>;

interface Route {
  method: string;
  pattern: RegExp;
  names: string[];
  handler: Handler;
}

/**
 * Routes by method and path pattern: `:name` matches one segment, `*name` the rest of the path
 * (slashes included). Segments are matched URL-decoded.
 */
export class Router {
  private routes: Route[] = [];

  on(method: string, path: string, handler: Handler): this {
    const names: string[] = [];
    const source = path
      .split("/")
      .map((segment) => {
        if (segment.startsWith(":")) {
          names.push(segment.slice(1));
          return "([^/]+)";
        }
        if (segment.startsWith("*")) {
          names.push(segment.slice(1));
          return "(.*)";
        }
        return segment.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
      })
      .join("/");
    this.routes.push({ method: method.toUpperCase(), pattern: new RegExp(`^${source}$`), names, handler });
    return this;
  }

  match(method: string, path: string): { handler: Handler; params: Record<string, string> } | undefined {
    for (const route of this.routes) {
      if (route.method !== method && !(route.method === "GET" && method === "HEAD")) continue;
      const m = route.pattern.exec(path);
      if (!m) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => (params[name] = decodeURIComponent(m[i + 1]!)));
      return { handler: route.handler, params };
    }
    return undefined;
  }
}

export interface RunningServer {
  /** `http://127.0.0.1:PORT`. */
  origin: string;
  close(): Promise<void>;
}

/**
 * Serves `router` on loopback. Unrouted requests get `notFound`; a handler that throws gets a 500
 * (the emulator's own bug, reported in the body). A status or rate-limit fault answers before the
 * handler runs; a slow fault delays it.
 */
export async function serve(
  router: Router,
  options: {
    port?: number;
    faults: FaultPlan;
    notFound: (exchange: Exchange) => void;
    /** Answers a status or rate-limit fault in the platform's own error shape (default: `{error}` JSON). */
    faultReply?: (exchange: Exchange, fault: Extract<Fault, { kind: "status" | "rate-limit" }>) => void;
  },
): Promise<RunningServer> {
  let origin = "";
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const fault = options.faults.take(req.method ?? "GET", path);
    const exchange = new Exchange(req, res, origin, fault);
    void (async () => {
      if (fault?.kind === "slow") await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
      if ((fault?.kind === "status" || fault?.kind === "rate-limit") && options.faultReply) {
        await exchange.body();
        return options.faultReply(exchange, fault);
      }
      if (fault?.kind === "status") {
        await exchange.body();
        return exchange.sendJson(fault.status, { error: `emulated fault: HTTP ${fault.status}` });
      }
      if (fault?.kind === "rate-limit") {
        await exchange.body();
        return exchange.sendJson(429, { error: "emulated fault: rate limited" }, { "retry-after": fault.retryAfterSeconds });
      }
      const found = router.match(exchange.method, exchange.url.pathname);
      if (!found) return options.notFound(exchange);
      await found.handler(exchange, found.params);
    })().catch((error: unknown) => {
      if (!res.headersSent) exchange.sendJson(500, { error: `emulator error: ${(error as Error)?.message ?? String(error)}` });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
