/**
 * Yanks: a release pulled without breaking anyone's audit trail. The release stays in the index
 * (marked, with its reason and upgrade path), its CHANGELOG heading is marked `[YANKED]` with a
 * line saying why and where to go, and its model id joins the revocation list. Its bytes still
 * verify; resolution stops picking it unless it is pinned exactly.
 */
import { BinderyError } from "../evidence/errors.js";
import { compareVersions } from "./compare.js";
import { formatVersion, parseVersion, tryParseVersion } from "./pins.js";
import { sortEntries, type IndexEntry, type ReleaseIndex, type Revocations } from "./release-index.js";

export interface Yank {
  releaseId: string;
  reason: string;
  upgradeTo: string | null;
  /** YYYY-MM-DD */
  date: string;
}

export function yankInIndex(index: ReleaseIndex, yank: Yank): { index: ReleaseIndex; entry: IndexEntry; notes: string[] } {
  const entry = index.releases.find((e) => e.release_id === yank.releaseId);
  if (!entry) {
    throw new BinderyError("NOT_RESOLVED", `${yank.releaseId} is not in the index (its releases: ${index.releases.map((e) => e.release_id).join(", ") || "none"}).`, {
      hint: "Yank a release id exactly as the index lists it.",
    });
  }
  if (!yank.reason.trim()) throw new BinderyError("USAGE", "--reason must say why the release is yanked; users will read it.");
  const notes: string[] = [];
  if (yank.upgradeTo !== null) {
    const target = parseVersion(yank.upgradeTo);
    if (compareVersions(target, parseVersion(entry.model_version)) <= 0) {
      throw new BinderyError("USAGE", `--upgrade-to ${formatVersion(target)} is not newer than the yanked ${entry.model_version}; an upgrade path goes forward.`);
    }
    const there = index.releases.find((e) => compareVersions(parseVersion(e.model_version), target) === 0 && !e.yanked);
    if (!there) notes.push(`${formatVersion(target)} is not yet in the index (or is yanked); add it before users follow the upgrade path.`);
  }
  const yanked: IndexEntry = { ...entry, yanked: true, yanked_reason: yank.reason.trim(), yanked_at: yank.date, upgrade_to: yank.upgradeTo === null ? null : formatVersion(parseVersion(yank.upgradeTo)) };
  return { index: { ...index, releases: sortEntries(index.releases.map((e) => (e.release_id === entry.release_id ? yanked : e))) }, entry: yanked, notes };
}

export function yankInRevocations(list: Revocations, entry: IndexEntry): Revocations {
  const row = { model_id: entry.model_id, release_id: entry.release_id, model_version: entry.model_version, reason: entry.yanked_reason!, upgrade_to: entry.upgrade_to, date: entry.yanked_at! };
  const rest = list.revoked.filter((r) => r.model_id !== entry.model_id);
  return { ...list, revoked: [...rest, row].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.release_id < b.release_id ? -1 : 1)) };
}

const HEADING = /^## \[([^\]]+)\] - (\d{4}-\d{2}-\d{2})( \[YANKED\])?\s*$/;
const NOTE = /^Yanked on \d{4}-\d{2}-\d{2}: /;

/**
 * Marks the version's heading `[YANKED]` and puts one line under it: when, why, and where to go.
 * A second yank of the same version replaces that line.
 */
export function yankInChangelog(text: string, entry: IndexEntry, file = "CHANGELOG.md"): string {
  const lines = text.split("\n");
  const wanted = parseVersion(entry.model_version);
  const at = lines.findIndex((line) => {
    const m = HEADING.exec(line);
    const version = m ? tryParseVersion(m[1]!) : undefined;
    return version !== undefined && compareVersions(version, wanted) === 0;
  });
  if (at < 0) {
    throw new BinderyError("CHANGELOG_INVALID", `${file} has no "## [${entry.model_version}] - YYYY-MM-DD" section to mark as yanked.`, {
      exitCode: 1,
      hint: "Every release has a CHANGELOG section (bindery changelog check --release VERSION).",
    });
  }
  const m = HEADING.exec(lines[at]!)!;
  lines[at] = `## [${m[1]}] - ${m[2]} [YANKED]`;
  const note = `Yanked on ${entry.yanked_at}: ${entry.yanked_reason!.replace(/\s+/g, " ").replace(/\.$/, "")}.${entry.upgrade_to ? ` Upgrade to ${entry.upgrade_to}.` : ""}`;
  const blankThenNote = lines[at + 1] === "" && NOTE.test(lines[at + 2] ?? "");
  if (blankThenNote) lines[at + 2] = note;
  else lines.splice(at + 1, 0, "", note);
  return lines.join("\n");
}
