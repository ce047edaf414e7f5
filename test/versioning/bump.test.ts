/** `bindery release bump`: npm's next version into package.json and its lock, and the changelog rolled. */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bindery } from "../support/cli.js";
import { tempDir, writeTree } from "../support/tmp.js";

const changelog = (...sections: string[]) => ["# Changelog", "", "Notable changes.", "", "## [Unreleased]", "", "### Added", "- a new flag", "", ...sections].join("\n");
const OLD = ["## [0.9.0] - 2026-01-01", "", "### Added", "- the first release", ""].join("\n");
/** changelog(...sections) after its [Unreleased] became `version`'s section, dated 2026-03-01. */
const released = (version: string, ...sections: string[]) => ["# Changelog", "", "Notable changes.", "", "## [Unreleased]", "", `## [${version}] - 2026-03-01`, "", "### Added", "- a new flag", "", ...sections].join("\n");

/** A project: package.json at `version` (2-space JSON), the changelog, and the files in `extra`. */
function project(version: string, text = changelog(OLD), extra: Record<string, string> = {}): string {
  return writeTree(tempDir(), { "package.json": `${JSON.stringify({ name: "demo", version }, null, 2)}\n`, "CHANGELOG.md": text, ...extra });
}

const read = (dir: string, file: string) => readFileSync(join(dir, file), "utf8");
const snapshot = (dir: string) => Object.fromEntries(readdirSync(dir).map((name) => [name, read(dir, name)]));

interface BumpJson {
  ok: boolean;
  from: string;
  to: string;
  date: string;
  package: string;
  lock: string | null;
  changelog: string;
  folded: string[];
  section: string;
  dry_run: boolean;
}

describe("bindery release bump", () => {
  const table: [string, string, string[], string][] = [
    ["1.2.3", "major", [], "2.0.0"],
    ["1.2.3", "minor", [], "1.3.0"],
    ["1.2.3", "patch", [], "1.2.4"],
    ["1.2.3", "prerelease", ["--preid", "rc"], "1.2.4-rc.0"],
    ["1.2.3", "prerelease", [], "1.2.4-0"],
    ["1.2.4-rc.0", "prerelease", ["--preid", "rc"], "1.2.4-rc.1"],
    ["1.2.4-rc.1", "prerelease", [], "1.2.4-rc.2"],
    ["1.2.4-beta.3", "prerelease", ["--preid", "rc"], "1.2.4-rc.0"],
    ["1.2.4-rc", "prerelease", [], "1.2.4-rc.0"],
    ["1.2.4-rc.1", "patch", [], "1.2.4"],
    ["1.3.0-rc.1", "minor", [], "1.3.0"],
    ["1.3.0-rc.1", "patch", [], "1.3.0"],
    ["1.3.1-rc.1", "minor", [], "1.4.0"],
    ["2.0.0-rc.1", "major", [], "2.0.0"],
    ["2.1.0-rc.1", "major", [], "3.0.0"],
  ];
  it.each(table)("%s + %s %j is %s, as npm version computes it", async (from, kind, flags, to) => {
    const dir = project(from);
    const result = await bindery(["release", "bump", kind, ...flags, "--date", "2026-03-01", "--json"], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    expect(result.json<BumpJson>()).toMatchObject({ ok: true, from, to, dry_run: false });
    expect(read(dir, "package.json")).toBe(`{\n  "name": "demo",\n  "version": "${to}"\n}\n`);
    expect(read(dir, "CHANGELOG.md")).toBe(released(to, OLD));
    const check = await bindery(["changelog", "check", "--release", to], { cwd: dir });
    expect(check.code, check.stdout).toBe(0);
  });

  it("at a GA release, folds in its pre-releases' sections by kind and moves the compare links on", async () => {
    const older = ["## [1.2.3] - 2026-01-01", "", "### Fixed", "- an old fix", ""];
    const compare = (from: string, to: string) => `https://github.com/acme/demo/compare/${from}...${to}`;
    const tagLink = "[1.2.3]: https://github.com/acme/demo/releases/tag/v1.2.3";
    const text = [
      "# Changelog",
      "",
      "## [Unreleased]",
      "",
      "### Fixed",
      "- a fix after rc.2",
      "",
      "### Added",
      "- an entry that wraps",
      "  onto a second line",
      "",
      "## [1.3.0-rc.2] - 2026-02-10",
      "",
      "### Added",
      "- rc.2's addition",
      "",
      "## [1.3.0-rc.1] - 2026-02-01",
      "",
      "### Added",
      "- rc.1's addition",
      "",
      "### Security",
      "- rc.1's security fix",
      "",
      ...older,
      `[Unreleased]: ${compare("v1.3.0-rc.2", "HEAD")}`,
      `[1.3.0-rc.2]: ${compare("v1.3.0-rc.1", "v1.3.0-rc.2")}`,
      `[1.3.0-rc.1]: ${compare("v1.2.3", "v1.3.0-rc.1")}`,
      tagLink,
      "",
    ].join("\n");
    const dir = project("1.3.0-rc.2", text);
    const result = await bindery(["release", "bump", "minor", "--date", "2026-03-01", "--json"], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    const section = ["## [1.3.0] - 2026-03-01", "", "### Added", "- an entry that wraps", "  onto a second line", "- rc.2's addition", "- rc.1's addition", "", "### Fixed", "- a fix after rc.2", "", "### Security", "- rc.1's security fix", ""].join("\n");
    expect(result.json<BumpJson>()).toEqual({
      ok: true,
      from: "1.3.0-rc.2",
      to: "1.3.0",
      date: "2026-03-01",
      package: "package.json",
      lock: null,
      changelog: "CHANGELOG.md",
      folded: ["1.3.0-rc.2", "1.3.0-rc.1"],
      section,
      dry_run: false,
    });
    expect(read(dir, "CHANGELOG.md")).toBe(
      [
        "# Changelog",
        "",
        "## [Unreleased]",
        "",
        section,
        ...older,
        `[Unreleased]: ${compare("v1.3.0", "HEAD")}`,
        `[1.3.0]: ${compare("v1.2.3", "v1.3.0")}`,
        tagLink,
        "",
      ].join("\n"),
    );
    const check = await bindery(["changelog", "check", "--release", "1.3.0"], { cwd: dir });
    expect(check.code, check.stdout).toBe(0);
  });

  it("at a pre-release, keeps the earlier pre-releases' sections and adds its own compare link", async () => {
    const changes = ["### Changed", "", "- spaced entries stay spaced", ""];
    const rc0 = ["## [2.0.0-rc.0] - 2026-02-01", "", "### Removed", "", "- the old reader", ""];
    const compare = (from: string, to: string) => `https://gitlab.example/acme/demo/-/compare/${from}...${to}`;
    const rc0Link = `[2.0.0-rc.0]: ${compare("release-1.9.0", "release-2.0.0-rc.0")}`;
    const dir = project("2.0.0-rc.0", ["# Changelog", "", "## [Unreleased]", "", ...changes, ...rc0, `[unreleased]: ${compare("release-2.0.0-rc.0", "main")}`, rc0Link].join("\n"));
    const result = await bindery(["release", "bump", "prerelease", "--preid", "rc", "--date", "2026-02-15"], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    expect(read(dir, "CHANGELOG.md")).toBe(
      [
        ...["# Changelog", "", "## [Unreleased]", "", "## [2.0.0-rc.1] - 2026-02-15", "", ...changes, ...rc0],
        `[Unreleased]: ${compare("release-2.0.0-rc.1", "main")}`,
        `[2.0.0-rc.1]: ${compare("release-2.0.0-rc.0", "release-2.0.0-rc.1")}`,
        rc0Link,
      ].join("\n"),
    );
    expect(result.stdout).toBe(
      [
        "wrote package.json: version 2.0.0-rc.0 -> 2.0.0-rc.1",
        "wrote CHANGELOG.md: [Unreleased] -> [2.0.0-rc.1] - 2026-02-15; compare links moved on",
        "OK  2.0.0-rc.0 -> 2.0.0-rc.1 (prerelease)",
        "",
      ].join("\n"),
    );
  });

  it("leaves link references alone when there is no [Unreleased] compare link, and makes a first release", async () => {
    const refs = "\n[0.9.0]: https://example.com/releases/0.9.0\n";
    const dir = project("0.9.0", changelog(OLD) + refs);
    expect((await bindery(["release", "bump", "minor", "--date", "2026-03-01"], { cwd: dir })).code).toBe(0);
    expect(read(dir, "CHANGELOG.md")).toBe(released("0.10.0", OLD) + refs);

    const first = project("0.0.0", `${changelog().trimEnd()}\n`);
    expect((await bindery(["release", "bump", "minor", "--date", "2026-03-01"], { cwd: first })).code).toBe(0);
    expect(read(first, "CHANGELOG.md")).toBe("# Changelog\n\nNotable changes.\n\n## [Unreleased]\n\n## [0.1.0] - 2026-03-01\n\n### Added\n- a new flag\n");
  });

  it("changes only the version's bytes in package.json and package-lock.json, keeping indentation, line ends and the final newline", async () => {
    const pkg = '{\r\n\t"name": "demo",\r\n\t"version": "1.2.3",\r\n\t"config": { "version": "1.2.3" },\r\n\t"dependencies": {\r\n\t\t"left-pad": "1.2.3"\r\n\t}\r\n}';
    const lock = {
      name: "demo",
      version: "1.2.3",
      lockfileVersion: 3,
      requires: true,
      packages: { "": { name: "demo", version: "1.2.3", dependencies: { "left-pad": "1.2.3" } }, "node_modules/left-pad": { version: "1.2.3" } },
    };
    const lockText = `${JSON.stringify(lock, null, 4)}\n`;
    const dir = project("1.2.3", changelog(OLD).replaceAll("\n", "\r\n"), { "package.json": pkg, "package-lock.json": lockText });
    const result = await bindery(["release", "bump", "patch", "--date", "2026-03-01", "--json"], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    expect(result.json<BumpJson>()).toMatchObject({ package: "package.json", lock: "package-lock.json" });
    expect(read(dir, "package.json")).toBe(pkg.replace('\t"version": "1.2.3"', '\t"version": "1.2.4"'));
    const bumped = { ...lock, version: "1.2.4", packages: { ...lock.packages, "": { ...lock.packages[""], version: "1.2.4" } } };
    expect(read(dir, "package-lock.json")).toBe(`${JSON.stringify(bumped, null, 4)}\n`);
    expect(read(dir, "CHANGELOG.md")).toContain("## [Unreleased]\r\n\r\n## [1.2.4] - 2026-03-01\r\n\r\n### Added\r\n- a new flag\r\n\r\n## [0.9.0]");
    expect(readdirSync(dir).sort()).toEqual(["CHANGELOG.md", "package-lock.json", "package.json"]);
  });

  it("finds package.json and the changelog where --package and --changelog say, and the lock beside package.json", async () => {
    const dir = writeTree(tempDir(), {
      "web/package.json": '{ "version": "0.9.0" }',
      "web/package-lock.json": '{ "version": "0.9.0", "lockfileVersion": 1 }',
      "docs/HISTORY.md": changelog(OLD),
    });
    const result = await bindery(["release", "bump", "major", "--package", "web/package.json", "--changelog", "docs/HISTORY.md", "--date", "2026-03-01", "--json"], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    expect(result.json<BumpJson>()).toMatchObject({ to: "1.0.0", package: "web/package.json", lock: join("web", "package-lock.json"), changelog: "docs/HISTORY.md" });
    expect([read(dir, "web/package.json"), read(dir, "web/package-lock.json")]).toEqual(['{ "version": "1.0.0" }', '{ "version": "1.0.0", "lockfileVersion": 1 }']);
    expect(read(dir, "docs/HISTORY.md")).toContain("## [1.0.0] - 2026-03-01");
  });

  it("--dry-run computes and checks everything, prints the new section, and writes nothing", async () => {
    const dir = project("0.9.0", changelog(OLD), { "package-lock.json": '{ "version": "0.9.0" }\n' });
    const before = snapshot(dir);
    const human = await bindery(["release", "bump", "minor", "--date", "2026-03-01", "--dry-run"], { cwd: dir });
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toBe(
      [
        "package.json: version 0.9.0 -> 0.10.0",
        "package-lock.json: version 0.9.0 -> 0.10.0",
        "CHANGELOG.md: [Unreleased] -> [0.10.0] - 2026-03-01",
        "",
        "## [0.10.0] - 2026-03-01",
        "",
        "### Added",
        "- a new flag",
        "",
        "dry run: 0.9.0 -> 0.10.0 (minor); nothing was written",
        "",
      ].join("\n"),
    );
    const json = await bindery(["release", "bump", "minor", "--date", "2026-03-01", "--dry-run", "--json"], { cwd: dir });
    expect(json.json<BumpJson>()).toMatchObject({ ok: true, from: "0.9.0", to: "0.10.0", dry_run: true, section: "## [0.10.0] - 2026-03-01\n\n### Added\n- a new flag\n" });
    expect(snapshot(dir)).toEqual(before);
    const refused = await bindery(["release", "bump", "minor", "--date", "2026-02-30", "--dry-run"], { cwd: dir });
    expect(refused.code).toBe(2);
  });

  it("dates the release today, in UTC, without --date", async () => {
    const dir = project("0.9.0");
    const before = new Date().toISOString().slice(0, 10);
    const result = await bindery(["release", "bump", "patch", "--json"], { cwd: dir });
    const after = new Date().toISOString().slice(0, 10);
    expect(result.code, result.stderr).toBe(0);
    expect([before, after]).toContain(result.json<BumpJson>().date);
    expect(read(dir, "CHANGELOG.md")).toContain(`## [0.9.1] - ${result.json<BumpJson>().date}\n`);
  });

  it("--allow-empty releases an empty [Unreleased]", async () => {
    const dir = project("0.9.0", ["# Changelog", "", "## [Unreleased]", "", OLD].join("\n"));
    const result = await bindery(["release", "bump", "patch", "--allow-empty", "--date", "2026-03-01"], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    expect(read(dir, "CHANGELOG.md")).toBe(["# Changelog", "", "## [Unreleased]", "", "## [0.9.1] - 2026-03-01", "", OLD].join("\n"));
  });

  const refusals: [string, string, string[], Record<string, string>, number, string, string][] = [
    ["a changelog that fails the check", "0.9.0", ["patch"], { "CHANGELOG.md": changelog(OLD).replace("### Added\n- the first", "### Improved\n- the first") }, 1, "CHANGELOG_INVALID", 'CHANGELOG.md line 12: "### Improved" is not a kind of change (Added, Changed, Deprecated, Removed, Fixed, Security). Fix the changelog (`bindery changelog check --file CHANGELOG.md`) before a release.'],
    ["an empty [Unreleased]", "0.9.0", ["patch"], { "CHANGELOG.md": ["# Changelog", "", "## [Unreleased]", "", OLD].join("\n") }, 1, "CHANGELOG_INVALID", "CHANGELOG.md line 3: [Unreleased] lists no change, so there is nothing to release. Add the changes under [Unreleased] first, or pass --allow-empty."],
    ["a version that already has a section", "0.8.0", ["minor"], {}, 1, "CHANGELOG_INVALID", "CHANGELOG.md line 10: 0.9.0 already has a section; a version is released once. Bump to another version, or remove that section."],
    ["a version older than the newest release", "0.8.0", ["patch"], {}, 1, "CHANGELOG_INVALID", "CHANGELOG.md line 10: 0.8.1 is older than 0.9.0, the newest release in the changelog; releases go newest first."],
    ["a date that does not exist", "0.9.0", ["patch", "--date", "2026-02-30"], {}, 2, "USAGE", '--date "2026-02-30" is not a real date YYYY-MM-DD.'],
    ["a date that is not YYYY-MM-DD", "0.9.0", ["patch", "--date", "1 March 2026"], {}, 2, "USAGE", '--date "1 March 2026" is not a real date YYYY-MM-DD.'],
    ["--preid with another kind", "0.9.0", ["minor", "--preid", "rc"], {}, 2, "USAGE", "--preid names a pre-release; it goes with prerelease, not minor."],
    ["a --preid that is not an identifier", "0.9.0", ["prerelease", "--preid", "rc.1"], {}, 2, "USAGE", '--preid "rc.1" is not a pre-release identifier: letters, digits and -, not only digits.'],
    ["a kind that is not one", "0.9.0", ["micro"], {}, 2, "USAGE", "command-argument value 'micro' is invalid for argument 'kind'. Allowed choices are major, minor, patch, prerelease."],
    ["a --preid that would go backwards", "1.0.0-rc.1", ["prerelease", "--preid", "beta"], {}, 3, "INPUT_INVALID", "prerelease --preid beta would go from 1.0.0-rc.1 to 1.0.0-beta.0, which is not newer. Use an identifier that sorts after rc, or bump patch to release 1.0.0."],
    ["a package.json that is not JSON", "0.9.0", ["patch"], { "package.json": "{ version: 1 }" }, 3, "INPUT_INVALID", "package.json is not JSON: "],
    ["a package.json without a version", "0.9.0", ["patch"], { "package.json": '{ "name": "demo" }' }, 3, "INPUT_INVALID", 'package.json has no "version" string to bump.'],
    ["a version npm would not write", "0.9.0", ["patch"], { "package.json": '{ "version": "v0.9.0" }' }, 3, "INPUT_INVALID", 'package.json: "version" is "v0.9.0", not a semver version as npm writes it (1.2.3, 1.2.3-rc.1).'],
    ["a package-lock.json that is not JSON", "0.9.0", ["patch"], { "package-lock.json": "{" }, 3, "INPUT_INVALID", "package-lock.json is not JSON: "],
    ["a missing package.json", "0.9.0", ["patch", "--package", "nope/package.json"], {}, 3, "INPUT_NOT_FOUND", "file nope/package.json does not exist."],
    ["a missing changelog", "0.9.0", ["patch", "--changelog", "HISTORY.md"], {}, 3, "INPUT_NOT_FOUND", "file HISTORY.md does not exist."],
  ];
  it.each(refusals)("refuses %s, writing nothing", async (_name, version, args, files, exit, code, message) => {
    const dir = project(version, changelog(OLD), files);
    const before = snapshot(dir);
    const result = await bindery(["release", "bump", ...args, "--json"], { cwd: dir });
    expect(result.code, result.stderr).toBe(exit);
    const error = result.json<{ ok: boolean; error: { code: string; exit_code: number; message: string } }>();
    expect(error).toMatchObject({ ok: false, error: { code, exit_code: exit } });
    expect(error.error.message.startsWith(message), error.error.message).toBe(true);
    expect(result.stderr).toMatch(new RegExp(`^bindery release bump: ${code}: `));
    expect(result.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    expect(snapshot(dir)).toEqual(before);
  });
});
