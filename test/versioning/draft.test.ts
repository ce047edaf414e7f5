/** `bindery changelog draft`: a real git history since a tag, sorted into Keep a Changelog's kinds. */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bindery } from "../support/cli.js";
import { checkChangelog, classifyCommit } from "../support/lib.js";
import { tempDir } from "../support/tmp.js";

function git(dir: string, ...args: string[]): string {
  const result = spawnSync("git", ["-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false", ...args], { cwd: dir, encoding: "utf8" });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout.trim();
}

/** A repository with a tagged first commit, then `subjects` as commits (a message may hold a body). */
function repo(subjects: readonly string[] = []): string {
  const dir = tempDir();
  git(dir, "init", "-q");
  git(dir, "config", "user.name", "Test");
  git(dir, "config", "user.email", "test@example.com");
  writeFileSync(join(dir, "README.md"), "hello\n");
  git(dir, "add", "README.md");
  git(dir, "commit", "-q", "-m", "feat: the first release");
  git(dir, "tag", "v1.0.0");
  for (const subject of subjects) commit(dir, subject);
  return dir;
}

const commit = (dir: string, message: string) => git(dir, "commit", "-q", "--allow-empty", "-m", message);
const short = (dir: string, rev = "HEAD") => git(dir, "rev-parse", "--short", rev);

interface DraftJson {
  ok: boolean;
  since: string;
  to: string;
  commits: number;
  sections: Record<string, string[]>;
  markdown: string;
  note?: string;
}

describe("bindery changelog draft", () => {
  it("sorts the commits since the tag into kinds, oldest first, merges left out, and prints Markdown that passes the check", async () => {
    const dir = repo(["feat(cli): add the draft command", "fix: a crash on empty input", "Add a README section", "docs: explain the draft"]);
    const main = git(dir, "rev-parse", "--abbrev-ref", "HEAD");
    git(dir, "checkout", "-q", "-b", "topic");
    commit(dir, "Remove the old --legacy flag");
    git(dir, "checkout", "-q", main);
    commit(dir, "refactor!: rename the output fields");
    git(dir, "merge", "-q", "--no-ff", "-m", "Merge branch 'topic'", "topic");
    commit(dir, "security: escape terminal sequences in names");
    commit(dir, "Deprecate --old-style\n\nUse --new-style.");
    commit(dir, "change the exit code of verify\n\nBREAKING CHANGE: exit 1 is now exit 3.");
    commit(dir, "Tidy the tests");
    const sha = Object.fromEntries(
      git(dir, "log", "--no-merges", "--format=%h %s", "v1.0.0..HEAD")
        .split("\n")
        .map((line) => [line.slice(line.indexOf(" ") + 1), line.slice(0, line.indexOf(" "))]),
    );
    const expected = [
      "## [Unreleased]",
      "",
      "### Added",
      `- cli: add the draft command (${sha["feat(cli): add the draft command"]})`,
      `- Add a README section (${sha["Add a README section"]})`,
      "",
      "### Changed",
      `- explain the draft (${sha["docs: explain the draft"]})`,
      `- **BREAKING** rename the output fields (${sha["refactor!: rename the output fields"]})`,
      `- **BREAKING** change the exit code of verify (${sha["change the exit code of verify"]})`,
      `- Tidy the tests (${sha["Tidy the tests"]})`,
      "",
      "### Deprecated",
      `- Deprecate --old-style (${sha["Deprecate --old-style"]})`,
      "",
      "### Removed",
      `- Remove the old --legacy flag (${sha["Remove the old --legacy flag"]})`,
      "",
      "### Fixed",
      `- a crash on empty input (${sha["fix: a crash on empty input"]})`,
      "",
      "### Security",
      `- escape terminal sequences in names (${sha["security: escape terminal sequences in names"]})`,
      "",
    ].join("\n");

    const human = await bindery(["changelog", "draft", "--since", "v1.0.0"], { cwd: dir });
    expect(human.code, human.stderr).toBe(0);
    expect([human.stdout, human.stderr]).toEqual([expected, ""]);

    const result = await bindery(["changelog", "draft", "--since", "v1.0.0", "--cwd", dir, "--json"]);
    expect(result.code, result.stderr).toBe(0);
    const json = result.json<DraftJson>();
    expect(json).toEqual({
      ok: true,
      since: "v1.0.0",
      to: "HEAD",
      commits: 10,
      sections: {
        Added: [`cli: add the draft command (${sha["feat(cli): add the draft command"]})`, `Add a README section (${sha["Add a README section"]})`],
        Changed: [
          `explain the draft (${sha["docs: explain the draft"]})`,
          `**BREAKING** rename the output fields (${sha["refactor!: rename the output fields"]})`,
          `**BREAKING** change the exit code of verify (${sha["change the exit code of verify"]})`,
          `Tidy the tests (${sha["Tidy the tests"]})`,
        ],
        Deprecated: [`Deprecate --old-style (${sha["Deprecate --old-style"]})`],
        Removed: [`Remove the old --legacy flag (${sha["Remove the old --legacy flag"]})`],
        Fixed: [`a crash on empty input (${sha["fix: a crash on empty input"]})`],
        Security: [`escape terminal sequences in names (${sha["security: escape terminal sequences in names"]})`],
      },
      markdown: expected,
    });

    const changelog = `# Changelog\n\n${json.markdown}`;
    expect(checkChangelog(changelog)).toEqual({ ok: true, findings: [], releases: [] });
    writeFileSync(join(dir, "CHANGELOG.md"), changelog);
    const check = await bindery(["changelog", "check"], { cwd: dir });
    expect(check.code, check.stdout + check.stderr).toBe(0);
  });

  it("ends at --to, and lists only the non-empty kinds", async () => {
    const dir = repo(["fix: first fix"]);
    const first = short(dir);
    commit(dir, "feat: after the range");
    const result = await bindery(["changelog", "draft", "--since", "v1.0.0", "--to", "HEAD~1", "--json"], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    const json = result.json<DraftJson>();
    expect([json.to, json.commits, json.markdown]).toEqual(["HEAD~1", 1, `## [Unreleased]\n\n### Fixed\n- first fix (${first})\n`]);
  });

  it("with no commits since the tag, prints an empty [Unreleased] and says so", async () => {
    const dir = repo();
    const result = await bindery(["changelog", "draft", "--since", "v1.0.0", "--json"], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    const json = result.json<DraftJson>();
    expect(json).toMatchObject({ ok: true, commits: 0, markdown: "## [Unreleased]\n", note: "no commits in v1.0.0..HEAD (merges left out): nothing to draft" });
    expect(Object.values(json.sections).flat()).toEqual([]);
    const human = await bindery(["changelog", "draft", "--since", "v1.0.0"], { cwd: dir });
    expect([human.code, human.stdout]).toEqual([0, "## [Unreleased]\n\n<!-- no commits in v1.0.0..HEAD (merges left out): nothing to draft -->\n"]);
    expect(checkChangelog(`# Changelog\n\n${human.stdout}`).ok).toBe(true);
  });

  const STACK_FRAME = /\n\s+at .+:\d+:\d+/;
  const refusals: [string, (dir: string) => string[], string, RegExp][] = [
    ["an unknown tag", () => ["--since", "v9.9.9"], "INPUT_NOT_FOUND", /--since v9\.9\.9: the repository has no tag, branch or commit named "v9\.9\.9"\./],
    ["an unknown --to", () => ["--since", "v1.0.0", "--to", "nope"], "INPUT_NOT_FOUND", /--to nope: the repository has no tag, branch or commit named "nope"\./],
    ["a tag that reads as an option", () => ["--since=--all"], "INPUT_INVALID", /--since "--all" is not a tag, branch or commit\./],
    ["a directory that is no git repository", () => ["--since", "v1.0.0", "--cwd", tempDir()], "INPUT_INVALID", /is not in a git repository, so there is no history to draft from \(looking for --since v1\.0\.0\)\./],
    ["a --cwd that does not exist", (dir) => ["--since", "v1.0.0", "--cwd", join(dir, "missing")], "INPUT_NOT_FOUND", /directory .*missing does not exist\./],
  ];
  it.each(refusals)("refuses %s with exit 3 and one paragraph", async (_name, args, code, message) => {
    const dir = repo(["fix: something"]);
    const result = await bindery(["changelog", "draft", ...args(dir)], { cwd: dir });
    expect(result.code).toBe(3);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(new RegExp(`^bindery changelog draft: ${code}: `));
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(result.stderr).not.toMatch(STACK_FRAME);
    const json = await bindery(["changelog", "draft", ...args(dir), "--json"], { cwd: dir });
    expect(json.json<{ ok: boolean; error: { code: string; exit_code: number } }>()).toMatchObject({ ok: false, error: { code, exit_code: 3 } });
  });

  it("refuses with COMMAND_FAILED (exit 3) when git cannot start", async () => {
    const dir = repo();
    const result = await bindery(["changelog", "draft", "--since", "v1.0.0"], { cwd: dir, env: { PATH: join(dir, "no-bin") } });
    expect([result.code, result.stdout]).toEqual([3, ""]);
    expect(result.stderr).toBe("bindery changelog draft: COMMAND_FAILED: git could not start (spawn git ENOENT). Install git, or put it on PATH.\n");
  });

  const subjects: [string, string, string, boolean, string][] = [
    ["feat: add x", "", "Added", false, "add x"],
    ["feat(api)!: drop v1 routes", "", "Added", true, "api: drop v1 routes"],
    ["fix(cli): exit code", "", "Fixed", false, "cli: exit code"],
    ["sec: pin the token scope", "", "Security", false, "pin the token scope"],
    ["deprecate: --old", "", "Deprecated", false, "--old"],
    ["remove: the v0 reader", "", "Removed", false, "the v0 reader"],
    ["revert: feat: add x", "", "Changed", false, "feat: add x"],
    ["perf: hash in parallel", "", "Changed", false, "hash in parallel"],
    ["chore: bump deps", "BREAKING CHANGE: node 22", "Changed", true, "bump deps"],
    ["Adds a flag", "", "Added", false, "Adds a flag"],
    ["Fixed the parser", "", "Fixed", false, "Fixed the parser"],
    ["Drop Node 18", "", "Removed", false, "Drop Node 18"],
    ["Deprecated the old flag", "", "Deprecated", false, "Deprecated the old flag"],
    ["README: typo", "", "Changed", false, "README: typo"],
    ['Revert "feat: add x"', "", "Changed", false, 'Revert "feat: add x"'],
    ["Address review comments", "", "Changed", false, "Address review comments"],
    ["Fixture update", "", "Changed", false, "Fixture update"],
  ];
  it.each(subjects)("reads %j as %s", (subject, body, kind, breaking, text) => {
    expect(classifyCommit(subject, body)).toEqual({ kind, breaking, text });
  });
});
