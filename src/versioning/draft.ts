/**
 * A first draft of the changelog from git history: the commits in `SINCE..TO` (merges left out),
 * oldest first, sorted into Keep a Changelog's six kinds of change by their conventional-commit
 * type (`feat:`, `fix:`, ...) or, without one, by the subject's first word ("Add", "Fix", ...).
 * A draft is a starting point for a human, who rewrites it for users; it always passes
 * `checkChangelog` under a `# Changelog` title.
 */
import { stat } from "node:fs/promises";
import { BinderyError, inputError } from "../evidence/errors.js";
import { CHANGE_KINDS } from "./changelog.js";

export type ChangeKind = (typeof CHANGE_KINDS)[number];

export interface DraftCommit {
  sha: string;
  short: string;
  subject: string;
  kind: ChangeKind;
  /** A `type!:` subject, or a `BREAKING CHANGE:` footer. */
  breaking: boolean;
  /** The line the draft lists, without its `- `. */
  entry: string;
}

export interface ChangelogDraft {
  since: string;
  to: string;
  commits: DraftCommit[];
  /** Every kind of change, in Keep a Changelog's order; empty when no commit has that kind. */
  sections: Record<ChangeKind, string[]>;
  /** `## [Unreleased]` and the non-empty `### Kind` sections. */
  markdown: string;
}

/**
 * Conventional-commit types and the kind of change each drafts to. A revert is Changed: what it
 * undoes may be a feature or a fix, and one undone before a release should not be listed at all.
 * A subject whose "type" is none of these (`README: typo`) is read as a subject without one.
 */
const TYPES: Readonly<Record<string, ChangeKind>> = {
  feat: "Added",
  feature: "Added",
  fix: "Fixed",
  bugfix: "Fixed",
  hotfix: "Fixed",
  security: "Security",
  sec: "Security",
  deprecate: "Deprecated",
  deprecated: "Deprecated",
  remove: "Removed",
  removed: "Removed",
  ...Object.fromEntries(["docs", "refactor", "perf", "chore", "style", "test", "tests", "build", "ci", "revert", "change", "update"].map((type) => [type, "Changed" as const])),
};

/** The first word of a subject without a conventional-commit type, and the kind it suggests. */
const WORDS: readonly [RegExp, ChangeKind][] = [
  [/^(add|adds|added|introduce|introduces|introduced|implement|implements|implemented)\b/i, "Added"],
  [/^(fix|fixes|fixed|correct|corrects|corrected|resolve|resolves|resolved)\b/i, "Fixed"],
  [/^(remove|removes|removed|delete|deletes|deleted|drop|drops|dropped)\b/i, "Removed"],
  [/^(deprecate|deprecates|deprecated)\b/i, "Deprecated"],
  [/^(security|cve-\d{4}-\d+)\b/i, "Security"],
];

const CONVENTIONAL = /^([A-Za-z]+)(?:\(([^)]*)\))?(!)?:\s+(\S.*)$/;
const BREAKING_FOOTER = /^BREAKING[ -]CHANGE:/m;

/** The kind of change a commit drafts to, whether it is breaking, and the text its entry shows. */
export function classifyCommit(subject: string, body = ""): { kind: ChangeKind; breaking: boolean; text: string } {
  const footer = BREAKING_FOOTER.test(body);
  // A subject is one line of Markdown: control characters (a terminal escape) have no place in it.
  const line = subject.replace(/[\u0000-\u001f\u007f]/g, " ").trim();
  const m = CONVENTIONAL.exec(line);
  const type = m ? TYPES[m[1]!.toLowerCase()] : undefined;
  if (m && type) {
    const scope = m[2]?.trim();
    return { kind: type, breaking: m[3] === "!" || footer, text: scope ? `${scope}: ${m[4]!.trim()}` : m[4]!.trim() };
  }
  return { kind: WORDS.find(([word]) => word.test(line))?.[1] ?? "Changed", breaking: footer, text: line || "(no subject)" };
}

/** `## [Unreleased]` and a `### Kind` list for every kind with entries, in Keep a Changelog's order. */
export function renderDraft(sections: Readonly<Record<ChangeKind, readonly string[]>>): string {
  const lines = ["## [Unreleased]"];
  for (const kind of CHANGE_KINDS) {
    if (sections[kind].length > 0) lines.push("", `### ${kind}`, ...sections[kind].map((entry) => `- ${entry}`));
  }
  return `${lines.join("\n")}\n`;
}

async function git(args: readonly string[], cwd: string): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  const { execa } = await import("execa");
  const result = await execa("git", args, { cwd, reject: false, stdin: "ignore", stripFinalNewline: false });
  if (result.failed && result.exitCode === undefined) {
    throw new BinderyError("COMMAND_FAILED", `git could not start (${String(result.shortMessage ?? "no message").split("\n").at(-1)}).`, { hint: "Install git, or put it on PATH." });
  }
  return { ok: !result.failed, stdout: String(result.stdout), stderr: String(result.stderr).trim() };
}

/** Resolves a tag, branch or commit to a commit sha; an unknown one is INPUT_NOT_FOUND, naming it. */
async function resolveCommit(ref: string, flag: string, cwd: string, shown: string): Promise<string> {
  if (ref === "" || ref.startsWith("-")) throw new BinderyError("INPUT_INVALID", `${flag} ${JSON.stringify(ref)} is not a tag, branch or commit.`);
  const result = await git(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], cwd);
  if (!result.ok) {
    throw new BinderyError("INPUT_NOT_FOUND", `${flag} ${ref}: ${shown} has no tag, branch or commit named ${JSON.stringify(ref)}.`, {
      hint: "List the tags with `git tag --list`; fetch them with `git fetch --tags` if the clone lacks them.",
    });
  }
  return result.stdout.trim();
}

/** Parses `git log --format=%H%x1f%h%x1f%s%x1f%b%x1e` output into commits. */
export function parseGitLog(stdout: string): { sha: string; short: string; subject: string; body: string }[] {
  return stdout
    .split("\x1e")
    .map((record) => record.replace(/^\n/, ""))
    .filter((record) => record.length > 0)
    .map((record) => {
      const [sha = "", short = "", subject = "", ...body] = record.split("\x1f");
      return { sha, short, subject, body: body.join("\x1f") };
    });
}

export interface DraftOptions {
  /** The tag (or any commit) the draft starts after. */
  since: string;
  /** The commit it ends at (default HEAD). */
  to?: string;
  /** The repository (default: the working directory). */
  cwd?: string;
}

export async function draftChangelog(options: DraftOptions): Promise<ChangelogDraft> {
  const cwd = options.cwd ?? process.cwd();
  const shown = options.cwd === undefined ? "the repository" : `the repository at ${options.cwd}`;
  const to = options.to ?? "HEAD";
  const info = await stat(cwd).catch((error: unknown) => {
    throw inputError(error, cwd, "directory");
  });
  if (!info.isDirectory()) throw new BinderyError("INPUT_INVALID", `${cwd} is a file, not a directory.`);
  const inside = await git(["rev-parse", "--git-dir"], cwd);
  if (!inside.ok) {
    throw new BinderyError("INPUT_INVALID", `${options.cwd ?? "the working directory"} is not in a git repository, so there is no history to draft from (looking for --since ${options.since}).`, {
      hint: "Run in the repository, or pass --cwd with its directory.",
    });
  }
  const from = await resolveCommit(options.since, "--since", cwd, shown);
  const until = await resolveCommit(to, "--to", cwd, shown);
  const log = await git(["log", "--no-merges", "--reverse", "--format=%H%x1f%h%x1f%s%x1f%b%x1e", `${from}..${until}`, "--"], cwd);
  if (!log.ok) throw new BinderyError("COMMAND_FAILED", `git log ${options.since}..${to} failed: ${log.stderr || "no message"}`);
  const commits = parseGitLog(log.stdout).map(({ sha, short, subject, body }): DraftCommit => {
    const { kind, breaking, text } = classifyCommit(subject, body);
    return { sha, short, subject, kind, breaking, entry: `${breaking ? "**BREAKING** " : ""}${text} (${short})` };
  });
  const sections = Object.fromEntries(CHANGE_KINDS.map((kind) => [kind, commits.filter((c) => c.kind === kind).map((c) => c.entry)])) as Record<ChangeKind, string[]>;
  return { since: options.since, to, commits, sections, markdown: renderDraft(sections) };
}
