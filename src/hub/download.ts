/**
 * Anonymous downloads of public bytes, hashed while they stream (and optionally written to a
 * file), under the same retry rules as every other request: 5xx, 429 (Retry-After) and a body
 * that breaks off start the download again; other 4xx do not. No credential is ever sent.
 */
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { RetryPolicy } from "./http.js";

export interface Downloaded {
  status: number;
  sha256: string | null;
  size: number | null;
  /** The host's own digest of the file, when it advertises one (Hub ETag / X-Linked-ETag). */
  advertised: string | null;
  error: string | null;
}

const sleepDefault = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function downloadAndHash(url: string, options: { to?: string; retry?: RetryPolicy } = {}): Promise<Downloaded> {
  const attempts = options.retry?.attempts ?? 5;
  const base = options.retry?.baseDelayMs ?? 250;
  const sleep = options.retry?.sleep ?? sleepDefault;
  let last: Downloaded = { status: 0, sha256: null, size: null, advertised: null, error: "not attempted" };
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    let response: Response;
    try {
      response = await fetch(url, { redirect: "follow", headers: { accept: "application/octet-stream" } });
    } catch (error) {
      last = { status: 0, sha256: null, size: null, advertised: null, error: (error as Error).message };
      await sleep(base * 2 ** (attempt - 1));
      continue;
    }
    const advertised = response.headers.get("x-linked-etag") ?? response.headers.get("etag");
    if (!response.ok || !response.body) {
      await response.arrayBuffer().catch(() => undefined);
      last = { status: response.status, sha256: null, size: null, advertised: null, error: `HTTP ${response.status}` };
      if (response.status === 429 || response.status >= 500) {
        const after = Number(response.headers.get("retry-after"));
        await sleep(response.status === 429 && Number.isFinite(after) ? after * 1000 : base * 2 ** (attempt - 1));
        continue;
      }
      return last;
    }
    const hash = createHash("sha256");
    let size = 0;
    const counter = async function* (source: AsyncIterable<Uint8Array>) {
      for await (const chunk of source) {
        hash.update(chunk);
        size += chunk.length;
        yield chunk;
      }
    };
    try {
      const body = Readable.fromWeb(response.body as import("node:stream/web").ReadableStream);
      if (options.to) {
        await mkdir(dirname(options.to), { recursive: true });
        await pipeline(body, counter, createWriteStream(options.to));
      } else {
        for await (const _ of counter(body)) void _;
      }
    } catch (error) {
      if (options.to) await rm(options.to, { force: true });
      last = { status: response.status, sha256: null, size: null, advertised: null, error: `the body broke off: ${(error as Error).message}` };
      await sleep(base * 2 ** (attempt - 1));
      continue;
    }
    const declared = Number(response.headers.get("content-length"));
    if (response.headers.get("content-length") !== null && !response.headers.get("content-encoding") && Number.isFinite(declared) && declared !== size) {
      last = { status: response.status, sha256: null, size, advertised: null, error: `the body was ${size} bytes, but Content-Length said ${declared}` };
      await sleep(base * 2 ** (attempt - 1));
      continue;
    }
    return { status: response.status, sha256: hash.digest("hex"), size, advertised: advertised?.replace(/^W\//, "").replace(/"/g, "") ?? null, error: null };
  }
  return last;
}
