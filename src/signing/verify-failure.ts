/**
 * @sigstore/verify's errors, turned into bindery's codes with a message that says what failed:
 * SIGNATURE_UNTRUSTED when a bundle rests on an authority the trusted root does not hold,
 * SIGNATURE_INVALID when the authority is trusted but its check fails, SIGNER_MISMATCH for
 * another signer.
 */
import type { Bundle } from "@sigstore/bundle";
import type { X509Certificate } from "@sigstore/core";
import type { TrustMaterial } from "@sigstore/verify";
import { BinderyError } from "../evidence/errors.js";
import type { Digest } from "./signed-data.js";

export function integratedTime(seconds: string): string | null {
  const n = Number(seconds);
  return Number.isFinite(n) && n > 0 ? new Date(n * 1000).toISOString().replace(/\.000Z$/, "Z") : null;
}

export interface FailureContext {
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
export function verificationFailure(error: unknown, c: FailureContext): BinderyError {
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
