/**
 * `bindery yank` and the index's own rules, one refusal at a time: each checked for its code and
 * message, and for leaving every file as it was.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bindery } from "../support/cli.js";
import { addEntry, isBinderyError, mergeIndexes, prettyJson, type ReleaseIndex } from "../support/lib.js";
import { tempDir } from "../support/tmp.js";
import { INDEX } from "../support/versioning.js";

const CHANGELOG = ["# Changelog", "", "## [Unreleased]", "", "## [0.2.1] - 2026-03-01", "", "### Fixed", "- the scaler", "", "## [0.2.0] - 2026-02-01", "", "### Added", "- a feature", ""].join("\n");

function project(index: ReleaseIndex = INDEX): string {
  const dir = tempDir();
  writeFileSync(join(dir, "release_index.json"), prettyJson(index));
  writeFileSync(join(dir, "CHANGELOG.md"), CHANGELOG);
  return dir;
}

const snapshot = (dir: string) => ["release_index.json", "CHANGELOG.md"].map((f) => readFileSync(join(dir, f), "utf8"));

describe("bindery yank", () => {
  it("marks the index, the CHANGELOG and the revocation list; a second yank replaces the line", async () => {
    const dir = project();
    const r = await bindery(["yank", "sensors-v0.2.1-r1", "--reason", "a broken shard.", "--date", "2026-04-01", "--json"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({ release_id: "sensors-v0.2.1-r1", reason: "a broken shard.", upgrade_to: null, notes: [] });
    const entry = JSON.parse(readFileSync(join(dir, "release_index.json"), "utf8")).releases.find((e: { release_id: string }) => e.release_id === "sensors-v0.2.1-r1");
    expect(entry).toMatchObject({ yanked: true, yanked_reason: "a broken shard.", yanked_at: "2026-04-01", upgrade_to: null });
    expect(readFileSync(join(dir, "CHANGELOG.md"), "utf8")).toContain("## [0.2.1] - 2026-03-01 [YANKED]\n\nYanked on 2026-04-01: a broken shard.\n\n### Fixed");

    const again = await bindery(["yank", "sensors-v0.2.1-r1", "--reason", "a broken shard, and a wrong label", "--upgrade-to", "1.0.0", "--date", "2026-04-02"], { cwd: dir });
    expect(again.code, again.stderr).toBe(0);
    const changelog = readFileSync(join(dir, "CHANGELOG.md"), "utf8");
    expect(changelog).toContain("## [0.2.1] - 2026-03-01 [YANKED]\n\nYanked on 2026-04-02: a broken shard, and a wrong label. Upgrade to 1.0.0.\n\n### Fixed");
    expect(changelog.match(/Yanked on/g)).toHaveLength(1);
    expect(JSON.parse(readFileSync(join(dir, "revocations.json"), "utf8")).revoked).toEqual([
      { model_id: INDEX.releases.find((e) => e.release_id === "sensors-v0.2.1-r1")!.model_id, release_id: "sensors-v0.2.1-r1", model_version: "0.2.1", reason: "a broken shard, and a wrong label", upgrade_to: "1.0.0", date: "2026-04-02" },
    ]);
    expect((await bindery(["changelog", "check"], { cwd: dir })).code).toBe(0);
  });

  it("notes an upgrade path the index does not list yet", async () => {
    const dir = project();
    const r = await bindery(["yank", "sensors-v0.2.1-r1", "--reason", "bad", "--upgrade-to", "0.2.2", "--no-changelog"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("note: 0.2.2 is not yet in the index (or is yanked); add it before users follow the upgrade path.");
    expect(readFileSync(join(dir, "CHANGELOG.md"), "utf8")).toBe(CHANGELOG);
  });

  const refusals: [string, string[], number, string, RegExp][] = [
    ["a release the index lacks", ["sensors-v9.9.9-r1", "--reason", "x"], 1, "NOT_RESOLVED", /^sensors-v9\.9\.9-r1 is not in the index \(its releases: sensors-v0\.1\.0-r1, /],
    ["a version the CHANGELOG lacks", ["sensors-v1.0.0-r1", "--reason", "x"], 1, "CHANGELOG_INVALID", /^CHANGELOG\.md has no "## \[1\.0\.0\] - YYYY-MM-DD" section to mark as yanked\.$/],
    ["an empty reason", ["sensors-v0.2.1-r1", "--reason", "  "], 2, "USAGE", /^--reason must say why the release is yanked/],
    ["an upgrade path that goes back", ["sensors-v0.2.1-r1", "--reason", "x", "--upgrade-to", "0.2.0"], 2, "USAGE", /^--upgrade-to 0\.2\.0 is not newer than the yanked 0\.2\.1; an upgrade path goes forward\.$/],
    ["a date that does not exist", ["sensors-v0.2.1-r1", "--reason", "x", "--date", "2026-02-30"], 2, "USAGE", /^--date 2026-02-30 is not a real date \(YYYY-MM-DD\)\.$/],
    ["an upgrade path that is not a version", ["sensors-v0.2.1-r1", "--reason", "x", "--upgrade-to", "next"], 3, "INPUT_INVALID", /^"next" is not a version/],
  ];
  it.each(refusals)("refuses %s, writing nothing", async (_name, args, exit, code, message) => {
    const dir = project();
    const before = snapshot(dir);
    const r = await bindery(["yank", ...args, "--json"], { cwd: dir });
    expect(r.code, r.stderr).toBe(exit);
    const { error } = r.json<{ error: { code: string; message: string } }>();
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
    expect(snapshot(dir)).toEqual(before);
    expect(() => readFileSync(join(dir, "revocations.json"))).toThrow();
  });
});

describe("the index never rebinds a published name", () => {
  const first = INDEX.releases[0]!;
  const cases: [string, () => unknown, RegExp][] = [
    ["a release id with other bytes", () => addEntry(INDEX, { ...first, model_id: "f".repeat(64) }), /already binds sensors-v0\.1\.0-r1 to model id 0{63}1, not f{64}; a published release is never rebound \(cut a new revision, -r2\)\./],
    ["the same bytes as another release", () => addEntry(INDEX, { ...first, release_id: "sensors-v0.1.0-r2" }), /model id 0{63}1 is already in the index as sensors-v0\.1\.0-r1; one set of bytes is one release\./],
    ["a merge that disagrees on a model id", () => mergeIndexes({ ...INDEX, releases: [{ ...first, model_id: "f".repeat(64) }] }, INDEX), /sensors-v0\.1\.0-r1 is model id f{64} here but 0{63}1 in the published index/],
    ["a merge of two models' indexes", () => mergeIndexes({ ...INDEX, name: "lines" }, INDEX), /the indexes are of different models: lines and sensors\./],
  ];
  it.each(cases)("refuses %s (DISAGREEMENT, exit 1)", (_name, attempt, message) => {
    let error: unknown;
    try {
      attempt();
    } catch (e) {
      error = e;
    }
    expect(isBinderyError(error)).toBe(true);
    expect(error).toMatchObject({ code: "DISAGREEMENT", exitCode: 1 });
    expect((error as Error).message).toMatch(message);
  });

  it("adds the same release with the same bytes as no change, and a yank survives a merge", () => {
    expect(addEntry(INDEX, first)).toEqual({ index: INDEX, added: false });
    const yanked = { ...INDEX, releases: INDEX.releases.map((e) => (e === first ? { ...e, yanked: true, yanked_reason: "bad", yanked_at: "2026-05-01", upgrade_to: "0.1.1" } : e)) };
    expect(mergeIndexes(INDEX, yanked).releases[0]).toMatchObject({ yanked: true, yanked_reason: "bad" });
    expect(mergeIndexes(yanked, INDEX).releases[0]).toMatchObject({ yanked: true, yanked_reason: "bad" });
  });
});
