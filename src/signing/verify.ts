/**
 * Offline verification of Sigstore bundles: the check `cosign verify-blob` (message signatures)
 * and `cosign verify-blob-attestation` (DSSE envelopes around in-toto statements) make, done with
 * @sigstore/verify against a trusted root read from disk. Nothing here touches the network.
 *
 * What a bundle must prove, in order:
 *   1. its signature, transparency-log entries, certificate chain and SCTs verify against the
 *      trusted root (the shipped public-good root unless another is given): SIGNATURE_INVALID
 *      when something was changed, SIGNATURE_UNTRUSTED when it rests on an authority the root
 *      does not hold;
 *   2. the certificate names the required identity and OIDC issuer (exactly, or the identity as a
 *      full-string regular expression): SIGNER_MISMATCH otherwise;
 *   3. for a DSSE bundle, the file's digest is a subject of the signed statement:
 *      DIGEST_NOT_SUBJECT otherwise. A message signature covers the file's bytes themselves.
 *
 * Key-pair bundles (verification material: a public key hint) verify against the public key
 * given, with every threshold at 0: no certificate, identity or issuer then.
 *
 * Sigstore packages are imported inside the functions, so importing this module stays fast.
 */
import { createHash, createPublicKey, createVerify, verify as cryptoVerify, type KeyObject } from "node:crypto";
import { constants } from "node:fs";
import { open } from "node:fs/promises";
import type { Bundle } from "@sigstore/bundle";
import type { X509Certificate } from "@sigstore/core";
import type { SignedEntity, TrustMaterial, VerifierOptions } from "@sigstore/verify";
import { BinderyError, NOT_REGULAR_FILE, inputError } from "../evidence/errors.js";
import { loadTrustedRoot } from "./trust.js";

export type DigestAlgorithm = "sha256" | "sha384" | "sha512";

export interface Digest {
  algorithm: DigestAlgorithm;
  /** Lowercase hexadecimal. */
  hex: string;
}

/** The bytes a bundle is checked against: in memory, or a file streamed from disk. */
export type SignedData = Buffer | { path: string; shown?: string };

export interface VerifyBundleOptions {
  /** The bundle, parsed from its JSON. */
  bundle: unknown;
  /** How the bundle is named in messages (its path as given). */
  shown?: string;
  /** The signed file: required for a message signature; for DSSE, its digest must be a subject. */
  data?: SignedData;
  /** Instead of `data`, for DSSE bundles: the digest that must be a subject of the statement. */
  digest?: { algorithm: "sha256" | "sha512"; hex: string };
  /** Keyless: the certificate's subject alternative name (an email or a URI) that must have signed. */
  identity?: string;
  /** Match `identity` as a regular expression against the whole SAN (default: exact match). */
  identityRegexp?: boolean;
  /** Keyless: the OIDC issuer the certificate must name, e.g. https://token.actions.githubusercontent.com. */
  issuer?: string;
  /** A trusted_root.json path, or the parsed object (default: the shipped public-good root). */
  trustedRoot?: string | object;
  /** Key pair: the signer's public key, PEM. Excludes identity and issuer. */
  publicKey?: string;
  /** How the public key is named in messages (e.g. its file). */
  publicKeyShown?: string;
}

export interface VerifiedSignature {
  ok: true;
  bundle: string;
  media_type: string;
  kind: "message_signature" | "dsse";
  /** What was signed: the in-toto subject that matched, or the file of a message signature. */
  subject: { name: string; digest: Record<string, string> };
  /** The certificate's subject alternative name (null for a key pair). */
  identity: string | null;
  /** The certificate's OIDC issuer (null for a key pair). */
  issuer: string | null;
  /** The key pair's public key fingerprint: sha256 of its SubjectPublicKeyInfo DER (null when keyless). */
  key: { sha256: string } | null;
  /** The first transparency-log entry (null when the bundle has none: a key pair, unlogged). */
  tlog: { log_index: number; integrated_time: string | null } | null;
  /** The digest of the file (or the one given) that was checked. */
  digest: Digest;
  trusted_root: string;
}

const IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json";
const OID_FULCIO_ISSUER_V1 = "1.3.6.1.4.1.57264.1.1";
const OID_FULCIO_ISSUER_V2 = "1.3.6.1.4.1.57264.1.8";
const HEX_LENGTH: Record<DigestAlgorithm, number> = { sha256: 64, sha384: 96, sha512: 128 };
const READ_BYTES = 2 * 1024 * 1024;

/** `sha256:HEX` or `sha512:HEX` from the command line; anything else is a usage error. */
export function parseDigest(text: string, flag = "--digest"): { algorithm: "sha256" | "sha512"; hex: string } {
  const match = /^(sha256|sha512):([0-9a-fA-F]+)$/.exec(text.trim());
  const algorithm = match?.[1] as "sha256" | "sha512" | undefined;
  const hex = match?.[2];
  if (!algorithm || !hex || hex.length !== HEX_LENGTH[algorithm]) {
    throw new BinderyError("USAGE", `${flag} ${JSON.stringify(text)} is not ALG:HEX, with ALG sha256 (64 hex digits) or sha512 (128 hex digits).`);
  }
  return { algorithm, hex: hex.toLowerCase() };
}

/** Abbreviates a digest for a human line: sha512:7bea9f6e7ff3…cd1f258b36. */
export function shortDigest(digest: Digest): string {
  return `${digest.algorithm}:${digest.hex.slice(0, 12)}…${digest.hex.slice(-10)}`;
}

/** The public key's fingerprint: hex sha256 of its SubjectPublicKeyInfo DER (what bindery's key-pair bundles name as their hint). */
export function keyFingerprint(key: KeyObject): string {
  return createHash("sha256").update(key.export({ type: "spki", format: "der" })).digest("hex");
}

/**
 * The combinations a verification accepts (the CLI checks them before reading any file): a key
 * or an identity with its issuer, and the file or its digest. Returns the identity's pattern
 * when it is a regular expression.
 */
export function checkVerifyOptions(options: {
  identity?: string | undefined;
  issuer?: string | undefined;
  identityRegexp?: boolean | undefined;
  publicKey?: unknown;
  data?: unknown;
  digest?: unknown;
}): RegExp | undefined {
  const keyless = options.identity !== undefined || options.issuer !== undefined;
  if (options.publicKey !== undefined && (keyless || options.identityRegexp)) {
    throw new BinderyError("USAGE", "--key verifies a key-pair signature, which has no identity or issuer: drop --identity, --issuer and --identity-regexp, or drop --key.");
  }
  if (options.publicKey === undefined) {
    if (!options.identity || !options.issuer) {
      throw new BinderyError("USAGE", options.identity || options.issuer
        ? `${options.identity ? "--identity needs --issuer" : "--issuer needs --identity"}: a keyless signature is checked against both the certificate's identity and its OIDC issuer.`
        : "name the signer: --identity and --issuer (keyless), or --key (a key pair).");
    }
  }
  if ((options.data === undefined) === (options.digest === undefined)) {
    throw new BinderyError("USAGE", "give the signed file (--file) or its digest (--digest), not both and not neither.");
  }
  if (options.identityRegexp && options.identity !== undefined) {
    try {
      return new RegExp(`^(?:${options.identity})$`, "u");
    } catch (error) {
      throw new BinderyError("USAGE", `--identity ${JSON.stringify(options.identity)} is not a valid regular expression: ${(error as Error).message}.`);
    }
  }
  return undefined;
}

async function parseBundle(json: unknown, shown: string): Promise<Bundle> {
  const { bundleFromJSON } = await import("@sigstore/bundle");
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new BinderyError("INPUT_INVALID", `bundle ${shown} is not a Sigstore bundle: it is not a JSON object.`);
  }
  try {
    return bundleFromJSON(json);
  } catch (error) {
    const fields = (error as { fields?: string[] }).fields;
    throw new BinderyError("INPUT_INVALID", `bundle ${shown} is not a Sigstore bundle: ${(error as Error).message}${fields?.length ? ` (${fields.join(", ")})` : ""}.`, { cause: error });
  }
}

/** The signing certificate of a keyless bundle (undefined for a key-pair bundle). */
function leafCertificate(bundle: Bundle, shown: string, X509: typeof X509Certificate): X509Certificate | undefined {
  const material = bundle.verificationMaterial.content;
  const raw =
    material.$case === "certificate" ? material.certificate.rawBytes
    : material.$case === "x509CertificateChain" ? material.x509CertificateChain.certificates[0]?.rawBytes
    : undefined;
  if (material.$case === "publicKey") return undefined;
  if (!raw) throw new BinderyError("INPUT_INVALID", `bundle ${shown} has an empty certificate chain.`);
  try {
    return X509.parse(Buffer.from(raw));
  } catch (error) {
    throw new BinderyError("INPUT_INVALID", `bundle ${shown} holds a certificate that does not parse: ${(error as Error).message}.`, { cause: error });
  }
}

/** The identity a certificate names: its SAN and Fulcio's OIDC issuer extension (as @sigstore/verify reads them). */
export function certificateIdentity(cert: X509Certificate): { identity: string | null; issuer: string | null } {
  let issuer: string | undefined;
  const v2 = cert.extension(OID_FULCIO_ISSUER_V2);
  if (v2) issuer = v2.valueObj.subs[0]?.value.toString("ascii");
  else issuer = cert.extension(OID_FULCIO_ISSUER_V1)?.value.toString("ascii");
  return { identity: cert.subjectAltName ?? null, issuer: issuer ?? null };
}

function nodeHash(algorithm: number, HashAlgorithm: { SHA2_256: number; SHA2_384: number; SHA2_512: number; HASH_ALGORITHM_UNSPECIFIED: number }): DigestAlgorithm | undefined {
  if (algorithm === HashAlgorithm.SHA2_256 || algorithm === HashAlgorithm.HASH_ALGORITHM_UNSPECIFIED) return "sha256";
  if (algorithm === HashAlgorithm.SHA2_384) return "sha384";
  if (algorithm === HashAlgorithm.SHA2_512) return "sha512";
  return undefined;
}

function dataShown(data: SignedData | undefined, digest: Digest | undefined): string {
  if (data === undefined) return digest ? `digest ${digest.algorithm}:${digest.hex}` : "the signed bytes";
  return Buffer.isBuffer(data) ? "the signed bytes" : `file ${data.shown ?? data.path}`;
}

/** `file x (sha512:…)`, or `digest sha512:…` when the digest was given. */
function withDigest(what: string, digest: Digest): string {
  return what.startsWith("digest ") ? what : `${what} (${digest.algorithm}:${digest.hex})`;
}

/**
 * Reads the signed bytes once, in 2 MiB chunks: their digests (for each algorithm asked), and
 * whether `signature` verifies over them with `key` (when given). Ed25519 signs the message
 * itself, not a digest of it, so an Ed25519 check reads the whole file into memory.
 */
async function readSigned(
  data: SignedData,
  algorithms: readonly DigestAlgorithm[],
  check?: { key: KeyObject; algorithm: DigestAlgorithm; signature: Buffer },
): Promise<{ digests: Map<DigestAlgorithm, string>; verified: boolean }> {
  const pure = check !== undefined && (check.key.asymmetricKeyType === "ed25519" || check.key.asymmetricKeyType === "ed448");
  const hashes = algorithms.map((a) => [a, createHash(a)] as const);
  const verifier = check && !pure ? createVerify(check.algorithm) : undefined;
  const whole: Buffer[] = [];
  const update = (chunk: Buffer) => {
    for (const [, hash] of hashes) hash.update(chunk);
    verifier?.update(chunk);
    if (pure) whole.push(chunk);
  };
  if (Buffer.isBuffer(data)) {
    update(data);
  } else {
    const shown = data.shown ?? data.path;
    try {
      const handle = await open(data.path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
      try {
        if (!(await handle.stat()).isFile()) throw Object.assign(new Error(`${shown} is not a regular file`), { code: NOT_REGULAR_FILE });
        const buffer = Buffer.allocUnsafe(READ_BYTES);
        for (;;) {
          const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
          if (bytesRead === 0) break;
          // Ed25519 keeps the chunks, so they must not share the scratch buffer.
          update(pure ? Buffer.from(buffer.subarray(0, bytesRead)) : buffer.subarray(0, bytesRead));
        }
      } finally {
        await handle.close();
      }
    } catch (error) {
      throw inputError(error, shown);
    }
  }
  let verified = false;
  if (check) {
    try {
      verified = pure ? cryptoVerify(null, Buffer.concat(whole), check.key, check.signature) : verifier!.verify(check.key, check.signature);
    } catch {
      verified = false;
    }
  }
  return { digests: new Map(hashes.map(([a, hash]) => [a, hash.digest("hex")])), verified };
}

interface Statement {
  subjects: { name: string; digest: Record<string, string> }[];
}

function parseStatement(bundle: Bundle, shown: string): Statement {
  if (bundle.content.$case !== "dsseEnvelope") throw new Error("not a DSSE bundle");
  const envelope = bundle.content.dsseEnvelope;
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    throw new BinderyError("INPUT_INVALID", `bundle ${shown} signs a DSSE payload of type ${JSON.stringify(envelope.payloadType)}, not an in-toto statement (${IN_TOTO_PAYLOAD_TYPE}): it names no subject a file could be checked against.`);
  }
  let statement: { subject?: unknown };
  try {
    statement = JSON.parse(Buffer.from(envelope.payload).toString("utf8")) as { subject?: unknown };
  } catch (error) {
    throw new BinderyError("INPUT_INVALID", `bundle ${shown} signs an in-toto payload that is not JSON: ${(error as Error).message}.`, { cause: error });
  }
  const subjects: Statement["subjects"] = [];
  for (const s of Array.isArray(statement?.subject) ? (statement.subject as unknown[]) : []) {
    if (typeof s !== "object" || s === null) continue;
    const { name, digest } = s as { name?: unknown; digest?: unknown };
    const digests: Record<string, string> = {};
    if (typeof digest === "object" && digest !== null) {
      for (const [alg, hex] of Object.entries(digest)) if (typeof hex === "string") digests[alg] = hex.toLowerCase();
    }
    subjects.push({ name: typeof name === "string" ? name : "", digest: digests });
  }
  return { subjects };
}

function describeSubjects(subjects: Statement["subjects"]): string {
  if (subjects.length === 0) return "it has no subjects";
  const shown = subjects.slice(0, 5).map((s) => `${s.name || "(unnamed)"} (${Object.entries(s.digest).map(([a, h]) => `${a}:${h}`).join(", ") || "no digest"})`);
  return `its subjects are ${shown.join("; ")}${subjects.length > 5 ? `; and ${subjects.length - 5} more` : ""}`;
}

/** Verifies one bundle offline; returns what it proved, or throws a BinderyError saying what did not hold. */
export async function verifyBundle(options: VerifyBundleOptions): Promise<VerifiedSignature> {
  const shown = options.shown ?? "(unnamed)";
  const identityPattern = checkVerifyOptions(options);
  const [{ Verifier, toSignedEntity, toTrustMaterial }, { X509Certificate }, { HashAlgorithm }] = await Promise.all([
    import("@sigstore/verify"),
    import("@sigstore/core"),
    import("@sigstore/protobuf-specs"),
  ]);
  const bundle = await parseBundle(options.bundle, shown);
  const trusted = await loadTrustedRoot(options.trustedRoot);
  const cert = leafCertificate(bundle, shown, X509Certificate);
  const found = cert ? certificateIdentity(cert) : { identity: null, issuer: null };
  const hint = bundle.verificationMaterial.content.$case === "publicKey" ? bundle.verificationMaterial.content.publicKey.hint : undefined;
  const kind = bundle.content.$case === "dsseEnvelope" ? "dsse" : "message_signature";

  // The signer: a key pair (the key given, nothing else) or a certificate chaining to the root.
  let givenKey: KeyObject | undefined;
  const keyShown = options.publicKeyShown ?? "the public key given";
  if (options.publicKey !== undefined) {
    try {
      givenKey = createPublicKey(options.publicKey);
    } catch (error) {
      throw new BinderyError("INPUT_INVALID", `${keyShown} is not a PEM public key: ${(error as Error).message.split("\n")[0]}.`, { cause: error });
    }
    if (cert) {
      throw new BinderyError("SIGNATURE_UNTRUSTED", `bundle ${shown} is signed with a certificate for ${found.identity ?? "no identity"} (issuer ${found.issuer ?? "none"}), not with ${keyShown} (sha256 ${keyFingerprint(givenKey)}): verify it with --identity and --issuer instead of --key.`);
    }
  } else if (!cert) {
    throw new BinderyError("SIGNATURE_UNTRUSTED", `bundle ${shown} is signed with a key pair (key hint ${JSON.stringify(hint ?? "")}), not with a certificate for ${options.identity}: no identity can be checked; verify it with --key and the signer's public key.`);
  }
  const fingerprint = givenKey ? keyFingerprint(givenKey) : undefined;
  const key = givenKey;
  // A key pair is checked against that key alone; the root still checks any transparency-log
  // entry or timestamp the bundle carries. Keyless: one Rekor entry always, and one SCT when the
  // root holds certificate-transparency logs (a private root may have none).
  const trust: TrustMaterial = key
    ? toTrustMaterial({ ...trusted.root, certificateAuthorities: [], ctlogs: [] }, () => ({ publicKey: key, validFor: () => true }))
    : toTrustMaterial(trusted.root);
  const thresholds: VerifierOptions = key
    ? { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 }
    : { tlogThreshold: 1, ctlogThreshold: trusted.root.ctlogs.length > 0 ? 1 : 0, timestampThreshold: 1 };

  // What was signed. DSSE: the envelope carries its payload. A message signature: the file's
  // bytes, read once (streamed), checked with the signing key; @sigstore/verify then gets that
  // answer for that key only (it would otherwise need the whole file in memory, and it cannot
  // check an Ed25519 message signature).
  let entity: SignedEntity;
  let checked: Digest | undefined;
  if (bundle.content.$case === "messageSignature") {
    const message = bundle.content.messageSignature;
    const algorithm = nodeHash(message.messageDigest.algorithm, HashAlgorithm);
    if (!algorithm) throw new BinderyError("INPUT_INVALID", `bundle ${shown} digests its message with an algorithm bindery does not support (${message.messageDigest.algorithm}).`);
    if (options.data === undefined) {
      throw new BinderyError("USAGE", `bundle ${shown} holds a message signature, which is a signature over the file's bytes: @sigstore/verify checks it only against those bytes, so give --file, not --digest.`);
    }
    const signingKey = key ?? createPublicKey({ key: cert!.publicKey, format: "der", type: "spki" });
    const read = await readSigned(options.data, [algorithm], { key: signingKey, algorithm, signature: Buffer.from(message.signature) });
    checked = { algorithm, hex: read.digests.get(algorithm)! };
    const base = toSignedEntity(bundle, Buffer.alloc(0));
    const expected = signingKey.export({ type: "spki", format: "der" });
    const content: SignedEntity["signature"] = {
      signature: base.signature.signature,
      compareSignature: (signature) => base.signature.compareSignature(signature),
      compareDigest: (digest) => base.signature.compareDigest(digest),
      verifySignature: (k) => read.verified && k.export({ type: "spki", format: "der" }).equals(expected),
    };
    entity = { ...base, signature: content };
  } else {
    entity = toSignedEntity(bundle);
  }

  const context: FailureContext = {
    shown,
    bundle,
    trust,
    trustedShown: trusted.shown,
    shippedRoot: trusted.shipped,
    cert,
    found,
    ...(givenKey ? { keyShown, fingerprint: fingerprint!, hint: hint ?? "" } : {}),
    what: dataShown(options.data, checked ?? options.digest),
    ...(checked && bundle.content.$case === "messageSignature" ? { fileDigest: checked, messageDigest: Buffer.from(bundle.content.messageSignature.messageDigest.digest).toString("hex") } : {}),
  };
  try {
    new Verifier(trust, thresholds).verify(entity);
  } catch (error) {
    throw verificationFailure(error, context);
  }
  if (context.fileDigest && context.fileDigest.hex !== context.messageDigest) {
    // The signature verified over the file, but the bundle records another digest for it.
    throw new BinderyError("SIGNATURE_INVALID", `bundle ${shown} records messageDigest ${context.fileDigest.algorithm}:${context.messageDigest}, but its signature covers ${context.what} (${context.fileDigest.algorithm}:${context.fileDigest.hex}): the bundle was altered.`);
  }

  // Who signed.
  if (!key) {
    const identityOk = found.identity !== null && (identityPattern ? identityPattern.test(found.identity) : found.identity === options.identity);
    const issuerOk = found.issuer === options.issuer;
    if (!identityOk || !issuerOk) {
      const differs = !identityOk && !issuerOk ? "the identity and the issuer differ" : !identityOk ? "the identity differs" : "the issuer differs";
      const wanted = identityPattern ? `an identity matching the regular expression ${options.identity}` : options.identity;
      throw new BinderyError(
        "SIGNER_MISMATCH",
        `bundle ${shown} was signed as ${found.identity ?? "(no identity)"} (issuer ${found.issuer ?? "none"}), but ${wanted} (issuer ${options.issuer}) is required: ${differs}.`,
      );
    }
  }

  // What the signature covers.
  let subject: VerifiedSignature["subject"];
  if (bundle.content.$case === "dsseEnvelope") {
    const statement = parseStatement(bundle, shown);
    const algorithms = (["sha256", "sha512"] as const).filter((a) => statement.subjects.some((s) => s.digest[a] !== undefined));
    if (options.digest) {
      checked = { algorithm: options.digest.algorithm, hex: options.digest.hex.toLowerCase() };
    } else if (algorithms.length === 0) {
      throw new BinderyError("DIGEST_NOT_SUBJECT", `the in-toto statement in bundle ${shown} has no sha256 or sha512 subject digest, so ${context.what} cannot be one of its subjects: ${describeSubjects(statement.subjects)}.`);
    } else {
      const read = await readSigned(options.data!, algorithms);
      const matched = algorithms.find((a) => statement.subjects.some((s) => s.digest[a] === read.digests.get(a)));
      const algorithm = matched ?? algorithms[0]!;
      checked = { algorithm, hex: read.digests.get(algorithm)! };
    }
    const digest = checked;
    const match = statement.subjects.find((s) => s.digest[digest.algorithm] === digest.hex);
    if (!match) {
      throw new BinderyError("DIGEST_NOT_SUBJECT", `${withDigest(context.what, digest)} is not a subject of the in-toto statement in bundle ${shown}: ${describeSubjects(statement.subjects)}.`);
    }
    subject = { name: match.name, digest: match.digest };
  } else {
    const name = options.data !== undefined && !Buffer.isBuffer(options.data) ? (options.data.shown ?? options.data.path) : "";
    subject = { name, digest: { [checked!.algorithm]: checked!.hex } };
  }

  const entry = bundle.verificationMaterial.tlogEntries[0];
  return {
    ok: true,
    bundle: shown,
    media_type: bundle.mediaType,
    kind,
    subject,
    identity: found.identity,
    issuer: found.issuer,
    key: fingerprint ? { sha256: fingerprint } : null,
    tlog: entry ? { log_index: Number(entry.logIndex), integrated_time: integratedTime(entry.integratedTime) } : null,
    digest: checked!,
    trusted_root: trusted.shown,
  };
}

function integratedTime(seconds: string): string | null {
  const n = Number(seconds);
  return Number.isFinite(n) && n > 0 ? new Date(n * 1000).toISOString().replace(/\.000Z$/, "Z") : null;
}

interface FailureContext {
  shown: string;
  bundle: Bundle;
  trust: TrustMaterial;
  trustedShown: string;
  shippedRoot: boolean;
  cert: X509Certificate | undefined;
  found: { identity: string | null; issuer: string | null };
  keyShown?: string;
  fingerprint?: string;
  hint?: string;
  /** "file x", "digest …", "the signed bytes". */
  what: string;
  fileDigest?: Digest;
  messageDigest?: string;
}

/**
 * Turns @sigstore/verify's error into bindery's: SIGNATURE_UNTRUSTED when the bundle rests on an
 * authority (certificate authority, transparency or CT log, key) the trusted root does not hold,
 * SIGNATURE_INVALID when the authority is trusted but its check fails (something was changed).
 */
function verificationFailure(error: unknown, c: FailureContext): BinderyError {
  if (error instanceof BinderyError) return error;
  const e = error as { name?: string; code?: string; message?: string };
  const code = e.code ?? e.name ?? "ERROR";
  const detail = `(@sigstore/verify: ${code}: ${e.message ?? String(error)})`;
  const invalid = (reason: string) => new BinderyError("SIGNATURE_INVALID", `bundle ${c.shown} does not verify: ${reason} ${detail}.`, { cause: error });
  const untrusted = (reason: string) =>
    new BinderyError("SIGNATURE_UNTRUSTED", `bundle ${c.shown} is not trusted by ${c.trustedShown}: ${reason} ${detail}.`, {
      hint: c.shippedRoot
        ? "A bundle from a private Sigstore deployment verifies against that deployment's root: pass it with --trusted-root."
        : "Check --trusted-root: a bundle from Sigstore's public-good instance verifies against the shipped root (no --trusted-root).",
      cause: error,
    });
  const entries = c.bundle.verificationMaterial.tlogEntries;
  const entryName = (i: number) => `its transparency-log entry (log index ${entries[i]?.logIndex ?? "?"})`;
  const logTrusted = (logId: Buffer | undefined) => logId !== undefined && c.trust.tlogs.some((t) => t.logID.equals(logId));
  const signer = c.cert ? `its certificate for ${c.found.identity ?? "(no identity)"} (issuer ${c.found.issuer ?? "none"})` : "its key";

  if (e.name === "PolicyError" || code === "UNTRUSTED_SIGNER_ERROR") {
    return new BinderyError("SIGNER_MISMATCH", `bundle ${c.shown} was signed as ${c.found.identity ?? "(no identity)"} (issuer ${c.found.issuer ?? "none"}), which the policy does not allow ${detail}.`, { cause: error });
  }
  switch (code) {
    case "CERTIFICATE_ERROR": {
      const cert = c.cert;
      if (/SCT/.test(e.message ?? "")) {
        const scts = cert?.extSCT?.signedCertificateTimestamps ?? [];
        const foreign = scts.find((s) => !c.trust.ctlogs.some((log) => log.logID.equals(s.logID)));
        if (scts.length === 0) return untrusted(`${signer} carries no signed certificate timestamp, and the root requires one from its certificate-transparency logs`);
        if (foreign) return untrusted(`${signer} was logged by a certificate-transparency log (id ${foreign.logID.toString("base64")}) that is not in the root`);
        return invalid(`the signed certificate timestamp in ${signer} does not verify with its CT log's key: the certificate was changed`);
      }
      const issued = cert !== undefined && c.trust.certificateAuthorities.some((ca) => ca.certChain.some((candidate) => {
        try {
          return cert.verify(candidate);
        } catch {
          return false;
        }
      }));
      if (!issued) return untrusted(`${signer} was not issued by a certificate authority in the root`);
      const times = entries.map((t) => integratedTime(t.integratedTime)).filter((t): t is string => t !== null);
      if (cert && times.some((t) => !cert.validForDate(new Date(t)))) {
        return invalid(`${signer} was not valid when the transparency log recorded the signature (${times.join(", ")}; the certificate is valid ${cert.notBefore.toISOString()} to ${cert.notAfter.toISOString()})`);
      }
      return untrusted(`${signer} does not chain to a certificate authority the root trusts at the time of signing (${times.join(", ") || "no timestamp"})`);
    }
    case "TLOG_INCLUSION_PROMISE_ERROR":
    case "TLOG_INCLUSION_PROOF_ERROR": {
      const foreign = entries.findIndex((t) => !logTrusted(t.logId?.keyId));
      if (foreign >= 0) return untrusted(`${entryName(foreign)} was made by a transparency log (id ${entries[foreign]!.logId?.keyId.toString("base64") ?? "none"}) that is not in the root`);
      return code === "TLOG_INCLUSION_PROMISE_ERROR"
        ? invalid(`the signed entry timestamp of ${entryName(0)} does not verify with the log's key: the entry was changed after it was logged`)
        : invalid(`the inclusion proof of ${entryName(0)} does not verify against the log's signed checkpoint`);
    }
    case "TLOG_BODY_ERROR":
      return invalid(
        c.bundle.content.$case === "dsseEnvelope"
          ? `the signed envelope differs from what ${entryName(0)} records: the in-toto payload or its signature was changed after signing`
          : `the message signature or digest differs from what ${entryName(0)} records: the bundle was changed after signing`,
      );
    case "TLOG_MISSING_INCLUSION_ERROR":
      return invalid(`${entryName(0)} has neither a signed entry timestamp nor an inclusion proof, so its inclusion in the log cannot be checked`);
    case "TLOG_ERROR":
      return invalid(`it has no transparency-log entry, and a keyless signature must be logged`);
    case "PUBLIC_KEY_ERROR":
      return untrusted(`its key is not ${c.keyShown ?? "a key the root holds"}`);
    case "SIGNATURE_ERROR": {
      if (c.fileDigest && c.messageDigest !== undefined && c.fileDigest.hex !== c.messageDigest) {
        return invalid(`${c.what} has ${c.fileDigest.algorithm} ${c.fileDigest.hex}, but the bundle signed bytes with ${c.fileDigest.algorithm} ${c.messageDigest}: it is not the file that was signed`);
      }
      if (c.fingerprint !== undefined) {
        const names = c.hint !== undefined && c.hint !== "" && c.hint !== c.fingerprint && c.hint !== Buffer.from(c.fingerprint, "hex").toString("base64");
        if (names) return untrusted(`its signature does not verify with ${c.keyShown} (sha256 ${c.fingerprint}), and the bundle names another key (hint ${c.hint}): it was signed by another key`);
        return invalid(`its signature does not verify over ${c.what} with ${c.keyShown} (sha256 ${c.fingerprint}): the signed bytes or the signature changed`);
      }
      return invalid(`its signature does not verify over ${c.bundle.content.$case === "dsseEnvelope" ? "the in-toto payload" : c.what} with the key in ${signer}: the signed content or the signature changed`);
    }
    default:
      return invalid("@sigstore/verify rejected it");
  }
}
