/**
 * `bindery release publication`: binds the plan, publish report, candidate and replay of the
 * published example, and names the row that breaks when one of them is swapped or edited.
 */
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { bindery } from "../support/cli.js";
import { startEmulators, type Emulators } from "../support/lib.js";
import { proveRelease, releaseProject } from "../support/release.js";
import { suiteTempDir, tempDir } from "../support/tmp.js";

let emulators: Emulators | undefined;
let proven: string | undefined;
afterAll(async () => {
  await emulators?.close();
});

/** The example planned, published, proven by a candidate and replayed, once per file (inside the first test). */
async function provenProject(): Promise<string> {
  if (proven) return proven;
  emulators = await startEmulators();
  const project = releaseProject();
  await proveRelease(project, emulators.env);
  proven = join(suiteTempDir(), "proven");
  cpSync(project, proven, { recursive: true });
  return proven;
}

/** A copy of the proven project (reports included), changed by `change`, and the publication run on it. */
async function publication(change?: (dir: string) => void) {
  const dir = join(tempDir("bindery-publication-"), "p");
  cpSync(await provenProject(), dir, { recursive: true });
  change?.(dir);
  const result = await bindery(["release", "publication", "--plan", "plan.json", "--candidate", "candidate.json", "--publish-report", "publish.json", "--replay-report", "replay/clean_machine_demo_report.json", "--output", "publication.json", "--json"], { cwd: dir });
  const report = JSON.parse(readFileSync(join(dir, "publication.json"), "utf8"));
  return { result, report, failed: report.checks.filter((c: { ok: boolean }) => !c.ok).map((c: { id: string; detail: string }) => [c.id, c.detail]) };
}

describe("bindery release publication", () => {
  it("binds the four reports and finds every file's identities in agreement", async () => {
    const { result, report } = await publication();
    expect(result.code, result.stdout).toBe(0);
    expect(report).toMatchObject({ ok: true, generated_by: "bindery release publication", issues: [], release: { id: "sensors-v0.1.0-r1", tag: "v0.1.0", evidence_tag: "v0.1.0-evidence" } });
    expect(report.checks.map((c: { id: string }) => c.id)).toEqual(["bind:plan", "bind:publish-report", "bind:replay", "publish", "candidate", "replay", "files"]);
    expect(report.files.length).toBeGreaterThan(80);
    expect(report.files.every((f: { agree: boolean }) => f.agree)).toBe(true);
    expect(report.inputs.map((i: { path: string }) => i.path)).toEqual(["hub_release_plan.json", "hub_publish_report.json", "release_candidate_report.json", "clean_machine_demo_report.json"]);
    expect(report.evidence_release).toEqual({ repo: "example/sensors", tag: "v0.1.0-evidence", assets_url: `${emulators!.env.GITHUB_SERVER_URL}/example/sensors/releases/download/v0.1.0-evidence` });
    expect(JSON.stringify(report)).not.toContain(proven!);
  });

  it("names the candidate report edited after the replay", async () => {
    const { result, failed, report } = await publication((dir) => {
      const file = join(dir, "candidate.json");
      writeFileSync(file, readFileSync(file, "utf8").replace('"detail": "the plan is release', '"detail": "The plan is release'));
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("bindery release publication: REPORT_NOT_OK: the reports do not agree: bind:replay.");
    expect(failed).toEqual([["bind:replay", expect.stringMatching(/^the replay replayed candidate report [0-9a-f]{64}, but this one is [0-9a-f]{64}: the candidate report was changed after the replay\.$/)]]);
    expect(report.issues).toEqual([{ id: "bind:replay", detail: failed[0][1], issue_refs: [] }]);
  });

  it("names a plan that is not the one the candidate embeds", async () => {
    const { result, failed } = await publication((dir) => {
      const file = join(dir, "plan.json");
      writeFileSync(file, readFileSync(file, "utf8").replace('"commit": "', '"commit": "0'));
    });
    expect(result.code).toBe(1);
    expect(failed.map((f: string[]) => f[0])).toEqual(["bind:plan", "bind:publish-report"]);
  });
});
