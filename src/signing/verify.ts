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
import { createPublicKey, type KeyObject } from "node:crypto";
import type { Bundle } from "@sigstore/bundle";
import type { X509Certificate } from "@sigstore/core";
import type { SignedEntity, TrustMaterial, VerifierOptions } from "@sigstore/verify";
import { BinderyError } from "../evidence/errors.js";
import { certificateIdentity, keyFingerprint } from "./identity.js";
import { dataShown, describeSubjects, nodeHash, parseStatement, readSigned, withDigest, type Digest, type SignedData } from "./signed-data.js";
import { loadTrustedRoot } from "./trust.js";
import { integratedTime, verificationFailure, type FailureContext } from "./verify-failure.js";

export { certificateIdentity, keyFingerprint } from "./identity.js";
export { parseDigest, shortDigest, type Digest, type DigestAlgorithm, type SignedData } from "./signed-data.js";

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
