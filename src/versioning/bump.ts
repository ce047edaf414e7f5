/**
 * Cutting a version: the next version by npm's rules (`npm version major|minor|patch|prerelease`),
 * written into package.json (and package-lock.json beside it) with only the version's bytes
 * changed, and the changelog rolled: `[Unreleased]` becomes the new release's section, a GA
 * release folds in the sections of its own pre-releases, and Keep a Changelog's compare links
 * follow. Everything is computed and checked before any file is written.
 */
import { isCalendarDate } from "../evidence/time.js";
import { readFile, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { writeFileAtomic } from "../evidence/atomic.js";
import { BinderyError, errnoCode, inputError, type Finding } from "../evidence/errors.js";
import { finding } from "../evidence/rules/engine.js";
import { CHANGE_KINDS, checkChangelog } from "./changelog.js";
import { compareVersions } from "./compare.js";
import { formatVersion, tryParseVersion, type Version } from "./pins.js";

export const BUMP_KINDS = ["major", "minor", "patch", "prerelease"] as const;
export type BumpKind = (typeof BUMP_KINDS)[number];

const PREID = /^[0-9A-Za-z-]*[A-Za-z-][0-9A-Za-z-]*$/;

/**
 * The next version, as `npm version` computes it. major, minor and patch from a pre-release go to
 * its release when the bump would otherwise skip it (1.3.0-rc.1 + minor is 1.3.0); prerelease
 * starts the next patch's pre-releases (1.2.3 → 1.2.4-rc.0 with preid rc) or counts on
 * (1.2.4-rc.0 → 1.2.4-rc.1), and a new preid starts over at 0.
 */
export function nextVersion(current: Version, kind: BumpKind, preid?: string): Version {
  if (preid !== undefined && !PREID.test(preid)) throw new BinderyError("USAGE", `--preid ${JSON.stringify(preid)} is not a pre-release identifier: letters, digits and -, not only digits.`);
  const { major, minor, patch } = current;
  const pre = current.prerelease.length > 0;
  switch (kind) {
    case "major":
      return pre && minor === 0 && patch === 0 ? { major, minor, patch, prerelease: [] } : { major: major + 1, minor: 0, patch: 0, prerelease: [] };
    case "minor":
      return pre && patch === 0 ? { major, minor, patch, prerelease: [] } : { major, minor: minor + 1, patch: 0, prerelease: [] };
    case "patch":
      return { major, minor, patch: pre ? patch : patch + 1, prerelease: [] };
    case "prerelease": {
      if (!pre) return { major, minor, patch: patch + 1, prerelease: preid === undefined ? [0] : [preid, 0] };
      const prerelease = [...current.prerelease];
      const last = prerelease.findLastIndex((p) => typeof p === "number");
      if (last >= 0) prerelease[last] = (prerelease[last] as number) + 1;
      else prerelease.push(0);
      if (preid !== undefined && (prerelease[0] !== preid || typeof prerelease[1] !== "number")) return { major, minor, patch, prerelease: [preid, 0] };
      return { major, minor, patch, prerelease };
    }
  }
}

/**
 * Replaces the string value at `path` in a JSON text (already known to parse) and nothing else, so
 * indentation, key order and the final newline stay as they were. Returns undefined when there is
 * no string at that path.
 */
export function replaceJsonString(text: string, path: readonly string[], value: string): string | undefined {
  let i = 0;
  let span: { start: number; end: number } | undefined;
  const space = () => {
    while (/\s/.test(text[i] ?? "")) i += 1;
  };
  const string = (): string => {
    const start = i;
    for (i += 1; text[i] !== '"'; i += 1) if (text[i] === "\\") i += 1;
    i += 1;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const here = (at: readonly string[]) => at.length === path.length && at.every((key, n) => key === path[n]);
  const node = (at: readonly string[]): void => {
    space();
    const c = text[i];
    if (c === "{" || c === "[") {
      const close = c === "{" ? "}" : "]";
      i += 1;
      for (let index = 0; ; index += 1) {
        space();
        if (text[i] === close) break;
        let key = String(index);
        if (c === "{") {
          key = string();
          space();
          i += 1;
        }
        node([...at, key]);
        space();
        if (text[i] === ",") i += 1;
      }
      i += 1;
    } else if (c === '"') {
      const start = i;
      string();
      if (here(at)) span = { start, end: i };
    } else {
      while (i < text.length && !/[\s,\]}]/.test(text[i]!)) i += 1;
    }
  };
  node([]);
  return span ? `${text.slice(0, span.start)}${JSON.stringify(value)}${text.slice(span.end)}` : undefined;
}

const LINK = /^\[([^\]]+)\]:\s*(\S+)\s*$/;
const COMPARE = /^(.*\/compare\/)(.+?)\.\.\.(.+)$/;
const TAG_VERSION = /^(.*?)(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)$/;

interface Section {
  /** The heading line's index. */
  line: number;
  heading: string;
  version: Version | undefined;
  /** Lines before the first `### Kind`. */
  preamble: string[];
  /** Each kind's lines after its heading, in file order. */
  kinds: Map<string, string[]>;
  /** Whether the first kind's entries follow a blank line. */
  spaced: boolean;
}

function trimTrailing(lines: readonly string[]): string[] {
  let end = lines.length;
  while (end > 0 && lines[end - 1]!.trim() === "") end -= 1;
  return lines.slice(0, end);
}

const trimBlank = (lines: readonly string[]): string[] => trimTrailing(lines.slice(Math.max(0, lines.findIndex((line) => line.trim() !== ""))));

function readSection(lines: readonly string[], start: number, end: number): Section {
  const heading = lines[start]!;
  const version = /^## \[([^\]]+)\]/.exec(heading)?.[1];
  const preamble: string[] = [];
  const kinds = new Map<string, string[]>();
  let current = preamble;
  let spaced: boolean | undefined;
  for (let n = start + 1; n < end; n += 1) {
    const line = lines[n]!;
    if (line.startsWith("### ")) {
      current = [];
      kinds.set(line.slice(4).trim(), current);
      if (spaced === undefined) spaced = (lines[n + 1] ?? "").trim() === "";
    } else current.push(line);
  }
  for (const [kind, body] of kinds) kinds.set(kind, trimBlank(body));
  return { line: start, heading, version: version === undefined ? undefined : tryParseVersion(version), preamble: trimBlank(preamble), kinds, spaced: spaced ?? false };
}

function renderSection(heading: string, parts: readonly Section[], spaced: boolean): string[] {
  const lines = [heading, ""];
  const preamble = parts.flatMap((part) => (part.preamble.length > 0 ? [...part.preamble, ""] : []));
  lines.push(...preamble);
  for (const kind of CHANGE_KINDS) {
    const entries = parts.flatMap((part) => part.kinds.get(kind) ?? []);
    if (entries.length > 0) lines.push(`### ${kind}`, ...(spaced ? [""] : []), ...entries, "");
  }
  return lines;
}

export interface ChangelogRoll {
  text: string;
  /** The new release's section, as Markdown. */
  section: string;
  /** The pre-releases whose sections were folded into a GA release's, newest first. */
  folded: string[];
  /** Whether Keep a Changelog's link references were updated. */
  links: boolean;
}

export interface RollOptions {
  /** The version being released. */
  version: Version;
  /** Its date, YYYY-MM-DD. */
  date: string;
  /** Release even when [Unreleased] lists no change. */
  allowEmpty?: boolean;
  /** How the changelog is named in messages (default CHANGELOG.md). */
  file?: string;
}

/** A refusal about one line of the changelog, as CHANGELOG_INVALID with that line. */
function refuse(file: string, line: number, message: string): BinderyError {
  const text = `${file} line ${line}: ${message}`;
  return new BinderyError("CHANGELOG_INVALID", text, { findings: [finding("CHANGELOG_INVALID", file, text, { line })] });
}

/** A changelog that fails the check, before or after the roll: the first finding leads, all are listed. */
function failedCheck(findings: readonly Finding[], what: string): BinderyError {
  return new BinderyError("CHANGELOG_INVALID", `${findings[0]!.message} ${what}`, { findings });
}

/**
 * Rolls a Keep a Changelog text for a release: `[Unreleased]`'s changes become `## [NEW] - DATE`
 * under an empty `## [Unreleased]`; at a GA version, the sections of its pre-releases are folded
 * in (entries merged by kind, headings removed); `[Unreleased]: .../compare/A...HEAD` links move on.
 */
export function rollChangelog(text: string, options: RollOptions): ChangelogRoll {
  const file = options.file ?? "CHANGELOG.md";
  const release = formatVersion(options.version);
  const before = checkChangelog(text, { file });
  if (!before.ok) throw failedCheck(before.findings, `Fix the changelog (\`bindery changelog check --file ${file}\`) before a release.`);
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  const lines = text.split(/\r?\n/);
  const finalNewline = lines.at(-1) === "";
  if (finalNewline) lines.pop();

  let refsStart = lines.length;
  for (let n = lines.length - 1; n >= 0 && (lines[n]!.trim() === "" || LINK.test(lines[n]!)); n -= 1) if (lines[n]!.trim() !== "") refsStart = n;
  const starts = lines.flatMap((line, n) => (line.startsWith("## ") && n < refsStart ? [n] : []));
  const sections = starts.map((start, n) => readSection(lines, start, starts[n + 1] ?? refsStart));
  const unreleased = sections[0]!;

  const existing = sections.find((s) => s.version && compareVersions(s.version, options.version) === 0);
  if (existing) throw refuse(file, existing.line + 1, `${release} already has a section; a version is released once. Bump to another version, or remove that section.`);
  const newest = sections.find((s) => s.version !== undefined);
  if (newest && compareVersions(newest.version!, options.version) > 0) {
    throw refuse(file, newest.line + 1, `${release} is older than ${formatVersion(newest.version!)}, the newest release in the changelog; releases go newest first.`);
  }
  if (unreleased.kinds.size === 0 && !options.allowEmpty) {
    throw refuse(file, unreleased.line + 1, "[Unreleased] lists no change, so there is nothing to release. Add the changes under [Unreleased] first, or pass --allow-empty.");
  }

  const v = options.version;
  const isOwnPre = (s: Section) => v.prerelease.length === 0 && s.version !== undefined && s.version.prerelease.length > 0 && s.version.major === v.major && s.version.minor === v.minor && s.version.patch === v.patch;
  const folding = sections.filter(isOwnPre);
  const heading = `## [${release}] - ${options.date}`;
  const sectionLines = renderSection(heading, [unreleased, ...folding], unreleased.kinds.size > 0 ? unreleased.spaced : folding.some((s) => s.spaced));
  const body = trimTrailing(sections.slice(1).flatMap((s, n) => (isOwnPre(s) ? [] : lines.slice(s.line, sections[n + 2]?.line ?? refsStart))));
  const refs = lines.slice(refsStart);
  const links = rollLinks(refs, release, folding.map((s) => formatVersion(s.version!)));
  const out = [...lines.slice(0, unreleased.line), unreleased.heading, "", ...trimTrailing(sectionLines)];
  if (body.length > 0) out.push("", ...body);
  if (refs.length > 0) out.push("", ...(links ?? refs));
  const rolled = `${out.join(eol)}${finalNewline ? eol : ""}`;

  const after = checkChangelog(rolled, { file, release });
  if (!after.ok) throw failedCheck(after.findings, "(in the rolled changelog, which was not written).");
  return { text: rolled, section: `${trimTrailing(sectionLines).join("\n")}\n`, folded: folding.map((s) => formatVersion(s.version!)), links: links !== undefined };
}

/**
 * Moves Keep a Changelog's compare links on: `[Unreleased]: …/compare/vOLD...HEAD` becomes
 * `…/compare/vNEW...HEAD` and `[NEW]: …/compare/vOLD...vNEW` is added below it (OLD is where the
 * oldest folded pre-release started, at a GA release). The folded pre-releases' links go with
 * their sections, and a stale link for NEW is replaced. Undefined when there is no `[Unreleased]`
 * compare link to move on.
 */
function rollLinks(refs: readonly string[], release: string, folded: readonly string[]): string[] | undefined {
  const at = refs.findIndex((line) => LINK.exec(line)?.[1]?.toLowerCase() === "unreleased");
  if (at < 0) return undefined;
  const compare = COMPARE.exec(LINK.exec(refs[at]!)![2]!);
  if (!compare) return undefined;
  const [base, from, to] = [compare[1]!, compare[2]!, compare[3]!];
  const prefix = TAG_VERSION.exec(from)?.[1] ?? "v";
  const labelled = (labels: readonly string[]) => (line: string) => {
    const label = LINK.exec(line)?.[1];
    return label !== undefined && labels.includes(label);
  };
  const oldest = refs.filter(labelled(folded)).map((line) => COMPARE.exec(LINK.exec(line)![2]!)).findLast((m) => m !== null);
  const start = oldest?.[2] ?? from;
  const stale = labelled([...folded, release]);
  const kept = refs.filter((line) => !stale(line));
  const index = kept.indexOf(refs[at]!);
  kept.splice(index, 1, `[Unreleased]: ${base}${prefix}${release}...${to}`, `[${release}]: ${base}${start}...${prefix}${release}`);
  return kept;
}

export interface BumpOptions {
  kind: BumpKind;
  preid?: string;
  /** package.json (default: ./package.json); package-lock.json beside it is updated too. */
  packageFile?: string;
  /** The changelog (default: ./CHANGELOG.md). */
  changelogFile?: string;
  /** The release date, YYYY-MM-DD (default: today, UTC). */
  date?: string;
  allowEmpty?: boolean;
  /** Compute and check everything, write nothing. */
  dryRun?: boolean;
  now?: () => Date;
}

export interface BumpResult {
  from: string;
  to: string;
  date: string;
  packageFile: string;
  /** package-lock.json, when there is one beside package.json. */
  lockFile: string | null;
  changelogFile: string;
  /** The new release's section, as Markdown. */
  section: string;
  folded: string[];
  links: boolean;
  dryRun: boolean;
}

async function readText(path: string): Promise<string> {
  return readFile(path, "utf8").catch((error: unknown) => {
    throw inputError(error, path);
  });
}

function parseJsonText(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new BinderyError("INPUT_INVALID", `${file} is not JSON: ${(error as Error).message}`, { cause: error });
  }
}

/** The lock file's new text: its top-level "version" and packages[""].version, where present. */
function bumpLock(text: string, file: string, version: string): string {
  parseJsonText(text, file);
  let out = text;
  for (const path of [["version"], ["packages", "", "version"]]) out = replaceJsonString(out, path, version) ?? out;
  return out;
}

const modeOf = async (path: string) => (await stat(path)).mode & 0o777;

export async function bumpRelease(options: BumpOptions): Promise<BumpResult> {
  const packageFile = options.packageFile ?? "package.json";
  const changelogFile = options.changelogFile ?? "CHANGELOG.md";
  if (options.preid !== undefined && options.kind !== "prerelease") throw new BinderyError("USAGE", `--preid names a pre-release; it goes with prerelease, not ${options.kind}.`);
  const date = options.date ?? (options.now ?? (() => new Date()))().toISOString().slice(0, 10);
  if (!isCalendarDate(date)) throw new BinderyError("USAGE", `--date ${JSON.stringify(date)} is not a real date YYYY-MM-DD.`);

  const packageText = await readText(packageFile);
  const current = (parseJsonText(packageText, packageFile) as { version?: unknown } | null)?.version;
  if (typeof current !== "string") throw new BinderyError("INPUT_INVALID", `${packageFile} has no "version" string to bump.`);
  const version = tryParseVersion(current);
  if (!version || current.startsWith("v") || formatVersion(version) !== current) throw new BinderyError("INPUT_INVALID", `${packageFile}: "version" is ${JSON.stringify(current)}, not a semver version as npm writes it (1.2.3, 1.2.3-rc.1).`);
  const next = nextVersion(version, options.kind, options.preid);
  const to = formatVersion(next);
  if (compareVersions(next, version) <= 0) {
    throw new BinderyError("INPUT_INVALID", `prerelease --preid ${options.preid ?? ""} would go from ${current} to ${to}, which is not newer. Use an identifier that sorts after ${String(version.prerelease[0])}, or bump patch to release ${formatVersion({ ...version, prerelease: [] })}.`);
  }
  const changelog = await readText(changelogFile);
  const roll = rollChangelog(changelog, { version: next, date, file: changelogFile, ...(options.allowEmpty ? { allowEmpty: true } : {}) });

  const lockFile = join(dirname(packageFile), "package-lock.json");
  const lockText = await readFile(lockFile, "utf8").catch((error: unknown) => {
    if (errnoCode(error) === "ENOENT") return undefined;
    throw inputError(error, lockFile);
  });
  const writes: [string, string][] = [
    [packageFile, replaceJsonString(packageText, ["version"], to)!],
    ...(lockText === undefined ? [] : ([[lockFile, bumpLock(lockText, lockFile, to)]] as [string, string][])),
    [changelogFile, roll.text],
  ];
  if (!options.dryRun) {
    const modes = await Promise.all(writes.map(([path]) => modeOf(path)));
    for (const [n, [path, text]] of writes.entries()) await writeFileAtomic(path, text, { mode: modes[n]! });
  }
  return {
    from: current,
    to,
    date,
    packageFile,
    lockFile: lockText === undefined ? null : lockFile,
    changelogFile,
    section: roll.section,
    folded: roll.folded,
    links: roll.links,
    dryRun: options.dryRun ?? false,
  };
}
