/** `bindery pack check`: bindery's own package holds every release-critical path; a package that does not is named. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bindery } from "../support/cli.js";
import { REPO } from "../support/release.js";
import { tempDir, writeTree } from "../support/tmp.js";

describe("bindery pack check", () => {
  it("passes on bindery itself", async () => {
    const result = await bindery(["pack", "check", "--json"], { cwd: REPO });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.json()).toMatchObject({ ok: true, name: "bindery", missing: [] });
  });

  it("names every release-critical path a package lacks", async () => {
    const dir = tempDir();
    writeTree(dir, { "bin/tool.js": "#!/usr/bin/env node\n", "docs/guide.md": "# Guide\n", "README.md": "# tool\n" });
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "tool", version: "1.0.0", files: ["bin/", "docs/"] }));
    const result = await bindery(["pack", "check", "--json"], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.json<{ missing: string[] }>().missing).toEqual(["dist/", "rfcs/", "configs/", "CHANGELOG.md"]);
    expect(result.stderr).toContain('bindery pack check: PACK_INCOMPLETE: the package lacks dist/, rfcs/, configs/, CHANGELOG.md; add them to "files" in package.json.');
    const custom = await bindery(["pack", "check", "--require", "bin/", "--require", "README.md"], { cwd: dir });
    expect(custom.code, custom.stderr).toBe(0);
  });
});
