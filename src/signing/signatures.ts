/**
 * What `bindery sign` signs and where the bundles go. Every bundle is `<name>.sigstore.json` in
 * one directory (flat names, so the directory can be uploaded as release assets as it is), and
 * `signatures.json` lists each signed file (its identity and, when it is public, its URL) with
 * its bundle's identity. A signed file that is not published anywhere else (the release index,
 * the revocation list) is copied beside its bundle, so an auditor can fetch both.
 */
import { existsSync } from "node:fs";
import { copyFile, readFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { z } from "zod";
import { defineArtifact } from "../evidence/artifact.js";
import { writeFileAtomic } from "../evidence/atomic.js";
import { prettyJson } from "../evidence/canonical-json.js";
import { readReport } from "../evidence/envelope.js";
import { BinderyError, inputError } from "../evidence/errors.js";
import { identityOfBytes, identitySchema, type Identity } from "../evidence/identity.js";
import { githubAssetName } from "../hub/limits.js";
import { hubReleasePlan } from "../hub/schema.js";
import { EVIDENCE_NAMES, publicationReport } from "../release/publication.js";
import { INDEX_FILE, REVOCATIONS_FILE } from "../versioning/release-index.js";
import { signBlob, type SignerInfo, type SigningSettings } from "./sign.js";

export const SIGNATURES_FILE = "signatures.json";
export const SIGNATURES_GENERATOR = "bindery sign";
export const BUNDLE_SUFFIX = ".sigstore.json";

export const signaturesSchema = z.object({
  schema_version: z.string(),
  generated_by: z.literal(SIGNATURES_GENERATOR),
  release: z.object({ id: z.string(), version: z.string(), tag: z.string() }).nullable().describe("The release, when signed --from-publication"),
  signer: z.object({ mode: z.enum(["keyless", "key"]), identity: z.string().describe("The certificate's identity, or the key's hint (sha256 of its public key)"), issuer: z.string().nullable() }),
  signatures: z.array(
    z.object({
      label: z.string().describe("What was signed: model/SHA256SUMS, hub_release_plan.json, ..."),
      file: identitySchema.describe("The signed bytes"),
      url: z.string().nullable().describe("Where the signed file is public, when it is"),
      copy: z.string().nullable().describe("The file's copy beside the bundles, when it is published nowhere else"),
      bundle: identitySchema.describe("The Sigstore bundle, in the same directory as this file"),
    }),
  ),
});
export type Signatures = z.output<typeof signaturesSchema>;
export const signaturesArtifact = defineArtifact({ name: SIGNATURES_FILE, schemaVersion: "1.0.0", schema: signaturesSchema });

export interface ToSign {
  label: string;
  file: string;
  url: string | null;
  /** Copy the file beside its bundle (it is published nowhere else). */
  copy: boolean;
  /** The sha256 the evidence binds it to, checked before signing. */
  expected?: string;
}

export const bundleName = (label: string): string => `${githubAssetName(label.replace(/\//g, "."))}${BUNDLE_SUFFIX}`;

async function bytesOf(file: string): Promise<Buffer> {
  return readFile(file).catch((error: unknown) => {
    throw inputError(error, file);
  });
}

/**
 * The publication's evidence: the publication report itself; the plan, publish, candidate and
 * replay reports it binds (found beside it unless named, each checked against the identity the
 * publication gives it); every SHA256SUMS and training_run_SHA256SUMS the plan published
 * (checked against the plan); and the release index and revocation list when present.
 */
export async function publicationSet(options: { publication: string; replayReport?: string; plan?: string; candidate?: string; publishReport?: string; base: string; index?: string; revocations?: string }): Promise<{ release: Signatures["release"]; files: ToSign[] }> {
  const { value: publication } = await readReport(publicationReport, options.publication);
  const dir = dirname(options.publication);
  const assetUrl = (name: string) => `${publication.evidence_release.assets_url}/${encodeURIComponent(name)}`;
  const bound = (label: string, file: string, expected: Identity): ToSign => ({ label, file, url: assetUrl(label), copy: false, expected: expected.sha256 });
  const planFile = options.plan ?? join(dir, EVIDENCE_NAMES.plan);
  const files: ToSign[] = [
    { label: EVIDENCE_NAMES.publication, file: options.publication, url: assetUrl(EVIDENCE_NAMES.publication), copy: false },
    bound(EVIDENCE_NAMES.plan, planFile, publication.plan),
    bound(EVIDENCE_NAMES.publish, options.publishReport ?? join(dir, EVIDENCE_NAMES.publish), publication.publish_report),
    bound(EVIDENCE_NAMES.candidate, options.candidate ?? join(dir, EVIDENCE_NAMES.candidate), publication.candidate),
    bound(EVIDENCE_NAMES.replay, options.replayReport ?? join(dir, EVIDENCE_NAMES.replay), publication.replay),
  ];
  const { value: plan } = await readReport(hubReleasePlan, planFile);
  const seen = new Set<string>();
  for (const entry of plan.entries) {
    const { root, path, sha256 } = entry.source;
    if (!root || !/(^|\/)(training_run_)?SHA256SUMS$/.test(path) || seen.has(`${root}/${path}`)) continue;
    seen.add(`${root}/${path}`);
    const rootDir = plan.roots[root];
    if (rootDir === undefined) continue;
    files.push({ label: `${root}/${path}`, file: join(resolve(options.base, rootDir), path), url: entry.url, copy: false, expected: sha256 });
  }
  for (const [file, name] of [
    [options.index, INDEX_FILE],
    [options.revocations, REVOCATIONS_FILE],
  ] as const) {
    if (file && existsSync(file)) files.push({ label: name, file, url: null, copy: true });
  }
  return { release: { id: publication.release.id, version: publication.release.version, tag: publication.release.tag }, files };
}

/** Explicit files: labelled by their base names, which must not repeat. */
export function filesSet(paths: readonly string[]): ToSign[] {
  const seen = new Map<string, string>();
  return paths.map((file) => {
    const label = basename(file);
    const other = seen.get(label);
    if (other) throw new BinderyError("USAGE", `${file} and ${other} would both be signed as ${label}; sign them into separate --output-dir directories.`);
    seen.set(label, file);
    return { label, file, url: null, copy: false };
  });
}

/** Signs every file (checking each against the identity the evidence gives it first), then writes the bundles and signatures.json. */
export async function signAll(options: { files: readonly ToSign[]; outputDir: string; settings: SigningSettings; release: Signatures["release"] }): Promise<Signatures> {
  const read = await Promise.all(options.files.map(async (f) => ({ ...f, bytes: await bytesOf(f.file) })));
  for (const f of read) {
    const actual = identityOfBytes(f.label, f.bytes);
    if (f.expected && actual.sha256 !== f.expected) {
      throw new BinderyError("IDENTITY_MISMATCH", `${f.file} is sha256 ${actual.sha256}, but the evidence binds ${f.label} to ${f.expected}; bindery signs only the bytes the release names.`, { exitCode: 1 });
    }
  }
  const rows: Signatures["signatures"] = [];
  let signer: SignerInfo | undefined;
  for (const f of read) {
    const signed = await signBlob(f.bytes, options.settings);
    signer ??= signed.signer;
    const name = bundleName(f.label);
    const text = `${JSON.stringify(signed.bundle, null, 2)}\n`;
    await writeFileAtomic(join(options.outputDir, name), text);
    let copy: string | null = null;
    if (f.copy) {
      copy = githubAssetName(f.label.replace(/\//g, "."));
      await copyFile(f.file, join(options.outputDir, copy));
    }
    rows.push({ label: f.label, file: identityOfBytes(f.label, f.bytes), url: f.url, copy, bundle: identityOfBytes(name, text) });
  }
  const document: Signatures = {
    schema_version: signaturesArtifact.schemaVersion,
    generated_by: SIGNATURES_GENERATOR,
    release: options.release,
    signer: signer ? { mode: signer.mode, identity: signer.identity, issuer: signer.issuer } : { mode: options.settings.mode, identity: "", issuer: null },
    signatures: rows,
  };
  await writeFileAtomic(join(options.outputDir, SIGNATURES_FILE), prettyJson(document));
  return document;
}
