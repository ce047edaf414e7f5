/**
 * CHANGELOG.md as a contract (Keep a Changelog 1.1.0): `## [Unreleased]` first, then
 * `## [X.Y.Z] - YYYY-MM-DD` sections, newest first (a `[YANKED]` mark allowed), each holding only
 * the six kinds of change, none empty or repeated. Every problem is a finding with its line.
 */
import type { Finding } from "../evidence/errors.js";
import { finding } from "../evidence/rules/engine.js";
import { isCalendarDate } from "../evidence/time.js";
import { compareVersions } from "./compare.js";
import { formatVersion, tryParseVersion, type Version } from "./pins.js";

export const CHANGE_KINDS = ["Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"] as const;

const RELEASE = /^## \[([^\]]+)\] - (\d{4}-\d{2}-\d{2})(?: \[YANKED\])?\s*$/;


export interface ChangelogCheck {
  ok: boolean;
  findings: Finding[];
  /** The versions with a section, newest first. */
  releases: string[];
}

export function checkChangelog(text: string, options: { file?: string; release?: string } = {}): ChangelogCheck {
  const file = options.file ?? "CHANGELOG.md";
  const findings: Finding[] = [];
  const bad = (line: number, message: string) => findings.push(finding("CHANGELOG_INVALID", file, `${file} line ${line}: ${message}`, { line }));
  const lines = text.split("\n");
  const releases: { version: Version; text: string; line: number }[] = [];
  let section: { line: number; kinds: Set<string> } | undefined;
  let kind: { name: string; line: number; items: number } | undefined;
  let sawUnreleased = false;
  let firstSection = true;

  const closeKind = () => {
    if (kind && kind.items === 0) bad(kind.line, `the "### ${kind.name}" section is empty.`);
    kind = undefined;
  };
  lines.forEach((raw, index) => {
    const line = index + 1;
    if (raw.startsWith("## ")) {
      closeKind();
      if (raw.trim() === "## [Unreleased]") {
        if (!firstSection) bad(line, "[Unreleased] must be the first section.");
        if (sawUnreleased) bad(line, "a second [Unreleased] section.");
        sawUnreleased = true;
      } else {
        const m = RELEASE.exec(raw);
        if (!m) {
          bad(line, `"${raw.trim()}" is not "## [Unreleased]" or "## [X.Y.Z] - YYYY-MM-DD" (optionally followed by [YANKED]).`);
        } else {
          const version = tryParseVersion(m[1]!);
          if (!version || m[1]!.startsWith("v")) bad(line, `"${m[1]}" is not a semver version (no leading v).`);
          if (!isCalendarDate(m[2]!)) bad(line, `"${m[2]}" is not a real date (YYYY-MM-DD).`);
          if (version) {
            const earlier = releases.find((r) => compareVersions(r.version, version) === 0);
            if (earlier) bad(line, `${formatVersion(version)} has a second section (the first is on line ${earlier.line}).`);
            const previous = releases.at(-1);
            if (previous && compareVersions(previous.version, version) < 0) bad(line, `${formatVersion(version)} comes after ${formatVersion(previous.version)}; releases go newest first.`);
            releases.push({ version, text: m[1]!, line });
          }
        }
        if (firstSection) bad(line, "the first section must be [Unreleased].");
      }
      firstSection = false;
      section = { line, kinds: new Set() };
      return;
    }
    if (raw.startsWith("### ")) {
      closeKind();
      const name = raw.slice(4).trim();
      if (!section) bad(line, `"### ${name}" comes before any release section.`);
      else if (!(CHANGE_KINDS as readonly string[]).includes(name)) bad(line, `"### ${name}" is not a kind of change (${CHANGE_KINDS.join(", ")}).`);
      else if (section.kinds.has(name)) bad(line, `a second "### ${name}" in the same release.`);
      section?.kinds.add(name);
      kind = { name, line, items: 0 };
      return;
    }
    if (kind && /^\s*[-*] \S/.test(raw)) kind.items += 1;
  });
  closeKind();
  if (!sawUnreleased) bad(1, "there is no [Unreleased] section.");
  if (options.release !== undefined) {
    const wanted = tryParseVersion(options.release);
    if (!wanted) bad(1, `--release ${options.release} is not a version.`);
    else if (!releases.some((r) => compareVersions(r.version, wanted) === 0)) bad(1, `there is no section for release ${formatVersion(wanted)}.`);
  }
  return { ok: findings.length === 0, findings, releases: releases.map((r) => formatVersion(r.version)) };
}
