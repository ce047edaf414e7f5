/**
 * Signing with Sigstore, two ways:
 *
 * - keyless: an OIDC identity token (SIGSTORE_ID_TOKEN, or GitHub Actions' ambient token) buys a
 *   short-lived Fulcio certificate; the signature is witnessed by Rekor (and a timestamp
 *   authority when one is configured). The bundle proves who signed, and when.
 * - key pair: an ECDSA or Ed25519 private key held by the release team (air-gapped releases);
 *   no Fulcio, no Rekor. The bundle names the key by a hint; verifiers need the public key.
 *
 * Both go through @sigstore/sign's bundle builders, so the bundles are the ones cosign and
 * sigstore-js read.
 */
import { createPrivateKey, createPublicKey, sign as cryptoSign, type KeyObject } from "node:crypto";
import { BinderyError } from "../evidence/errors.js";
import { certificateIdentity, keyFingerprint } from "./identity.js";

export const PUBLIC_GOOD = { fulcio: "https://fulcio.sigstore.dev", rekor: "https://rekor.sigstore.dev" } as const;

export type SigningSettings =
  | { mode: "keyless"; fulcioURL: string; rekorURL: string; tsaURL: string | null; env: NodeJS.ProcessEnv }
  | { mode: "key"; privateKey: KeyObject; hint: string };

/** What a signature claims about its signer, for listings and messages. */
export interface SignerInfo {
  mode: "keyless" | "key";
  /** The certificate's subject alternative name, or the key hint. */
  identity: string;
  /** The OIDC issuer in the certificate, or null for a key pair. */
  issuer: string | null;
}

export type SerializedBundle = Record<string, unknown>;

/** Settings from flags and the environment: SIGSTORE_FULCIO_URL, SIGSTORE_REKOR_URL, SIGSTORE_TSA_URL. */
export function signingSettings(options: { key?: string; keyPem?: string; fulcioURL?: string; rekorURL?: string; tsaURL?: string; env?: NodeJS.ProcessEnv }): SigningSettings {
  const env = options.env ?? process.env;
  if (options.key !== undefined) {
    let privateKey: KeyObject;
    try {
      privateKey = createPrivateKey(options.keyPem ?? "");
    } catch (error) {
      throw new BinderyError("INPUT_INVALID", `--key ${options.key} is not a PEM private key: ${(error as Error).message.split("\n")[0]}.`, { cause: error });
    }
    return { mode: "key", privateKey, hint: keyFingerprint(createPublicKey(privateKey)) };
  }
  return {
    mode: "keyless",
    fulcioURL: options.fulcioURL ?? env.SIGSTORE_FULCIO_URL ?? PUBLIC_GOOD.fulcio,
    rekorURL: options.rekorURL ?? env.SIGSTORE_REKOR_URL ?? PUBLIC_GOOD.rekor,
    tsaURL: options.tsaURL ?? env.SIGSTORE_TSA_URL ?? null,
    env,
  };
}

/** The identity token: SIGSTORE_ID_TOKEN, else the CI's ambient OIDC (GitHub Actions with `id-token: write`). */
async function identityProvider(env: NodeJS.ProcessEnv) {
  const token = env.SIGSTORE_ID_TOKEN;
  if (token) return { getToken: async () => token };
  if (env.ACTIONS_ID_TOKEN_REQUEST_URL && env.ACTIONS_ID_TOKEN_REQUEST_TOKEN) {
    const { CIContextProvider } = await import("@sigstore/sign");
    return new CIContextProvider("sigstore");
  }
  throw new BinderyError("CREDENTIALS_MISSING", "keyless signing needs an OIDC identity token: set SIGSTORE_ID_TOKEN, or run in GitHub Actions with `permissions: id-token: write`.", {
    exitCode: 3,
    hint: "For an air-gapped release, sign with a key pair instead (--key private.pem).",
  });
}

async function builder(kind: "message" | "dsse", settings: SigningSettings) {
  const sign = await import("@sigstore/sign");
  if (settings.mode === "key") {
    const signer = {
      sign: async (data: Buffer) => ({
        signature: cryptoSign(settings.privateKey.asymmetricKeyType === "ed25519" ? null : "sha256", data, settings.privateKey),
        key: { $case: "publicKey" as const, publicKey: createPublicKey(settings.privateKey).export({ type: "spki", format: "pem" }).toString(), hint: settings.hint },
      }),
    };
    return kind === "message" ? new sign.MessageSignatureBundleBuilder({ signer, witnesses: [] }) : new sign.DSSEBundleBuilder({ signer, witnesses: [] });
  }
  const signer = new sign.FulcioSigner({ fulcioBaseURL: settings.fulcioURL, identityProvider: await identityProvider(settings.env), retry: { retries: 2 }, timeout: 30_000 });
  const witnesses = [
    new sign.RekorWitness({ rekorBaseURL: settings.rekorURL, entryType: "dsse", fetchOnConflict: true, retry: { retries: 2 }, timeout: 30_000 }),
    ...(settings.tsaURL ? [new sign.TSAWitness({ tsaBaseURL: settings.tsaURL, retry: { retries: 2 }, timeout: 30_000 })] : []),
  ];
  return kind === "message" ? new sign.MessageSignatureBundleBuilder({ signer, witnesses }) : new sign.DSSEBundleBuilder({ signer, witnesses });
}

/** Names the service that failed without repeating a token or a response body that may hold one. */
function signingFailure(error: unknown, settings: SigningSettings): BinderyError {
  if (error instanceof BinderyError) return error;
  const e = error as { code?: string; message?: string; cause?: { message?: string } };
  const where = settings.mode === "keyless" ? ` (Fulcio ${settings.fulcioURL}, Rekor ${settings.rekorURL}${settings.tsaURL ? `, TSA ${settings.tsaURL}` : ""})` : "";
  const detail = [e.code, e.message, e.cause?.message].filter(Boolean).join(": ").split("\n")[0];
  return new BinderyError("SIGNING_FAILED", `signing failed${where}: ${detail || String(error)}.`, { cause: error });
}

async function create(kind: "message" | "dsse", data: Buffer, type: string | undefined, settings: SigningSettings): Promise<{ bundle: SerializedBundle; signer: SignerInfo }> {
  const { bundleToJSON } = await import("@sigstore/bundle");
  let bundle;
  try {
    bundle = await (await builder(kind, settings)).create({ data, ...(type ? { type } : {}) });
  } catch (error) {
    throw signingFailure(error, settings);
  }
  const json = bundleToJSON(bundle) as unknown as SerializedBundle;
  return { bundle: json, signer: await signerOf(json) };
}

/** A message signature over `data` (a file's bytes): cosign verify-blob's kind of bundle. */
export function signBlob(data: Buffer, settings: SigningSettings) {
  return create("message", data, undefined, settings);
}

/** A DSSE envelope around `payload` of `payloadType` (an in-toto statement). */
export function signDsse(payload: Buffer, payloadType: string, settings: SigningSettings) {
  return create("dsse", payload, payloadType, settings);
}

/** Who signed a bundle, as its verification material says (not verified here). */
export async function signerOf(bundle: SerializedBundle): Promise<SignerInfo> {
  const material = bundle.verificationMaterial as { certificate?: { rawBytes: string }; x509CertificateChain?: { certificates: { rawBytes: string }[] }; publicKey?: { hint?: string } } | undefined;
  const raw = material?.certificate?.rawBytes ?? material?.x509CertificateChain?.certificates[0]?.rawBytes;
  if (!raw) return { mode: "key", identity: material?.publicKey?.hint ?? "", issuer: null };
  const { X509Certificate } = await import("@sigstore/core");
  const { identity, issuer } = certificateIdentity(X509Certificate.parse(Buffer.from(raw, "base64")));
  return { mode: "keyless", identity: identity ?? "", issuer };
}
