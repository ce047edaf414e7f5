/** Sigstore signatures: offline verification of bundles, and the trusted root it checks against. */
export { certificateIdentity, keyFingerprint, parseDigest, verifyBundle } from "./verify.js";
export type { Digest, DigestAlgorithm, SignedData, VerifiedSignature, VerifyBundleOptions } from "./verify.js";
export { DEFAULT_TRUST_OUTPUT, PUBLIC_GOOD_MIRROR, PUBLIC_GOOD_TRUSTED_ROOT, loadTrustedRoot, updateTrustedRoot } from "./trust.js";
export type { LoadedTrustedRoot, TrustUpdateOptions, TrustUpdateResult } from "./trust.js";
export * from "./sign.js";
export * from "./signatures.js";
export * from "./attest.js";
