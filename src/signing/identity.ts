/** Who signed: the identity a Fulcio certificate names, or the fingerprint of a key pair's public key. */
import { createHash, type KeyObject } from "node:crypto";
import type { X509Certificate } from "@sigstore/core";

const OID_FULCIO_ISSUER_V1 = "1.3.6.1.4.1.57264.1.1";
const OID_FULCIO_ISSUER_V2 = "1.3.6.1.4.1.57264.1.8";

/** The public key's fingerprint: hex sha256 of its SubjectPublicKeyInfo DER (what bindery's key-pair bundles name as their hint). */
export function keyFingerprint(key: KeyObject): string {
  return createHash("sha256").update(key.export({ type: "spki", format: "der" })).digest("hex");
}

/** The identity a certificate names: its SAN and Fulcio's OIDC issuer extension (as @sigstore/verify reads them). */
export function certificateIdentity(cert: X509Certificate): { identity: string | null; issuer: string | null } {
  let issuer: string | undefined;
  const v2 = cert.extension(OID_FULCIO_ISSUER_V2);
  if (v2) issuer = v2.valueObj.subs[0]?.value.toString("ascii");
  else issuer = cert.extension(OID_FULCIO_ISSUER_V1)?.value.toString("ascii");
  return { identity: cert.subjectAltName ?? null, issuer: issuer ?? null };
}
