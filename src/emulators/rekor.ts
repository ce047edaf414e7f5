/**
 * A loopback Rekor (Sigstore's transparency log, API v1), faithful to what `@sigstore/sign`'s
 * `RekorWitness` sends and what `@sigstore/verify` checks.
 *
 * - `POST /api/v1/log/entries` takes the entry kinds sigstore-js proposes: `hashedrekord` 0.0.1
 *   (message signatures), `dsse` 0.0.1 (DSSE envelopes, the default) and `intoto` 0.0.2 (DSSE
 *   with `legacyCompatibility`). Signatures are verified as Rekor verifies them (a bad one is a
 *   400); the entry is stored in Rekor's canonical form (JCS), appended to an RFC 6962 Merkle tree
 *   whose leaves are those canonical bodies, and answered 201 `{<uuid>: entry}` with `body`,
 *   `integratedTime`, `logID`, `logIndex` and `verification` holding a `signedEntryTimestamp` and
 *   an `inclusionProof` with a signed checkpoint. An entry already in the log is a 409 whose
 *   `Location` names it.
 * - `GET /api/v1/log/entries/{uuid}` (uuid = tree id + leaf hash, or the leaf hash alone) and
 *   `GET /api/v1/log/entries?logIndex=N`, with a proof against the current tree;
 *   `GET /api/v1/log` (tree size, root hash, signed tree head); `GET /api/v1/log/publicKey`.
 * - Errors are Rekor's `{code, message}` with the HTTP status as code.
 */
import { createHash, createPublicKey, generateKeyPairSync, randomBytes, sign, verify, X509Certificate, type KeyObject } from "node:crypto";
import { canonicalJson } from "../evidence/canonical-json.js";
import { FaultPlan, Router, serve, type Exchange } from "./server.js";
import { toPem } from "./x509.js";

export interface RekorEmulatorOptions {
  /** Default 0 (any free port). */
  port?: number;
  /** The clock of integrated times and checkpoints (default the real one). */
  now?: () => Date;
}

export interface RekorEntryRecord {
  uuid: string;
  logIndex: number;
  integratedTime: number;
  /** The canonical entry body: the Merkle leaf. */
  body: Buffer;
  kind: string;
}

export interface RekorEmulator {
  /** `http://127.0.0.1:PORT`: the `rekorURL` of `sigstore.sign()` and the trusted root's `baseUrl`. */
  origin: string;
  faults: FaultPlan;
  /** The log's public key, SubjectPublicKeyInfo DER. */
  publicKey: Buffer;
  /** SHA-256 of `publicKey`, hex: the log ID. */
  logId: string;
  /** When the log's key starts being valid (whole seconds). */
  validFrom: Date;
  /** Entries in log order. */
  entries: readonly RekorEntryRecord[];
  close(): Promise<void>;
}

class RekorError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const sha256 = (...parts: Uint8Array[]) => parts.reduce((h, p) => h.update(p), createHash("sha256")).digest();
const hashLeaf = (leaf: Uint8Array) => sha256(Buffer.from([0]), leaf);
const hashChildren = (left: Buffer, right: Buffer) => sha256(Buffer.from([1]), left, right);

function rekorError(ex: Exchange, status: number, message: string, headers: Record<string, string> = {}): void {
  ex.sendJson(status, { code: status, message }, headers);
}

export async function startRekorEmulator(options: RekorEmulatorOptions = {}): Promise<RekorEmulator> {
  const now = options.now ?? (() => new Date());
  const validFrom = new Date(Math.floor(now().getTime() / 1000) * 1000);
  const key = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const publicKey = key.publicKey.export({ format: "der", type: "spki" });
  const logId = sha256(publicKey);
  const treeId = BigInt(`0x${randomBytes(8).toString("hex")}`) >> 1n;
  const treePrefix = treeId.toString(16).padStart(16, "0");
  const entries: RekorEntryRecord[] = [];
  const leaves: Buffer[] = [];
  const byLeaf = new Map<string, RekorEntryRecord>();
  let host = "";

  /** RFC 6962 MTH over leaves [lo, hi). */
  const root = (lo: number, hi: number): Buffer => {
    if (hi - lo === 0) return sha256();
    if (hi - lo === 1) return leaves[lo]!;
    const split = lo + largestPowerOfTwoBelow(hi - lo);
    return hashChildren(root(lo, split), root(split, hi));
  };
  /** RFC 6962 PATH(m, D[lo:hi]): the audit path, leaf side first. */
  const path = (m: number, lo: number, hi: number): Buffer[] => {
    if (hi - lo <= 1) return [];
    const split = lo + largestPowerOfTwoBelow(hi - lo);
    return m < split ? [...path(m, lo, split), root(split, hi)] : [...path(m, split, hi), root(lo, split)];
  };

  /** A signed note as Rekor writes its checkpoints; the key hint is the log ID's first 4 bytes. */
  const checkpoint = (size: number, rootHash: Buffer): string => {
    const note = `${host} - ${treeId}\n${size}\n${rootHash.toString("base64")}\nTimestamp: ${BigInt(now().getTime()) * 1_000_000n}\n`;
    const signature = sign("sha256", Buffer.from(note, "utf8"), key.privateKey);
    return `${note}\n\u2014 ${host} ${Buffer.concat([logId.subarray(0, 4), signature]).toString("base64")}\n`;
  };

  const render = (entry: RekorEntryRecord) => {
    const size = leaves.length;
    const rootHash = root(0, size);
    const payload = { body: entry.body.toString("base64"), integratedTime: entry.integratedTime, logID: logId.toString("hex"), logIndex: entry.logIndex };
    return {
      [entry.uuid]: {
        ...payload,
        verification: {
          inclusionProof: {
            checkpoint: checkpoint(size, rootHash),
            hashes: path(entry.logIndex, 0, size).map((h) => h.toString("hex")),
            logIndex: entry.logIndex,
            rootHash: rootHash.toString("hex"),
            treeSize: size,
          },
          signedEntryTimestamp: sign("sha256", Buffer.from(canonicalJson(payload), "utf8"), key.privateKey).toString("base64"),
        },
      },
    };
  };

  const entryPath = (uuid: string) => `/api/v1/log/entries/${uuid}`;

  const router = new Router();
  router.on("POST", "/api/v1/log/entries", async (ex) => {
    try {
      const proposed = await ex.json<ProposedEntry>().catch(() => {
        throw new RekorError(400, "The request body is not JSON");
      });
      const body = Buffer.from(canonicalJson(canonicalize(proposed)), "utf8");
      const leaf = hashLeaf(body);
      const existing = byLeaf.get(leaf.toString("hex"));
      if (existing) {
        const message = `An equivalent entry already exists in the transparency log with UUID ${existing.uuid}`;
        return rekorError(ex, 409, message, { location: entryPath(existing.uuid) });
      }
      const entry: RekorEntryRecord = {
        uuid: treePrefix + leaf.toString("hex"),
        logIndex: entries.length,
        integratedTime: Math.floor(now().getTime() / 1000),
        body,
        kind: String(proposed.kind),
      };
      entries.push(entry);
      leaves.push(leaf);
      byLeaf.set(leaf.toString("hex"), entry);
      ex.sendJson(201, render(entry), { location: entryPath(entry.uuid), etag: entry.uuid });
    } catch (error) {
      if (!(error instanceof RekorError)) throw error;
      rekorError(ex, error.status, error.message);
    }
  });
  router.on("GET", "/api/v1/log/entries/:uuid", (ex, p) => {
    const id = p.uuid!.toLowerCase();
    const entry = /^[0-9a-f]{64}$/.test(id) ? byLeaf.get(id) : id.startsWith(treePrefix) ? byLeaf.get(id.slice(16)) : undefined;
    if (!entry) return rekorError(ex, 404, `Entry with UUID ${p.uuid} not found`);
    ex.sendJson(200, render(entry));
  });
  router.on("GET", "/api/v1/log/entries", (ex) => {
    const param = ex.url.searchParams.get("logIndex") ?? "";
    if (!/^\d+$/.test(param)) return rekorError(ex, 400, "logIndex in query is required and must be a non-negative integer");
    const entry = entries[Number(param)];
    if (!entry) return rekorError(ex, 404, `Entry with index ${param} not found`);
    ex.sendJson(200, render(entry));
  });
  router.on("GET", "/api/v1/log", (ex) => {
    const rootHash = root(0, leaves.length);
    ex.sendJson(200, { rootHash: rootHash.toString("hex"), treeSize: leaves.length, signedTreeHead: checkpoint(leaves.length, rootHash), treeID: String(treeId), inactiveShards: [] });
  });
  router.on("GET", "/api/v1/log/publicKey", (ex) => ex.send(200, toPem(publicKey, "PUBLIC KEY"), { "content-type": "application/x-pem-file" }));

  const faults = new FaultPlan();
  const server = await serve(router, {
    port: options.port ?? 0,
    faults,
    notFound: (ex) => rekorError(ex, 404, "Not Found"),
    faultReply: (ex, fault) =>
      fault.kind === "rate-limit"
        ? rekorError(ex, 429, "emulated fault: rate limited", { "retry-after": String(fault.retryAfterSeconds) })
        : rekorError(ex, fault.status, `emulated fault: HTTP ${fault.status}`),
  });
  host = new URL(server.origin).host;
  return { origin: server.origin, faults, publicKey, logId: logId.toString("hex"), validFrom, entries, close: () => server.close() };
}

function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

// ---- entry kinds ----------------------------------------------------------------------------

interface ProposedEntry {
  apiVersion?: unknown;
  kind?: unknown;
  spec?: unknown;
}

type Json = Record<string, unknown>;
const HASH_LENGTHS: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

/** The entry as Rekor persists it (before JCS), after verifying its signatures. */
function canonicalize(entry: ProposedEntry): Json {
  const spec = (entry.spec ?? {}) as Json;
  const kind = `${String(entry.kind)} ${String(entry.apiVersion)}`;
  switch (kind) {
    case "hashedrekord 0.0.1":
      return hashedrekord(spec);
    case "dsse 0.0.1":
      return dsse(spec);
    case "intoto 0.0.2":
      return intoto(spec);
    default:
      throw new RekorError(400, `unsupported entry kind and version: ${kind} (the emulator takes hashedrekord 0.0.1, dsse 0.0.1, intoto 0.0.2)`);
  }
}

function hashedrekord(spec: Json): Json {
  const hash = ((spec.data as Json | undefined)?.hash ?? {}) as Json;
  const signature = (spec.signature ?? {}) as Json;
  const algorithm = String(hash.algorithm ?? "");
  const value = String(hash.value ?? "").toLowerCase();
  if (!HASH_LENGTHS[algorithm] || !new RegExp(`^[0-9a-f]{${HASH_LENGTHS[algorithm]}}$`).test(value)) {
    throw new RekorError(400, "validation failure: data.hash must be a sha256, sha384 or sha512 hex digest");
  }
  const key = parseKey(String(((signature.publicKey ?? {}) as Json).content ?? ""));
  const sig = Buffer.from(String(signature.content ?? ""), "base64");
  if (!verifyPrehashed(key.publicKey, Buffer.from(value, "hex"), sig)) throw new RekorError(400, "verifying signature: invalid signature when validating ASN.1 encoded signature");
  return {
    apiVersion: "0.0.1",
    kind: "hashedrekord",
    spec: { data: { hash: { algorithm, value } }, signature: { content: sig.toString("base64"), publicKey: { content: key.canonical } } },
  };
}

function dsse(spec: Json): Json {
  const proposed = spec.proposedContent as Json | undefined;
  if (!proposed || typeof proposed.envelope !== "string" || !Array.isArray(proposed.verifiers) || proposed.verifiers.length === 0) {
    throw new RekorError(400, "validation failure: proposedContent needs an envelope and at least one verifier");
  }
  const envelope = parseJson(proposed.envelope) as { payload?: unknown; payloadType?: unknown; signatures?: { sig?: unknown }[] };
  const payload = Buffer.from(String(envelope.payload ?? ""), "base64");
  const payloadType = String(envelope.payloadType ?? "");
  const keys = proposed.verifiers.map((v) => parseKey(String(v)));
  const signatures = (envelope.signatures ?? []).map((s) => {
    const sig = String(s.sig ?? "");
    const signer = keys.find((k) => verifyDsse(k.publicKey, payloadType, payload, Buffer.from(sig, "base64")));
    if (!signer) throw new RekorError(400, "could not verify envelope: all signatures must have a key that verifies it");
    return { signature: sig, verifier: signer.canonical };
  });
  if (signatures.length === 0) throw new RekorError(400, "could not verify envelope: no signatures");
  return {
    apiVersion: "0.0.1",
    kind: "dsse",
    spec: {
      envelopeHash: { algorithm: "sha256", value: sha256(Buffer.from(proposed.envelope, "utf8")).toString("hex") },
      payloadHash: { algorithm: "sha256", value: sha256(payload).toString("hex") },
      signatures: signatures.sort((a, b) => (a.signature < b.signature ? -1 : a.signature > b.signature ? 1 : 0)),
    },
  };
}

function intoto(spec: Json): Json {
  const content = (spec.content ?? {}) as Json;
  const envelope = (content.envelope ?? {}) as { payload?: unknown; payloadType?: unknown; signatures?: Json[] };
  const hash = content.hash as Json | undefined;
  if (!hash || hash.algorithm !== "sha256" || !/^[0-9a-f]{64}$/.test(String(hash.value))) throw new RekorError(400, "validation failure: content.hash must be a sha256 hex digest");
  const payloadType = String(envelope.payloadType ?? "");
  // Payload and signatures are base64 of the envelope's base64 strings.
  const unwrap = (value: unknown) => Buffer.from(Buffer.from(String(value ?? ""), "base64").toString("utf8"), "base64");
  const payload = unwrap(envelope.payload);
  const signatures = envelope.signatures ?? [];
  if (payload.length === 0 || payloadType === "" || signatures.length === 0) throw new RekorError(400, "validation failure: invalid DSSE envelope");
  for (const s of signatures) {
    const key = parseKey(String(s.publicKey ?? ""));
    if (!verifyDsse(key.publicKey, payloadType, payload, unwrap(s.sig))) throw new RekorError(400, "could not verify envelope: all signatures must have a key that verifies it");
  }
  return {
    apiVersion: "0.0.2",
    kind: "intoto",
    spec: {
      content: {
        envelope: { payloadType, signatures: signatures.map((s) => ({ ...(s.keyid ? { keyid: s.keyid } : {}), publicKey: s.publicKey, sig: s.sig })) },
        hash: { algorithm: "sha256", value: hash.value },
        payloadHash: { algorithm: "sha256", value: sha256(payload).toString("hex") },
      },
    },
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new RekorError(400, "validation failure: the envelope is not JSON");
  }
}

/** A base64 PEM certificate or public key, and its canonical form (base64 of Go-style PEM). */
function parseKey(base64: string): { publicKey: KeyObject; canonical: string } {
  const pem = Buffer.from(base64, "base64").toString("utf8");
  try {
    if (pem.includes("BEGIN CERTIFICATE")) {
      const cert = new X509Certificate(pem);
      return { publicKey: cert.publicKey, canonical: Buffer.from(toPem(cert.raw)).toString("base64") };
    }
    const publicKey = createPublicKey(pem);
    return { publicKey, canonical: Buffer.from(toPem(publicKey.export({ format: "der", type: "spki" }), "PUBLIC KEY")).toString("base64") };
  } catch {
    throw new RekorError(400, "could not parse public key as x509");
  }
}

/** DSSE v1 pre-authentication encoding. */
function pae(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType, "utf8");
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${payload.length} `), payload]);
}

function verifyDsse(key: KeyObject, payloadType: string, payload: Buffer, signature: Buffer): boolean {
  try {
    return verify(key.asymmetricKeyType === "ed25519" ? null : "sha256", pae(payloadType, payload), key, signature);
  } catch {
    return false;
  }
}

// ---- ECDSA P-256 over a digest ----------------------------------------------------------------
// A hashedrekord carries the artifact's digest, not the artifact, and node:crypto can only verify
// ECDSA over a message it hashes itself; so the verification equation is computed here.

const P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const G = { x: 0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n, y: 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n };
type Point = { x: bigint; y: bigint } | null;

const mod = (a: bigint, m: bigint) => ((a % m) + m) % m;
function invert(a: bigint, m: bigint): bigint {
  let [r0, r1, t0, t1] = [mod(a, m), m, 1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1, t0, t1] = [r1, r0 - q * r1, t1, t0 - q * t1];
  }
  return mod(t0, m);
}
function add(p: Point, q: Point): Point {
  if (!p) return q;
  if (!q) return p;
  if (p.x === q.x && mod(p.y + q.y, P) === 0n) return null;
  const slope = p.x === q.x ? mod((3n * p.x * p.x - 3n) * invert(2n * p.y, P), P) : mod((q.y - p.y) * invert(q.x - p.x, P), P);
  const x = mod(slope * slope - p.x - q.x, P);
  return { x, y: mod(slope * (p.x - x) - p.y, P) };
}
function multiply(k: bigint, point: Point): Point {
  let result: Point = null;
  for (let addend = point; k > 0n; k >>= 1n, addend = add(addend, addend)) if (k & 1n) result = add(result, addend);
  return result;
}

/** ECDSA verification of a DER signature over `digest` (its leftmost 256 bits) with a P-256 key. */
function verifyPrehashed(key: KeyObject, digest: Buffer, signature: Buffer): boolean {
  if (key.asymmetricKeyType !== "ec" || key.asymmetricKeyDetails?.namedCurve !== "prime256v1") {
    throw new RekorError(400, "the emulator verifies hashedrekord signatures of ECDSA P-256 keys only");
  }
  const parsed = parseDerSignature(signature);
  if (!parsed) return false;
  const { r, s } = parsed;
  if (r <= 0n || r >= N || s <= 0n || s >= N) return false;
  const jwk = key.export({ format: "jwk" });
  const q = { x: BigInt(`0x${Buffer.from(jwk.x!, "base64url").toString("hex")}`), y: BigInt(`0x${Buffer.from(jwk.y!, "base64url").toString("hex")}`) };
  const e = BigInt(`0x${digest.subarray(0, 32).toString("hex")}`);
  const w = invert(s, N);
  const point = add(multiply(mod(e * w, N), G), multiply(mod(r * w, N), q));
  return point !== null && mod(point.x, N) === r;
}

function parseDerSignature(sig: Buffer): { r: bigint; s: bigint } | undefined {
  if (sig[0] !== 0x30 || sig[1] !== sig.length - 2) return undefined;
  const integer = (at: number) => {
    if (sig[at] !== 0x02) return undefined;
    const length = sig[at + 1] ?? 0;
    return { value: BigInt(`0x${sig.subarray(at + 2, at + 2 + length).toString("hex") || "0"}`), next: at + 2 + length };
  };
  const r = integer(2);
  const s = r && integer(r.next);
  return r && s && s.next === sig.length ? { r: r.value, s: s.value } : undefined;
}
