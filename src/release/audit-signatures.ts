/**
 * The audit's signature check: when the evidence release holds a signatures.json, every bundle
 * it lists is fetched, along with the bytes it signed (from their public URL, or the copy beside
 * the bundle), and verified offline against the signer the auditor expects: an identity and OIDC
 * issuer (keyless), or a public key. The signer that signatures.json names is never trusted.
 */
import { dirname, resolve } from "node:path";
import type { LoadedConfig } from "../config/config.js";
import { parseArtifact, parseJson } from "../evidence/artifact.js";
import { isBinderyError, type Finding } from "../evidence/errors.js";
import { identityOfBytes } from "../evidence/identity.js";
import { finding } from "../evidence/rules/engine.js";
import { SIGNATURES_FILE, signaturesArtifact } from "../signing/signatures.js";

export interface ExpectedSigner {
  identity?: string;
  issuer?: string;
  identityRegexp?: boolean;
  trustedRoot?: string;
  /** A PEM public key: key-pair signatures. */
  publicKey?: string;
}

/** The expected signer `bindery.yaml` names (its signing section; a trusted root relative to the file). */
export function signerFromConfig(loaded: LoadedConfig | undefined): ExpectedSigner {
  const signing = loaded?.config.signing;
  if (!signing) return {};
  return {
    identity: signing.identity,
    issuer: signing.issuer,
    identityRegexp: signing.identity_regexp ?? false,
    ...(signing.trusted_root ? { trustedRoot: resolve(dirname(loaded.file), signing.trusted_root) } : {}),
  };
}

export interface SignatureAudit {
  /** Whether the evidence release holds a signatures.json. */
  present: boolean;
  verified: number;
  findings: Finding[];
}

export async function auditSignatures(base: string, signer: ExpectedSigner, fetchBytes: (url: string) => Promise<Buffer>): Promise<SignatureAudit> {
  let listing: Buffer;
  try {
    listing = await fetchBytes(`${base}/${SIGNATURES_FILE}`);
  } catch (error) {
    if (isBinderyError(error) && error.code === "INPUT_NOT_FOUND") return { present: false, verified: 0, findings: [] };
    return { present: true, verified: 0, findings: [finding("MISSING_FILE", SIGNATURES_FILE, `${SIGNATURES_FILE} could not be fetched from the evidence release: ${(error as Error).message}`)] };
  }
  const findings: Finding[] = [];
  let signatures;
  try {
    signatures = parseArtifact(signaturesArtifact, parseJson(listing, SIGNATURES_FILE), SIGNATURES_FILE);
  } catch (error) {
    return { present: true, verified: 0, findings: [finding("INPUT_INVALID", SIGNATURES_FILE, (error as Error).message)] };
  }
  if (!signer.publicKey && !(signer.identity && signer.issuer)) {
    return {
      present: true,
      verified: 0,
      findings: [finding("SIGNER_MISMATCH", SIGNATURES_FILE, `the evidence release is signed (${signatures.signatures.length} bundles), but no expected signer was given: name signing.identity and signing.issuer in bindery.yaml, or pass --signer-identity and --signer-issuer (or --signer-key); the signer signatures.json claims is never trusted.`)],
    };
  }
  const { verifyBundle } = await import("../signing/verify.js");
  let verified = 0;
  for (const s of signatures.signatures) {
    const fileUrl = s.url ?? (s.copy ? `${base}/${encodeURIComponent(s.copy)}` : null);
    try {
      const bundleBytes = await fetchBytes(`${base}/${encodeURIComponent(s.bundle.path)}`);
      const bundleNow = identityOfBytes(s.bundle.path, bundleBytes);
      if (bundleNow.sha256 !== s.bundle.sha256) {
        findings.push(finding("IDENTITY_MISMATCH", s.bundle.path, `${s.bundle.path} in the evidence release is sha256 ${bundleNow.sha256}, but ${SIGNATURES_FILE} lists ${s.bundle.sha256}.`));
        continue;
      }
      if (!fileUrl) {
        findings.push(finding("MISSING_FILE", s.label, `${SIGNATURES_FILE} gives ${s.label} no URL and no copy, so its signature cannot be checked.`));
        continue;
      }
      const data = await fetchBytes(fileUrl);
      const dataNow = identityOfBytes(s.label, data);
      if (dataNow.sha256 !== s.file.sha256) {
        findings.push(finding("IDENTITY_MISMATCH", s.label, `${s.label} at ${fileUrl} is sha256 ${dataNow.sha256}, but ${SIGNATURES_FILE} lists ${s.file.sha256}.`));
      }
      await verifyBundle({
        bundle: parseJson(bundleBytes, s.bundle.path),
        data,
        shown: s.bundle.path,
        ...(signer.publicKey ? { publicKey: signer.publicKey } : { identity: signer.identity!, issuer: signer.issuer!, identityRegexp: signer.identityRegexp ?? false }),
        ...(signer.trustedRoot ? { trustedRoot: signer.trustedRoot } : {}),
      });
      verified += 1;
    } catch (error) {
      findings.push(finding(isBinderyError(error) ? error.code : "SIGNATURE_INVALID", s.label, `${s.label} (${s.bundle.path}): ${(error as Error).message}`));
    }
  }
  return { present: true, verified, findings };
}
