/**
 * Loopback Sigstore: the Fulcio and Rekor emulators side by side, and the trusted root that makes
 * `@sigstore/verify` trust them. Signing with `sigstore.sign()`/`attest()` against `fulcioURL`
 * and `rekorURL` with a token from `issueToken()` yields bundles that verify offline with
 * `toTrustMaterial(TrustedRoot.fromJSON(trustedRoot))` and `ctlogThreshold: 0` (no CT log here).
 */
import { startFulcioEmulator, type FulcioEmulator, type TokenOptions } from "./fulcio.js";
import { startRekorEmulator, type RekorEmulator } from "./rekor.js";

export { DEFAULT_SIGNER_EMAIL, DEFAULT_TOKEN_ISSUER, FULCIO_OID, type TokenOptions } from "./fulcio.js";

/** A TrustedRoot in the protobuf-specs JSON form (`TrustedRoot.fromJSON` reads it). */
export interface TrustedRootJSON {
  mediaType: string;
  tlogs: TransparencyLogJSON[];
  certificateAuthorities: {
    subject: { organization: string; commonName: string };
    uri: string;
    certChain: { certificates: { rawBytes: string }[] };
    validFor: { start: string };
  }[];
  ctlogs: TransparencyLogJSON[];
  timestampAuthorities: never[];
}

interface TransparencyLogJSON {
  baseUrl: string;
  hashAlgorithm: "SHA2_256";
  publicKey: { rawBytes: string; keyDetails: "PKIX_ECDSA_P256_SHA_256"; validFor: { start: string } };
  logId: { keyId: string };
}

export interface SigstoreEmulatorOptions {
  /** The token issuer Fulcio trusts (default `https://token.bindery.invalid`). */
  issuer?: string;
  /** The clock of tokens, certificates and the log (default the real one). */
  now?: () => Date;
}

export interface SigstoreEmulators {
  fulcioURL: string;
  rekorURL: string;
  /** The OIDC issuer of the tokens: the certificates' issuer extension, for a verification policy. */
  issuer: string;
  /** An OIDC identity token Fulcio accepts (by default for `release@bindery.invalid`, valid 10 minutes). */
  issueToken(options?: TokenOptions): string;
  /** Trust material for `@sigstore/verify`: this CA chain and this log's key, no CT logs, no TSAs. */
  trustedRoot: TrustedRootJSON;
  fulcio: FulcioEmulator;
  rekor: RekorEmulator;
  close(): Promise<void>;
}

/** Starts Fulcio and Rekor, each on 127.0.0.1 and a free port. */
export async function startSigstoreEmulators(options: SigstoreEmulatorOptions = {}): Promise<SigstoreEmulators> {
  const fulcio = await startFulcioEmulator({ ...(options.issuer ? { issuer: options.issuer } : {}), ...(options.now ? { now: options.now } : {}) });
  const rekor = await startRekorEmulator({ ...(options.now ? { now: options.now } : {}) }).catch(async (error: unknown) => {
    await fulcio.close();
    throw error;
  });
  const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");
  const trustedRoot: TrustedRootJSON = {
    mediaType: "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
    tlogs: [
      {
        baseUrl: rekor.origin,
        hashAlgorithm: "SHA2_256",
        publicKey: { rawBytes: base64(rekor.publicKey), keyDetails: "PKIX_ECDSA_P256_SHA_256", validFor: { start: rekor.validFrom.toISOString() } },
        logId: { keyId: base64(Buffer.from(rekor.logId, "hex")) },
      },
    ],
    certificateAuthorities: [
      {
        subject: { organization: fulcio.subject.organization ?? "", commonName: fulcio.subject.commonName ?? "" },
        uri: fulcio.origin,
        certChain: { certificates: fulcio.chain.map((der) => ({ rawBytes: base64(der) })) },
        validFor: { start: fulcio.validFrom.toISOString() },
      },
    ],
    ctlogs: [],
    timestampAuthorities: [],
  };
  return {
    fulcioURL: fulcio.origin,
    rekorURL: rekor.origin,
    issuer: fulcio.issuer,
    issueToken: (token) => fulcio.issueToken(token),
    trustedRoot,
    fulcio,
    rekor,
    close: async () => {
      await Promise.all([fulcio.close(), rekor.close()]);
    },
  };
}
