/**
 * Resolution: a pin (NAME[@VERSION][+sha256:MODEL_ID], or a release id) against a release index,
 * to one release and the reason it was chosen.
 *
 * - A release id, a version, or a model id alone: that release (a model id given with it must be
 *   the release's). A yanked release is picked only this way, pinned exactly, with a warning.
 * - No version: the newest stable release that is not yanked.
 * - A version the index lacks: refused (strict, the default); with --allow-fallback, the highest
 *   newer release of the same MAJOR that the version number promises is compatible, with a
 *   warning; a newer MAJOR only with --force. A stable pin never falls back to a pre-release.
 * - An index that cannot be reached: the --default version, unverified, with a warning.
 */
import { BinderyError, type Finding } from "../evidence/errors.js";
import { warning } from "../evidence/rules/engine.js";
import { compareVersions, compatibility, type Pre1Policy } from "./compare.js";
import { formatPin, formatVersion, parseVersion, type Pin } from "./pins.js";
import { INDEX_FILE, yankOf, type IndexEntry, type ReleaseIndex, type Revocation } from "./release-index.js";

export type ResolvedBy = "release_id" | "exact" | "model_id" | "latest" | "fallback" | "forced" | "default";

export interface Resolution {
  name: string;
  version: string;
  /** The release chosen; null when the index could not be read and the default was taken. */
  entry: IndexEntry | null;
  by: ResolvedBy;
  /** One sentence: why this release. */
  reason: string;
  /** The canonical pin of the result (with its model id when known). */
  pin: string;
  warnings: Finding[];
}

export interface ResolveOptions {
  /** Take the highest compatible release of the same MAJOR when the version is not in the index. */
  allowFallback?: boolean;
  /** Allow crossing a MAJOR version (implies allowFallback). */
  force?: boolean;
  pre1Policy?: Pre1Policy;
  /** Yanks from a revocation list, on top of the index's own. */
  revoked?: readonly Revocation[];
  /** How the index is named in warnings. */
  source?: string;
}

const v = (e: IndexEntry) => parseVersion(e.model_version);
const isStable = (e: IndexEntry) => v(e).prerelease.length === 0;

function refuse(message: string, hint?: string): BinderyError {
  return new BinderyError("NOT_RESOLVED", message, hint ? { hint } : {});
}

function listed(entries: readonly IndexEntry[]): string {
  const versions = [...new Set(entries.map((e) => e.model_version))];
  return versions.length ? versions.join(", ") : "none";
}

export function resolvePin(index: ReleaseIndex, pin: Pin, options: ResolveOptions = {}): Resolution {
  const source = options.source ?? INDEX_FILE;
  const revoked = options.revoked ?? [];
  const shown = formatPin(pin);
  if (pin.name !== index.name) throw refuse(`${shown}: the index ${source} lists releases of ${index.name}, not ${pin.name}.`);
  const yanked = (e: IndexEntry) => yankOf(e, revoked) !== null;
  const live = index.releases.filter((e) => !yanked(e));
  const done = (entry: IndexEntry, by: ResolvedBy, reason: string, extra: Finding[] = []): Resolution => {
    const yank = yankOf(entry, revoked);
    const warnings = [...extra];
    if (yank) {
      warnings.push(
        warning("MODEL_YANKED", source, `${entry.release_id} (model id ${entry.model_id}) was yanked: ${yank.reason}${yank.upgradeTo ? `; upgrade to ${yank.upgradeTo}` : ""}. It is used only because it was pinned exactly.`),
      );
    }
    return { name: index.name, version: entry.model_version, entry, by, reason, pin: `${index.name}@${entry.model_version}+sha256:${entry.model_id}`, warnings };
  };
  const checkHash = (entry: IndexEntry) => {
    if (pin.modelId && pin.modelId !== entry.model_id) {
      throw new BinderyError("PIN_MISMATCH", `${shown}: the index ${source} binds ${entry.release_id} to model id ${entry.model_id}, not the pinned ${pin.modelId}; these are other bytes.`, {
        hint: "Check where the pin came from; never re-pin to make this pass without knowing why the bytes differ.",
      });
    }
  };

  // A release id names one release.
  if (pin.revision !== null) {
    const id = formatPin({ ...pin, modelId: null });
    const entry = index.releases.find((e) => e.release_id === id);
    if (!entry) throw refuse(`${shown}: the index ${source} has no release ${id} (its releases: ${index.releases.map((e) => e.release_id).join(", ") || "none"}).`);
    checkHash(entry);
    return done(entry, "release_id", `release id: ${id} is in the index${yanked(entry) ? " (yanked, but pinned exactly)" : ""}`);
  }

  // A model id alone names one set of bytes.
  if (!pin.version && pin.modelId) {
    const entry = index.releases.find((e) => e.model_id === pin.modelId);
    if (!entry) throw refuse(`${shown}: no release of ${index.name} in ${source} has model id ${pin.modelId}.`);
    return done(entry, "model_id", `model id: ${pin.modelId} is ${entry.release_id}${yanked(entry) ? " (yanked, but pinned exactly)" : ""}`);
  }

  // No version: the newest stable release that is not yanked.
  if (!pin.version) {
    const stable = live.filter(isStable);
    const entry = stable.at(-1);
    if (!entry) {
      throw refuse(`${shown}: the index ${source} has no stable release that is not yanked (releases: ${listed(index.releases)}).`, "Pin a version (NAME@VERSION) to take a pre-release or a yanked release.");
    }
    const newer = index.releases.filter((e) => compareVersions(v(e), v(entry)) > 0);
    const skipped = newer.length ? ` (skipped: ${newer.map((e) => `${e.model_version}${yanked(e) ? " is yanked" : " is a pre-release"}`).join(", ")})` : "";
    return done(entry, "latest", `latest: ${entry.model_version} is the newest stable release that is not yanked${skipped}`);
  }

  // A version: exactly it, when the index has it.
  const wanted = pin.version;
  const exact = index.releases.filter((e) => compareVersions(v(e), wanted) === 0);
  if (exact.length > 0) {
    if (pin.modelId) {
      const entry = exact.find((e) => e.model_id === pin.modelId);
      if (!entry) checkHash(exact.at(-1)!);
      return done(entry!, "exact", `exact: ${formatVersion(wanted)} is ${entry!.release_id}, and its model id is the pinned one`);
    }
    const entry = exact.filter((e) => !yanked(e)).at(-1) ?? exact.at(-1)!;
    return done(entry, "exact", `exact: ${formatVersion(wanted)} is ${entry.release_id}${yanked(entry) ? " (yanked, but pinned exactly)" : ""}`);
  }
  const missing = `${shown}: ${formatVersion(wanted)} is not in the index ${source} (releases: ${listed(index.releases)})`;
  if (pin.modelId) throw refuse(`${missing}; a pin with a model id resolves only to those bytes.`);
  if (!options.allowFallback && !options.force) throw refuse(`${missing}.`, `Pass --allow-fallback to take the highest compatible release of MAJOR ${wanted.major}.`);

  // Fallback: the highest newer release the version number promises is compatible.
  const policy = options.pre1Policy ?? "additive";
  // Pre-releases are fallbacks only for a pre-release asked for: a stable pin never lands on one.
  const newer = live.filter((e) => compareVersions(v(e), wanted) > 0 && (isStable(e) || wanted.prerelease.length > 0));
  const compatible = newer.filter((e) => compatibility(wanted, v(e), policy).level !== "INCOMPATIBLE");
  const fallback = (entry: IndexEntry, by: ResolvedBy, why: string) =>
    done(entry, by, why, [warning("VERSION_FALLBACK", source, `${formatVersion(wanted)} is not in the index; ${entry.model_version} (${entry.release_id}) was taken instead: ${why}.`)]);
  const best = compatible.at(-1);
  if (best) return fallback(best, "fallback", `fallback: ${best.model_version} is the highest release compatible with ${formatVersion(wanted)} (${compatibility(wanted, v(best), policy).reason})`);
  const across = newer.at(-1);
  if (across && options.force) return fallback(across, "forced", `forced: no compatible release, and --force took ${across.model_version} across the boundary (${compatibility(wanted, v(across), policy).reason})`);
  if (across) throw refuse(`${missing}, and the only newer releases are not compatible with it (${compatibility(wanted, v(newer[0]!), policy).reason}): ${listed(newer)}.`, "Pass --force to take one anyway, or pin one of them.");
  throw refuse(`${missing}, and no newer ${wanted.prerelease.length ? "" : "stable "}release that is not yanked exists to fall back to.`);
}

/** When the index cannot be read: the default version, with a warning that nothing was verified. */
export function resolveDefault(pin: Pin, defaultVersion: string, why: string, source: string): Resolution {
  const version = parseVersion(defaultVersion);
  const reason = `default: the index ${source} could not be read (${why}), so the default ${formatVersion(version)} was taken; its model id is not known`;
  return {
    name: pin.name,
    version: formatVersion(version),
    entry: null,
    by: "default",
    reason,
    pin: formatPin({ name: pin.name, version, revision: null, modelId: null }),
    warnings: [warning("VERSION_FALLBACK", source, `${reason}.`)],
  };
}
