/**
 * The release index (release_index.json): every published release of one model, with the model
 * id that pins its bytes, where its manifest is, and whether it was yanked. `bindery index add`
 * appends a release from its model package and plan; `index publish` commits the index to the
 * Hub; `resolve` and `update` read it. The revocation list (revocations.json) is the yanks alone,
 * for verifiers that have no index.
 */
import { z } from "zod";
import { readFile } from "node:fs/promises";
import { defineArtifact, parseArtifact, parseJson, readArtifact } from "../evidence/artifact.js";
import { BinderyError, inputError } from "../evidence/errors.js";
import { sha256HexSchema } from "../evidence/identity.js";
import { compareVersions } from "./compare.js";
import { parsePin, parseVersion, tryParseVersion } from "./pins.js";

export const INDEX_FILE = "release_index.json";
export const INDEX_GENERATOR = "bindery index";
export const REVOCATIONS_FILE = "revocations.json";
export const REVOCATIONS_GENERATOR = "bindery yank";

const versionText = z.string().refine((v) => tryParseVersion(v) !== undefined && !v.startsWith("v"), "must be a semver version (no leading v)");
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date YYYY-MM-DD");
const httpUrl = z.url({ protocol: /^https?$/ });

export const indexEntrySchema = z.object({
  model_version: versionText.describe("The release's version (semver)"),
  release_id: z.string().describe("The release id, e.g. sensors-v0.1.0-r1"),
  model_id: sha256HexSchema.describe("sha256 of the release's manifest.json: the bytes a pin names"),
  manifest_url: httpUrl.describe("Where the release's manifest.json is published"),
  artifact_base_url: httpUrl.nullable().describe("The URL the manifest's paths are relative to (default: manifest_url's directory)"),
  tag: z.string().nullable().describe("The release tag on the Hub"),
  demo_manifest_url: httpUrl.nullable().optional().describe("Where the release's terminal_demo_manifest.json is published: a PATCH release's demo outputs are compared with it (bindery gate)"),
  added_at: day.describe("When the release was added to the index"),
  yanked: z.boolean(),
  yanked_reason: z.string().nullable(),
  yanked_at: day.nullable(),
  upgrade_to: versionText.nullable().describe("The version users of a yanked release should move to"),
});
export type IndexEntry = z.output<typeof indexEntrySchema>;

export const releaseIndexSchema = z.object({
  schema_version: z.string(),
  generated_by: z.literal(INDEX_GENERATOR),
  name: z.string().min(1).describe("The model's name, as pins spell it (sensors in sensors@0.1.0)"),
  releases: z.array(indexEntrySchema).describe("Oldest first, by version precedence then release id"),
});
export type ReleaseIndex = z.output<typeof releaseIndexSchema>;
export const releaseIndex = defineArtifact({ name: INDEX_FILE, schemaVersion: "1.0.0", schema: releaseIndexSchema });

export const revocationSchema = z.object({
  model_id: sha256HexSchema,
  release_id: z.string(),
  model_version: versionText,
  reason: z.string().min(1),
  upgrade_to: versionText.nullable(),
  date: day,
});
export type Revocation = z.output<typeof revocationSchema>;
export const revocationsSchema = z.object({
  schema_version: z.string(),
  generated_by: z.literal(REVOCATIONS_GENERATOR),
  revoked: z.array(revocationSchema).describe("Every yanked model id, with its reason and upgrade path"),
});
export type Revocations = z.output<typeof revocationsSchema>;
export const revocations = defineArtifact({ name: REVOCATIONS_FILE, schemaVersion: "1.0.0", schema: revocationsSchema });

export function emptyIndex(name: string): ReleaseIndex {
  return { schema_version: releaseIndex.schemaVersion, generated_by: INDEX_GENERATOR, name, releases: [] };
}

export function emptyRevocations(): Revocations {
  return { schema_version: revocations.schemaVersion, generated_by: REVOCATIONS_GENERATOR, revoked: [] };
}

/** Entries in index order: version precedence, then release id (r1 before r2). */
export function sortEntries(entries: readonly IndexEntry[]): IndexEntry[] {
  const revision = (e: IndexEntry) => parsePin(e.release_id).revision ?? 0;
  return [...entries].sort((a, b) => compareVersions(parseVersion(a.model_version), parseVersion(b.model_version)) || revision(a) - revision(b) || (a.release_id < b.release_id ? -1 : a.release_id > b.release_id ? 1 : 0));
}

/** Parses an index document (from a file or a URL), under the artifact loader contract. */
export function parseIndex(raw: unknown, shown: string): ReleaseIndex {
  const index = parseArtifact(releaseIndex, raw, shown);
  const seen = new Map<string, IndexEntry>();
  for (const entry of index.releases) {
    if (seen.has(entry.release_id)) throw new BinderyError("INPUT_INVALID", `${shown} lists ${entry.release_id} twice.`);
    seen.set(entry.release_id, entry);
    if (entry.yanked !== (entry.yanked_reason !== null)) throw new BinderyError("INPUT_INVALID", `${shown}: ${entry.release_id} must have a yanked_reason exactly when it is yanked.`);
  }
  return { ...index, releases: sortEntries(index.releases) };
}

export async function readIndexFile(file: string): Promise<ReleaseIndex> {
  const bytes = await readFile(file).catch((error: unknown) => {
    throw inputError(error, file, "index");
  });
  return parseIndex(parseJson(bytes, file), file);
}

export async function readRevocations(file: string): Promise<Revocations> {
  return (await readArtifact(revocations, file)).value;
}

/**
 * Adds `entry` to `index`. The same release with the same model id is already there (no change);
 * the same release id, or the same version and model id under another release, with different
 * bytes is refused: an index never rebinds a published name.
 */
export function addEntry(index: ReleaseIndex, entry: IndexEntry): { index: ReleaseIndex; added: boolean } {
  const same = index.releases.find((e) => e.release_id === entry.release_id);
  if (same) {
    if (same.model_id !== entry.model_id) {
      throw new BinderyError("DISAGREEMENT", `the index already binds ${entry.release_id} to model id ${same.model_id}, not ${entry.model_id}; a published release is never rebound (cut a new revision, -r${(parsePin(entry.release_id).revision ?? 1) + 1}).`, { exitCode: 1 });
    }
    return { index, added: false };
  }
  const sameBytes = index.releases.find((e) => e.model_id === entry.model_id);
  if (sameBytes) throw new BinderyError("DISAGREEMENT", `model id ${entry.model_id} is already in the index as ${sameBytes.release_id}; one set of bytes is one release.`, { exitCode: 1 });
  return { index: { ...index, releases: sortEntries([...index.releases, entry]) }, added: true };
}

/**
 * Merges two copies of one index (a local one and the one on the Hub): the union of their
 * releases, which must agree on every model id; a yank on either side stands (yanks are never
 * undone by a merge).
 */
export function mergeIndexes(ours: ReleaseIndex, theirs: ReleaseIndex): ReleaseIndex {
  if (ours.name !== theirs.name) throw new BinderyError("DISAGREEMENT", `the indexes are of different models: ${ours.name} and ${theirs.name}.`, { exitCode: 1 });
  const merged = new Map(theirs.releases.map((e) => [e.release_id, e]));
  for (const entry of ours.releases) {
    const other = merged.get(entry.release_id);
    if (!other) {
      merged.set(entry.release_id, entry);
    } else if (other.model_id !== entry.model_id) {
      throw new BinderyError("DISAGREEMENT", `${entry.release_id} is model id ${entry.model_id} here but ${other.model_id} in the published index; a published release is never rebound.`, { exitCode: 1 });
    } else if (entry.yanked && !other.yanked) {
      merged.set(entry.release_id, entry);
    }
  }
  return { ...theirs, releases: sortEntries([...merged.values()]) };
}

/** Yanked by the index itself or by a revocation list. */
export function yankOf(entry: IndexEntry, revoked: readonly Revocation[] = []): { reason: string; upgradeTo: string | null } | null {
  if (entry.yanked) return { reason: entry.yanked_reason ?? "yanked", upgradeTo: entry.upgrade_to };
  const revocation = revoked.find((r) => r.model_id === entry.model_id);
  return revocation ? { reason: revocation.reason, upgradeTo: revocation.upgrade_to } : null;
}
