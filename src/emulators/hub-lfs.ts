/**
 * The Hub emulator's byte paths: the git LFS batch API with `basic` and `multipart` uploads to
 * an emulated object storage (each part answers an `ETag`; the completion checks the assembled
 * object's size and sha256), and downloads: `resolve` / `raw`, with LFS files redirected to an
 * emulated CDN the way the Hub redirects them.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { Exchange, type Router } from "./server.js";
import { accessRepo, hubError, readJson, resolveRev, route, sendContent, type HubContext } from "./hub-http.js";
import { sha256Hex } from "./hub-git.js";
import { REPO_TYPES, typePrefix, type HubRepo } from "./hub-state.js";

interface PendingUpload {
  repo: HubRepo;
  oid: string;
  size: number;
  /** Set for multipart uploads. */
  chunkSize?: number;
  parts: Map<number, { etag: string; bytes: Buffer }>;
}

const LFS_JSON = "application/vnd.git-lfs+json";
const EXPIRES_IN = 3600;

export function lfsRoutes(ctx: HubContext, router: Router): void {
  const uploads = new Map<string, PendingUpload>();

  // Datasets and spaces first: their paths would otherwise look like `namespace/name` model paths.
  for (const type of [...REPO_TYPES].reverse()) {
    const prefix = `/${typePrefix(type)}:namespace/:repo`;

    route(ctx, router, "POST", `${prefix}/info/lfs/objects/batch`, async (ex, { namespace, repo: gitName }) => {
      if (!gitName!.endsWith(".git")) return hubError(ex, 404, "Not Found");
      const body = await readJson<{
        operation?: string;
        transfers?: string[];
        hash_algo?: string;
        objects?: unknown;
      }>(ex);
      if (!body) return;
      const repo = accessRepo(ctx, ex, type, `${namespace}/${gitName!.slice(0, -4)}`, body.operation === "upload" ? "write" : "read");
      if (!repo) return;
      if (body.operation !== "upload" && body.operation !== "download") return hubError(ex, 422, "Invalid operation");
      if (body.hash_algo !== undefined && !["sha256", "sha_256"].includes(body.hash_algo)) {
        return hubError(ex, 409, `Unsupported hash algorithm: ${body.hash_algo}`);
      }
      if (!Array.isArray(body.objects)) return hubError(ex, 422, "Invalid request: objects is required");
      ctx.stats.lfsBatchRequests += 1;
      const multipartOffered = Array.isArray(body.transfers) && body.transfers.includes("multipart");
      let usedMultipart = false;
      const objects = (body.objects as unknown[]).map((object) => {
        const { oid, size } = (typeof object === "object" && object !== null ? object : {}) as Record<string, unknown>;
        if (typeof oid !== "string" || !/^[0-9a-f]{64}$/.test(oid) || typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) {
          return { oid, size, error: { code: 422, message: "Invalid object: oid must be a sha256, size a non-negative integer" } };
        }
        const stored = ctx.store.objects.get(oid);
        if (body.operation === "download") {
          if (!repo.lfs.has(oid) || !stored) return { oid, size, error: { code: 404, message: "Object does not exist" } };
          return { oid, size, authenticated: true, actions: { download: { href: cdnUrl(ctx, ex.origin, oid), expires_in: EXPIRES_IN } } };
        }
        if (repo.lfs.has(oid) && stored) {
          if (stored.length !== size) return { oid, size, error: { code: 422, message: "Object size does not match" } };
          return { oid, size, authenticated: true };
        }
        const id = randomBytes(16).toString("hex");
        const base = `${ex.origin}/lfs-storage/${id}`;
        if (multipartOffered && size >= repo.multipartThreshold && size > 0) {
          usedMultipart = true;
          const chunkSize = ctx.multipartChunkSize;
          const count = Math.ceil(size / chunkSize);
          uploads.set(id, { repo, oid, size, chunkSize, parts: new Map() });
          const header: Record<string, string> = { chunk_size: String(chunkSize) };
          for (let part = 1; part <= count; part += 1) header[String(part).padStart(5, "0")] = `${base}/${part}`;
          return { oid, size, authenticated: true, actions: { upload: { href: `${base}/complete`, header, expires_in: EXPIRES_IN } } };
        }
        uploads.set(id, { repo, oid, size, parts: new Map() });
        return { oid, size, authenticated: true, actions: { upload: { href: base, expires_in: EXPIRES_IN } } };
      });
      ex.sendJson(200, { transfer: usedMultipart ? "multipart" : "basic", objects }, { "content-type": LFS_JSON });
    });

    for (const kind of ["resolve", "raw"] as const) {
      route(ctx, router, "GET", `${prefix}/${kind}/:rev/*path`, (ex, { namespace, repo: name, rev, path }) => {
        const repo = accessRepo(ctx, ex, type, `${namespace}/${name}`, "read");
        const commit = repo && resolveRev(ex, repo, rev!);
        if (!repo || !commit) return;
        const file = commit.files.get(path!);
        if (!file) return hubError(ex, 404, "Entry not found", "EntryNotFound");
        const common = { "x-repo-commit": commit.oid };
        if (kind === "raw" || !file.lfs) {
          const text = !file.gitContent.subarray(0, 512).includes(0);
          return sendContent(ex, file.gitContent, {
            ...common,
            etag: `"${file.blobOid}"`,
            "content-type": text ? "text/plain; charset=utf-8" : "application/octet-stream",
          });
        }
        // A body fault on this request applies to the bytes, which the redirect's target serves.
        let carry: string | undefined;
        if (ex.fault && ex.fault.kind !== "slow") {
          carry = randomBytes(8).toString("hex");
          ctx.carried.set(carry, ex.fault);
        }
        const location = cdnUrl(ctx, ex.origin, file.lfs.oid, path!.slice(path!.lastIndexOf("/") + 1), carry);
        ex.res.writeHead(302, {
          ...common,
          location,
          "x-linked-etag": `"${file.lfs.oid}"`,
          "x-linked-size": file.lfs.size,
          "content-length": 0,
        });
        ex.res.end();
      });
    }
  }

  route(ctx, router, "PUT", "/lfs-storage/:id", async (ex, { id }) => {
    const upload = uploads.get(id!);
    const bytes = await ex.body();
    if (!upload || upload.chunkSize !== undefined) return storageError(ex, 404, "NoSuchUpload", "The upload does not exist");
    ctx.stats.lfsObjectUploads += 1;
    ctx.stats.lfsBytesReceived += bytes.length;
    if (bytes.length !== upload.size || sha256Hex(bytes) !== upload.oid) {
      return storageError(ex, 400, "BadDigest", `The object is not ${upload.size} bytes with sha256 ${upload.oid}`);
    }
    uploads.delete(id!);
    store(ctx, upload, bytes);
    ex.send(200, "", { etag: md5Tag(bytes) });
  });

  route(ctx, router, "PUT", "/lfs-storage/:id/:part", async (ex, { id, part }) => {
    const upload = uploads.get(id!);
    const bytes = await ex.body();
    const n = Number(part);
    if (!upload || upload.chunkSize === undefined) return storageError(ex, 404, "NoSuchUpload", "The upload does not exist");
    if (!Number.isInteger(n) || n < 1 || n > Math.ceil(upload.size / upload.chunkSize)) {
      return storageError(ex, 400, "InvalidArgument", `Part number ${part} is out of range`);
    }
    ctx.stats.lfsPartUploads += 1;
    ctx.stats.lfsBytesReceived += bytes.length;
    const etag = md5Tag(bytes);
    upload.parts.set(n, { etag, bytes });
    ex.send(200, "", { etag });
  });

  route(ctx, router, "POST", "/lfs-storage/:id/complete", async (ex, { id }) => {
    const upload = uploads.get(id!);
    const body = await readJson<{ oid: unknown; parts: unknown }>(ex);
    if (!body) return;
    if (!upload || upload.chunkSize === undefined) return hubError(ex, 404, "The upload does not exist");
    if (body.oid !== upload.oid) return hubError(ex, 400, `Completion is for ${String(body.oid)}, the upload is for ${upload.oid}`);
    const count = Math.ceil(upload.size / upload.chunkSize);
    const parts = (Array.isArray(body.parts) ? [...body.parts] : [])
      .map((p) => ({ partNumber: (p as { partNumber?: unknown })?.partNumber, etag: (p as { etag?: unknown })?.etag }))
      .sort((a, b) => Number(a.partNumber) - Number(b.partNumber));
    if (parts.length !== count || parts.some((p, i) => p.partNumber !== i + 1 || upload.parts.get(i + 1)?.etag !== p.etag)) {
      return hubError(ex, 400, `Invalid parts: expected ${count} parts numbered from 1, each with the ETag its upload answered`);
    }
    const bytes = Buffer.concat(parts.map((_, i) => upload.parts.get(i + 1)!.bytes));
    if (bytes.length !== upload.size) return hubError(ex, 400, `The assembled object is ${bytes.length} bytes, not ${upload.size}`);
    if (sha256Hex(bytes) !== upload.oid) return hubError(ex, 400, `The assembled object's sha256 is not ${upload.oid}`);
    uploads.delete(id!);
    store(ctx, upload, bytes);
    ctx.stats.lfsMultipartCompletions += 1;
    ex.sendJson(200, {});
  });

  route(ctx, router, "GET", "/cdn-lfs/:oid", (ex, { oid }) => {
    const expires = ex.url.searchParams.get("Expires") ?? "";
    const signature = Buffer.from(ex.url.searchParams.get("Signature") ?? "");
    const expected = Buffer.from(sign(ctx, oid!, expires));
    if (signature.length !== expected.length || !timingSafeEqual(signature, expected) || Number(expires) * 1000 < Date.now()) {
      return storageError(ex, 403, "AccessDenied", "Access denied");
    }
    const carried = ex.url.searchParams.get("fault");
    const fault = carried === null ? undefined : ctx.carried.get(carried);
    if (carried !== null) ctx.carried.delete(carried);
    const out = fault ? new Exchange(ex.req, ex.res, ex.origin, fault) : ex;
    const bytes = ctx.store.objects.get(oid!);
    if (!bytes) return storageError(out, 404, "NoSuchKey", "The specified key does not exist.");
    const disposition = ex.url.searchParams.get("response-content-disposition");
    sendContent(out, bytes, {
      etag: `"${oid!}"`,
      "content-type": "application/octet-stream",
      ...(disposition !== null && { "content-disposition": disposition }),
    });
  });
}

function store(ctx: HubContext, upload: PendingUpload, bytes: Buffer): void {
  if (!ctx.store.objects.has(upload.oid)) ctx.store.objects.set(upload.oid, bytes);
  upload.repo.lfs.add(upload.oid);
}

function sign(ctx: HubContext, oid: string, expires: string): string {
  return createHmac("sha256", ctx.cdnSecret).update(`${oid}:${expires}`).digest("base64url");
}

/** A signed, expiring URL on the emulated CDN (same origin, path `/cdn-lfs/{sha256}`). */
function cdnUrl(ctx: HubContext, origin: string, oid: string, filename?: string, fault?: string): string {
  const expires = String(Math.floor(Date.now() / 1000) + EXPIRES_IN);
  const query = new URLSearchParams({ Expires: expires, Signature: sign(ctx, oid, expires) });
  if (filename !== undefined) {
    const ascii = filename.replace(/["\\]|[^\x20-\x7e]/g, "_");
    query.set("response-content-disposition", `attachment; filename*=UTF-8''${encodeURIComponent(filename)}; filename="${ascii}";`);
  }
  if (fault !== undefined) query.set("fault", fault);
  return `${origin}/cdn-lfs/${oid}?${query.toString()}`;
}

function md5Tag(bytes: Buffer): string {
  return `"${createHash("md5").update(bytes).digest("hex")}"`;
}

/** Object storage answers in XML, as S3 does. */
function storageError(ex: Exchange, status: number, code: string, message: string): void {
  ex.send(status, `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`, {
    "content-type": "application/xml",
  });
}
