/** `bindery changelog check`: bindery's own CHANGELOG passes; each malformed sample fails with its line named. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bindery } from "../support/cli.js";
import { checkChangelog } from "../support/lib.js";
import { REPO } from "../support/release.js";
import { tempDir } from "../support/tmp.js";

const good = ["# Changelog", "", "## [Unreleased]", "", "### Added", "- a new thing", "", "## [1.1.0] - 2026-02-01", "", "### Fixed", "- a fix", "", "## [1.0.0] - 2026-01-01 [YANKED]", "", "### Added", "- the first release", ""];
const sample = (edit: (lines: string[]) => void) => {
  const lines = [...good];
  edit(lines);
  return lines.join("\n");
};

describe("bindery changelog check", () => {
  it("passes bindery's own CHANGELOG.md and the example's, and a well-formed sample", async () => {
    for (const file of [join(REPO, "CHANGELOG.md"), join(REPO, "configs/example/CHANGELOG.md")]) {
      const result = await bindery(["changelog", "check", "--file", file]);
      expect(result.code, result.stdout).toBe(0);
    }
    expect(checkChangelog(good.join("\n"), { release: "1.0.0" })).toEqual({ ok: true, findings: [], releases: ["1.1.0", "1.0.0"] });
  });

  const malformed: [string, string, number, RegExp][] = [
    ["[Unreleased] not first", sample((l) => l.splice(2, 5)), 3, /the first section must be \[Unreleased\]/],
    ["a heading that is neither", sample((l) => (l[7] = "## 1.1.0 (2026-02-01)")), 8, /"## 1\.1\.0 \(2026-02-01\)" is not "## \[Unreleased\]" or "## \[X\.Y\.Z\] - YYYY-MM-DD"/],
    ["a date that does not exist", sample((l) => (l[7] = "## [1.1.0] - 2026-02-30")), 8, /"2026-02-30" is not a real date/],
    ["a version with a v", sample((l) => (l[7] = "## [v1.1.0] - 2026-02-01")), 8, /"v1\.1\.0" is not a semver version/],
    ["a kind of change that is not one", sample((l) => (l[9] = "### Improved")), 10, /"### Improved" is not a kind of change/],
    ["an empty section", sample((l) => (l[10] = "")), 10, /the "### Fixed" section is empty/],
    ["a repeated section", sample((l) => l.splice(11, 0, "### Fixed", "- another fix")), 12, /a second "### Fixed" in the same release/],
    ["releases out of order", sample((l) => ((l[7] = "## [1.0.0] - 2026-02-01"), (l[12] = "## [1.1.0] - 2026-01-01"))), 13, /1\.1\.0 comes after 1\.0\.0; releases go newest first/],
    ["a release twice", sample((l) => (l[12] = "## [1.1.0] - 2026-01-01")), 13, /1\.1\.0 has a second section \(the first is on line 8\)/],
  ];
  it.each(malformed)("fails on %s, naming the line", async (_name, text, line, message) => {
    const dir = tempDir();
    writeFileSync(join(dir, "CHANGELOG.md"), text);
    const result = await bindery(["changelog", "check", "--json"], { cwd: dir });
    expect(result.code).toBe(1);
    const findings = result.json<{ findings: { code: string; line: number; message: string }[] }>().findings;
    const hit = findings.find((f) => f.line === line && message.test(f.message));
    expect(hit, JSON.stringify(findings, null, 2)).toBeDefined();
    expect(hit!.code).toBe("CHANGELOG_INVALID");
    expect(hit!.message).toMatch(new RegExp(`^CHANGELOG\\.md line ${line}: `));
  });

  it("fails when the release has no section", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "CHANGELOG.md"), good.join("\n"));
    const result = await bindery(["changelog", "check", "--release", "2.0.0", "--json"], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.json<{ findings: { message: string }[] }>().findings.map((f) => f.message)).toEqual(["CHANGELOG.md line 1: there is no section for release 2.0.0."]);
  });
});
