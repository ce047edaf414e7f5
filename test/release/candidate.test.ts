/**
 * `bindery release candidate` on the published example (loopback emulators, real clients): ready
 * when the public bytes are the plan; each attack on the hosts after publishing is caught, with
 * the readiness row and the file named.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { uploadFile } from "@huggingface/hub";
import { Octokit } from "@octokit/rest";
import { afterEach, describe, expect, it } from "vitest";
import { assertNoCanary, bindery, CANARIES } from "../support/cli.js";
import { startEmulators, type Emulators } from "../support/lib.js";
import { releaseProject } from "../support/release.js";

let emulators: Emulators | undefined;
afterEach(async () => {
  await emulators?.close();
  emulators = undefined;
});

interface Candidate {
  ready: boolean;
  generated_by: string;
  checks: { id: string; ok: boolean; detail: string; issue_refs: string[] }[];
  blockers: string[];
  plan: { release: { id: string } };
  plan_identity: { sha256: string };
  downloads: { ok: boolean; advertised: string | null }[];
  fixture: boolean;
  public_checks: string;
}

/** The example, planned and published on fresh emulators; `candidate` runs the command anonymously. */
async function published() {
  emulators = await startEmulators();
  const project = releaseProject();
  const env = { ...emulators.env, BINDERY_RETRY_BASE_MS: "5" };
  expect((await bindery(["hub", "plan", "--output", "plan.json"], { cwd: project, env })).code).toBe(0);
  const pub = await bindery(["hub", "publish", "--plan", "plan.json", "--output", "publish.json"], { cwd: project, env });
  expect(pub.code, pub.stderr).toBe(0);
  const candidate = async (...extra: string[]) => {
    const result = await bindery(["release", "candidate", "--plan", "plan.json", "--publish-report", "publish.json", "--output", "candidate.json", "--json", ...extra], {
      cwd: project,
      env: { ...emulators!.env, HF_TOKEN: undefined, GITHUB_TOKEN: undefined },
    });
    const file = join(project, "candidate.json");
    return { result, report: (existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : undefined) as Candidate };
  };
  const octokit = new Octokit({ auth: CANARIES.GITHUB_TOKEN, baseUrl: emulators.github.apiOrigin, log: { debug() {}, info() {}, warn() {}, error() {} } });
  return { project, candidate, octokit };
}

const failed = (report: Candidate) => report.checks.filter((c) => !c.ok);

describe("bindery release candidate", () => {
  it("is ready when the public bytes at the tag are exactly the plan, fetched without credentials", async () => {
    const { project, candidate } = await published();
    const { result, report } = await candidate();
    expect(result.code, result.stdout).toBe(0);
    expect(report).toMatchObject({ ready: true, generated_by: "bindery release candidate", blockers: [], fixture: false });
    expect(report.checks.map((c) => c.id)).toEqual([
      "plan",
      "publish-report",
      "evidence",
      "target:first-release",
      "link:hub:model",
      "tag:hub:model",
      "files:hub:model",
      "bytes:hub:model",
      "link:hub:dataset",
      "tag:hub:dataset",
      "files:hub:dataset",
      "bytes:hub:dataset",
      "link:github:release",
      "files:github:release",
      "bytes:github:release",
      "link:paper",
    ]);
    expect(report.checks.find((c) => c.id === "link:github:release")!.issue_refs).toEqual([]);
    expect(report.downloads).toHaveLength(JSON.parse(readFileSync(join(project, "plan.json"), "utf8")).entries.length);
    expect(report.downloads.every((d) => d.ok)).toBe(true);
    // The embedded plan is the plan that was published.
    expect(report.plan_identity.sha256).toBe(JSON.parse(readFileSync(join(project, "publish.json"), "utf8")).plan.sha256);
    // Nothing it talked to saw a credential.
    expect(emulators!.hub.requests.filter((r) => r.auth !== "anonymous" && r.url.includes("/resolve/"))).toEqual([]);
    assertNoCanary("candidate", readFileSync(join(project, "candidate.json"), "utf8"));
  });

  const attacks: [string, (e: Emulators, octokit: Octokit) => Promise<void>, string, RegExp][] = [
    [
      "bytes changed on the host after publishing, same size",
      async (e) => e.hub.faults.inject({ path: "/resolve/v0.1.0/config.json", fault: { kind: "wrong-bytes" }, times: 10 }),
      "bytes:hub:model",
      /1 of 63 files of example\/sensors-fault-lr at v0\.1\.0 are not the planned bytes: config\.json\./,
    ],
    [
      "a file deleted",
      async (e, octokit) => {
        const [release] = e.github.releases("example", "sensors");
        const asset = release!.assets.find((a) => a.name === "paper.paper.md")!;
        await octokit.rest.repos.deleteReleaseAsset({ owner: "example", repo: "sensors", asset_id: asset.id });
      },
      "files:github:release",
      /release v0\.1\.0 is not the plan: missing paper\.paper\.md\./,
    ],
    [
      "an extra file added",
      async (e, octokit) => {
        const [release] = e.github.releases("example", "sensors");
        const data = Buffer.from("not planned\n");
        await octokit.rest.repos.uploadReleaseAsset({ owner: "example", repo: "sensors", release_id: release!.id, name: "extra.txt", data: data as unknown as string, baseUrl: e.github.uploadOrigin, headers: { "content-type": "text/plain", "content-length": data.length } });
      },
      "files:github:release",
      /release v0\.1\.0 is not the plan: unexpected extra\.txt\./,
    ],
    [
      "an asset renamed",
      async (e, octokit) => {
        const [release] = e.github.releases("example", "sensors");
        const asset = release!.assets.find((a) => a.name === "demo.transcript.md")!;
        await octokit.rest.repos.updateReleaseAsset({ owner: "example", repo: "sensors", asset_id: asset.id, name: "transcript.md" });
      },
      "files:github:release",
      /release v0\.1\.0 is not the plan: missing demo\.transcript\.md; unexpected transcript\.md\./,
    ],
    [
      "the tag moved to another commit",
      async (e) => {
        const repo = { type: "model" as const, name: "example/sensors-fault-lr" };
        await uploadFile({ repo, file: { path: "notes.txt", content: new Blob(["moved\n"]) }, accessToken: CANARIES.HF_TOKEN, hubUrl: e.hub.origin });
        const head = e.hub.history("example/sensors-fault-lr")[0]!.oid;
        const auth = { authorization: `Bearer ${CANARIES.HF_TOKEN}`, "content-type": "application/json" };
        expect((await fetch(`${e.hub.origin}/api/models/example/sensors-fault-lr/tag/v0.1.0`, { method: "DELETE", headers: auth })).ok).toBe(true);
        expect((await fetch(`${e.hub.origin}/api/models/example/sensors-fault-lr/tag/${head}`, { method: "POST", headers: auth, body: JSON.stringify({ tag: "v0.1.0" }) })).ok).toBe(true);
      },
      "tag:hub:model",
      /the tag v0\.1\.0 of example\/sensors-fault-lr is commit [0-9a-f]{40}, but publishing tagged [0-9a-f]{40}: the tag moved\./,
    ],
  ];
  it.each(attacks)("is not ready after %s", async (_name, attack, row, detail) => {
    const { candidate, octokit } = await published();
    await attack(emulators!, octokit);
    const { result, report } = await candidate();
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("bindery release candidate: REPORT_NOT_OK: the release is not ready:");
    expect(report.ready).toBe(false);
    const row_ = report.checks.find((c) => c.id === row)!;
    expect(row_.ok).toBe(false);
    expect(row_.detail).toMatch(detail);
    expect(report.blockers).toContain(row_.detail);
  });

  it("skips public checks only as a fixture, and is then never ready", async () => {
    const { candidate } = await published();
    const refused = await candidate("--skip-public-checks");
    expect(refused.result.code).toBe(2);
    expect(refused.result.json<{ error: { code: string } }>().error.code).toBe("USAGE");
    const { result, report } = await candidate("--skip-public-checks", "--allow-fixture");
    expect(result.code).toBe(1);
    expect(report).toMatchObject({ ready: false, fixture: true, public_checks: "skipped" });
    expect(failed(report).map((c) => c.id)).toEqual(["public-checks"]);
  });
});
