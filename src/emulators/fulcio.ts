/**
 * A loopback Fulcio (Sigstore's code-signing CA, API v2) and the OIDC identity provider it
 * trusts, faithful to what `@sigstore/sign`'s `FulcioSigner` sends and reads.
 *
 * - `POST /api/v2/signingCert`: the OIDC identity token (`credentials.oidcIdentityToken`, or an
 *   `Authorization: Bearer` header) must be an ES256 JWT from this emulator's identity provider,
 *   issued by the trusted issuer, for audience `sigstore`, unexpired; an email identity needs
 *   `email_verified`. `publicKeyRequest.proofOfPossession` must be the submitted key's signature
 *   over the identity's name (the email, or `sub` for a workflow identity). The answer is
 *   `signedCertificateDetachedSct` (no CT log here, so no SCT, as Fulcio answers without one) with
 *   the chain leaf, intermediate, root as PEM. The leaf lives 10 minutes, has an empty subject,
 *   a critical Subject Alternative Name (the email, or `https://github.com/<job_workflow_ref>` for
 *   a GitHub Actions-like token), key usage digitalSignature, extended key usage codeSigning, and
 *   the Fulcio issuer extensions 1.3.6.1.4.1.57264.1.1 (raw) and .1.8 (DER UTF8String), plus
 *   the legacy GitHub workflow extensions .1.2-.1.6 for a workflow identity.
 * - `GET /api/v2/trustBundle` and `GET /api/v2/configuration`.
 * - Errors are gRPC-gateway statuses `{code, message, details}`: a bad token is 401, a bad key or
 *   proof of possession 400.
 */
import { createHash, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from "node:crypto";
import { FaultPlan, Router, serve, type Exchange } from "./server.js";
import { createCertificate, der, extensions, KeyUsage, OID, toPem, type Extension, type Name } from "./x509.js";

/** The identity a token names when none is given. */
export const DEFAULT_SIGNER_EMAIL = "release@bindery.invalid";
/** The token issuer Fulcio trusts by default (the certificate's issuer extension). */
export const DEFAULT_TOKEN_ISSUER = "https://token.bindery.invalid";

/** Fulcio's certificate extensions (https://github.com/sigstore/fulcio/blob/main/docs/oid-info.md). */
export const FULCIO_OID = {
  issuer: "1.3.6.1.4.1.57264.1.1",
  githubWorkflowTrigger: "1.3.6.1.4.1.57264.1.2",
  githubWorkflowSha: "1.3.6.1.4.1.57264.1.3",
  githubWorkflowName: "1.3.6.1.4.1.57264.1.4",
  githubWorkflowRepository: "1.3.6.1.4.1.57264.1.5",
  githubWorkflowRef: "1.3.6.1.4.1.57264.1.6",
  issuerV2: "1.3.6.1.4.1.57264.1.8",
} as const;

export interface TokenOptions {
  /** The email identity (default {@link DEFAULT_SIGNER_EMAIL}, unless `workflow` is given). */
  email?: string;
  /** `sub` (default: the email, or GitHub's `repo:<repository>:ref:<ref>` for a workflow). */
  subject?: string;
  /** `iss` (default: the issuer Fulcio trusts); any other issuer is refused. */
  issuer?: string;
  /** `aud` (default `sigstore`). */
  audience?: string;
  /** Lifetime from now (default 600); zero or less issues an expired token. */
  expiresInSeconds?: number;
  /** A GitHub Actions-like workflow identity instead of an email one. */
  workflow?: { repository: string; path?: string; ref?: string; sha?: string; event?: string; name?: string };
  /** Further claims, set last (they may override the ones above). */
  claims?: Record<string, unknown>;
}

export interface FulcioEmulatorOptions {
  /** Default 0 (any free port). */
  port?: number;
  /** The only token issuer trusted (default {@link DEFAULT_TOKEN_ISSUER}). */
  issuer?: string;
  /** The clock of tokens and certificates (default the real one). */
  now?: () => Date;
}

export interface FulcioEmulator {
  /** `http://127.0.0.1:PORT`: the `fulcioURL` of `sigstore.sign()`. */
  origin: string;
  faults: FaultPlan;
  /** The trusted token issuer. */
  issuer: string;
  /** The CA chain as DER, intermediate then root (the order of a trusted root's `certChain`). */
  chain: Buffer[];
  /** The CA's distinguished name (the root's subject). */
  subject: Name;
  /** When the CA's certificates start being valid (whole seconds). */
  validFrom: Date;
  /** An OIDC identity token from the emulator's identity provider. */
  issueToken(options?: TokenOptions): string;
  /** Leaf certificates issued so far (DER), oldest first. */
  issued: Buffer[];
  close(): Promise<void>;
}

const LEAF_LIFETIME_MS = 10 * 60 * 1000;
const CA_LIFETIME_MS = 10 * 365 * 24 * 3600 * 1000;
const ROOT_NAME: Name = { organization: "bindery.invalid", commonName: "fulcio-emulator-root" };
const INTERMEDIATE_NAME: Name = { organization: "bindery.invalid", commonName: "fulcio-emulator-intermediate" };

type KeyPair = { privateKey: KeyObject; publicKey: KeyObject };
const p256 = (): KeyPair => generateKeyPairSync("ec", { namedCurve: "P-256" });
const base64url = (value: unknown) => Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");
const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

/** The gRPC status code behind an HTTP status, as Fulcio's gateway reports it in error bodies. */
const GRPC_CODE: Record<number, number> = { 400: 3, 401: 16, 403: 7, 404: 5, 409: 6, 429: 8, 501: 12, 503: 14, 504: 4 };

class FulcioError extends Error {
  constructor(
    readonly status: 400 | 401,
    message: string,
  ) {
    super(message);
  }
}

function fulcioError(ex: Exchange, status: number, message: string, headers: Record<string, string> = {}): void {
  ex.sendJson(status, { code: GRPC_CODE[status] ?? 13, message, details: [] }, headers);
}

export async function startFulcioEmulator(options: FulcioEmulatorOptions = {}): Promise<FulcioEmulator> {
  const now = options.now ?? (() => new Date());
  const issuer = options.issuer ?? DEFAULT_TOKEN_ISSUER;
  const validFrom = new Date(seconds(now()) * 1000);
  const validTo = new Date(validFrom.getTime() + CA_LIFETIME_MS);
  const tokenKey = p256();
  const rootKey = p256();
  const intermediateKey = p256();
  const root = createCertificate({
    subject: ROOT_NAME,
    issuer: ROOT_NAME,
    publicKey: rootKey.publicKey,
    signer: rootKey,
    notBefore: validFrom,
    notAfter: validTo,
    extensions: [extensions.keyUsage(KeyUsage.keyCertSign, KeyUsage.cRLSign), extensions.basicConstraints(true), extensions.subjectKeyIdentifier(rootKey.publicKey)],
  });
  const intermediate = createCertificate({
    subject: INTERMEDIATE_NAME,
    issuer: ROOT_NAME,
    publicKey: intermediateKey.publicKey,
    signer: rootKey,
    notBefore: validFrom,
    notAfter: validTo,
    extensions: [
      extensions.keyUsage(KeyUsage.keyCertSign, KeyUsage.cRLSign),
      extensions.extKeyUsage(OID.codeSigning),
      extensions.basicConstraints(true, 0),
      extensions.subjectKeyIdentifier(intermediateKey.publicKey),
      extensions.authorityKeyIdentifier(rootKey.publicKey),
    ],
  });
  const issued: Buffer[] = [];

  const issueToken = (token: TokenOptions = {}): string => {
    const iat = seconds(now());
    const workflow = token.workflow;
    const claims: Record<string, unknown> = { iss: token.issuer ?? issuer, aud: token.audience ?? "sigstore", iat, nbf: iat, exp: iat + (token.expiresInSeconds ?? 600) };
    if (workflow) {
      const ref = workflow.ref ?? "refs/heads/main";
      const jobWorkflowRef = `${workflow.repository}/${workflow.path ?? ".github/workflows/release.yml"}@${ref}`;
      Object.assign(claims, {
        sub: token.subject ?? `repo:${workflow.repository}:ref:${ref}`,
        repository: workflow.repository,
        ref,
        sha: workflow.sha ?? "0".repeat(40),
        event_name: workflow.event ?? "push",
        workflow: workflow.name ?? "release",
        job_workflow_ref: jobWorkflowRef,
        workflow_ref: jobWorkflowRef,
      });
      if (token.email !== undefined) Object.assign(claims, { email: token.email, email_verified: true });
    } else {
      const email = token.email ?? DEFAULT_SIGNER_EMAIL;
      Object.assign(claims, { sub: token.subject ?? email, email, email_verified: true });
    }
    Object.assign(claims, token.claims);
    const signingInput = `${base64url({ alg: "ES256", typ: "JWT", kid: keyId(tokenKey.publicKey) })}.${base64url(claims)}`;
    const signature = sign("sha256", Buffer.from(signingInput), { key: tokenKey.privateKey, dsaEncoding: "ieee-p1363" });
    return `${signingInput}.${signature.toString("base64url")}`;
  };

  /** The token's claims once Fulcio would accept it; a 401 otherwise. */
  const authenticate = (token: string): Record<string, unknown> => {
    const refuse = (why: string) => new FulcioError(401, `There was an error processing the identity token: ${why}`);
    const [header, payload, signature, ...rest] = token.split(".");
    if (!header || !payload || signature === undefined || rest.length > 0) throw refuse("not a JWT");
    let claims: Record<string, unknown>;
    try {
      if ((JSON.parse(Buffer.from(header, "base64url").toString("utf8")) as { alg?: unknown }).alg !== "ES256") throw refuse("unsupported signing algorithm");
      claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>;
    } catch (error) {
      throw error instanceof FulcioError ? error : refuse("malformed JWT");
    }
    const signed = verify("sha256", Buffer.from(`${header}.${payload}`), { key: tokenKey.publicKey, dsaEncoding: "ieee-p1363" }, Buffer.from(signature, "base64url"));
    if (!signed) throw refuse("failed to verify signature");
    if (claims.iss !== issuer) throw refuse(`unknown issuer ${JSON.stringify(claims.iss)}`);
    const audience = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!audience.includes("sigstore")) throw refuse('expected audience "sigstore"');
    const at = seconds(now());
    if (typeof claims.exp !== "number" || claims.exp <= at) throw refuse("token is expired");
    if (typeof claims.nbf === "number" && claims.nbf > at + 60) throw refuse("token is not valid yet");
    if (typeof claims.email === "string") {
      if (claims.email_verified !== true) throw refuse("email_verified claim was false");
    } else if (typeof claims.job_workflow_ref !== "string" || typeof claims.sub !== "string") {
      throw refuse("the token names neither an email nor a workflow");
    }
    return claims;
  };

  const leafFor = (claims: Record<string, unknown>, publicKey: KeyObject): Buffer => {
    const tokenIssuer = String(claims.iss);
    const raw = (oid: string, value: unknown): Extension[] => (typeof value === "string" ? [{ oid, value: Buffer.from(value, "utf8") }] : []);
    const email = typeof claims.email === "string" ? claims.email : undefined;
    const identity: Extension[] = email
      ? [extensions.subjectAltName({ email }, true)]
      : [
          extensions.subjectAltName({ uri: `https://github.com/${String(claims.job_workflow_ref)}` }, true),
          ...raw(FULCIO_OID.githubWorkflowTrigger, claims.event_name),
          ...raw(FULCIO_OID.githubWorkflowSha, claims.sha),
          ...raw(FULCIO_OID.githubWorkflowName, claims.workflow),
          ...raw(FULCIO_OID.githubWorkflowRepository, claims.repository),
          ...raw(FULCIO_OID.githubWorkflowRef, claims.ref),
        ];
    const notBefore = new Date(seconds(now()) * 1000);
    return createCertificate({
      subject: {},
      issuer: INTERMEDIATE_NAME,
      publicKey,
      signer: intermediateKey,
      notBefore,
      notAfter: new Date(notBefore.getTime() + LEAF_LIFETIME_MS),
      extensions: [
        extensions.keyUsage(KeyUsage.digitalSignature),
        extensions.extKeyUsage(OID.codeSigning),
        extensions.subjectKeyIdentifier(publicKey),
        extensions.authorityKeyIdentifier(intermediateKey.publicKey),
        ...identity,
        ...raw(FULCIO_OID.issuer, tokenIssuer),
        { oid: FULCIO_OID.issuerV2, value: der.utf8(tokenIssuer) },
      ],
    });
  };

  const router = new Router();
  router.on("POST", "/api/v2/signingCert", async (ex) => {
    let request: SigningCertRequest;
    try {
      request = await ex.json<SigningCertRequest>();
    } catch {
      return fulcioError(ex, 400, "The request body is not JSON");
    }
    try {
      const bearer = /^Bearer (.+)$/.exec(ex.header("authorization") ?? "")?.[1];
      const claims = authenticate(request.credentials?.oidcIdentityToken ?? bearer ?? "");
      if (request.certificateSigningRequest) throw new FulcioError(400, "The emulator takes a public key and proof of possession, not a CSR");
      const publicKey = parsePublicKey(request.publicKeyRequest?.publicKey?.content);
      const name = String(typeof claims.email === "string" ? claims.email : claims.sub);
      const proof = Buffer.from(request.publicKeyRequest?.proofOfPossession ?? "", "base64");
      if (!verifyWith(publicKey, Buffer.from(name, "utf8"), proof)) throw new FulcioError(400, "The signature supplied in the request could not be verified");
      const leaf = leafFor(claims, publicKey);
      issued.push(leaf);
      ex.sendJson(200, { signedCertificateDetachedSct: { chain: { certificates: [leaf, intermediate, root].map((c) => toPem(c)) } } });
    } catch (error) {
      if (!(error instanceof FulcioError)) throw error;
      fulcioError(ex, error.status, error.message);
    }
  });
  router.on("GET", "/api/v2/trustBundle", (ex) => ex.sendJson(200, { chains: [{ certificates: [toPem(intermediate), toPem(root)] }] }));
  router.on("GET", "/api/v2/configuration", (ex) => ex.sendJson(200, { issuers: [{ issuerUrl: issuer, audience: "sigstore", challengeClaim: "email" }] }));

  const faults = new FaultPlan();
  const server = await serve(router, {
    port: options.port ?? 0,
    faults,
    notFound: (ex) => fulcioError(ex, 404, "Not Found"),
    faultReply: (ex, fault) =>
      fault.kind === "rate-limit"
        ? fulcioError(ex, 429, "emulated fault: rate limited", { "retry-after": String(fault.retryAfterSeconds) })
        : fulcioError(ex, fault.status, `emulated fault: HTTP ${fault.status}`),
  });
  return {
    origin: server.origin,
    faults,
    issuer,
    chain: [intermediate, root],
    subject: ROOT_NAME,
    validFrom,
    issueToken,
    issued,
    close: () => server.close(),
  };
}

interface SigningCertRequest {
  credentials?: { oidcIdentityToken?: string };
  publicKeyRequest?: { publicKey?: { algorithm?: string; content?: string }; proofOfPossession?: string };
  certificateSigningRequest?: string;
}

/** A PEM (or base64 DER) public key Fulcio would certify: ECDSA P-256/384/521, RSA of 2048 bits or more, or Ed25519. */
function parsePublicKey(content: string | undefined): KeyObject {
  let key: KeyObject;
  try {
    key = content?.includes("-----BEGIN") ? createPublicKey(content) : createPublicKey({ key: Buffer.from(content ?? "", "base64"), format: "der", type: "spki" });
  } catch {
    throw new FulcioError(400, "The public key supplied in the request could not be parsed");
  }
  const details = key.asymmetricKeyDetails;
  const secure =
    (key.asymmetricKeyType === "ec" && ["prime256v1", "secp384r1", "secp521r1"].includes(details?.namedCurve ?? "")) ||
    (key.asymmetricKeyType === "rsa" && (details?.modulusLength ?? 0) >= 2048) ||
    key.asymmetricKeyType === "ed25519";
  if (!secure) throw new FulcioError(400, "The public key supplied in the request is insecure");
  return key;
}

/** Verifies a signature as Fulcio's challenge check does: SHA-256 for ECDSA and RSA, pure Ed25519. */
function verifyWith(key: KeyObject, data: Buffer, signature: Buffer): boolean {
  try {
    return verify(key.asymmetricKeyType === "ed25519" ? null : "sha256", data, key, signature);
  } catch {
    return false;
  }
}

/** A stable key id for the token signing key (the JWT `kid`). */
function keyId(key: KeyObject): string {
  return createHash("sha256").update(key.export({ format: "der", type: "spki" })).digest("hex").slice(0, 16);
}
