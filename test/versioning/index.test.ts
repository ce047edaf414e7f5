/**
 * The release index end to end, on the tutorial's release published to the loopback emulators:
 * index add (from the model package and the plan), index publish (a conditional commit, merged
 * with what is there), resolve and update by the published URL, and a yank seen by resolve,
 * verify and the CHANGELOG.
 */
import { createHash } from "node:crypto";
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bindery, type CliResult } from "../support/cli.js";
import { startEmulators, type Emulators } from "../support/lib.js";
import { readJsonAt, releaseProject } from "../support/release.js";

let emulators: Emulators;
beforeAll(async () => {
  emulators = await startEmulators();
});
afterAll(() => emulators.close());

const publishing = () => ({ ...emulators.env, BINDERY_RETRY_BASE_MS: "5" });
const anonymous = () => ({ ...emulators.env, HF_TOKEN: undefined, GITHUB_TOKEN: undefined, BINDERY_RETRY_BASE_MS: "5" });
const ok = (r: CliResult, what: string) => expect(r.code, `${what}\n${r.stdout}${r.stderr}`).toBe(0);

describe("the release index, end to end", () => {
  it("adds, publishes, resolves, updates and yanks the tutorial's release", async () => {
    const project = releaseProject();
    const run = (args: string[], env = publishing()) => bindery(args, { cwd: project, env });
    ok(await run(["hub", "plan", "--output", "plan.json"]), "hub plan");
    ok(await run(["hub", "publish", "--plan", "plan.json", "--output", "publish.json"]), "hub publish");

    // index add: the model id is the manifest's sha256, and the manifest URL is where the plan put it.
    const added = await run(["index", "add", "--plan", "plan.json", "--date", "2026-11-01", "--json"]);
    ok(added, "index add");
    const modelId = createHash("sha256").update(readFileSync(join(project, "release/model/manifest.json"))).digest("hex");
    const hub = emulators.env.HF_ENDPOINT;
    expect(added.json<{ added: boolean; entry: unknown }>()).toMatchObject({
      added: true,
      entry: {
        model_version: "0.1.0",
        release_id: "sensors-v0.1.0-r1",
        model_id: modelId,
        manifest_url: `${hub}/example/sensors-fault-lr/resolve/v0.1.0/manifest.json`,
        artifact_base_url: `${hub}/example/sensors-fault-lr/resolve/v0.1.0/`,
        tag: "v0.1.0",
        added_at: "2026-11-01",
        yanked: false,
      },
    });
    const first = readFileSync(join(project, "release_index.json"), "utf8");
    const again = await run(["index", "add", "--plan", "plan.json"]);
    ok(again, "index add, again");
    expect(again.stdout).toMatch(/^ALREADY  sensors-v0\.1\.0-r1 /);
    expect(readFileSync(join(project, "release_index.json"), "utf8")).toBe(first);

    // index publish: to hub.index_repo; the printed URL is what resolve takes.
    const published = await run(["index", "publish", "--json"]);
    ok(published, "index publish");
    const pub = published.json<{ url: string; outcome: string; commit: string; repo: string }>();
    expect(pub).toMatchObject({ repo: "example/sensors-releases", outcome: "uploaded", url: `${hub}/example/sensors-releases/resolve/main/release_index.json` });
    const idle = await run(["index", "publish", "--json"]);
    ok(idle, "index publish, again");
    expect(idle.json()).toMatchObject({ outcome: "already_present", commit: pub.commit });

    // resolve and update, anonymously, by the URL.
    const resolved = await run(["resolve", "sensors", "--index", pub.url], anonymous());
    ok(resolved, "resolve");
    expect(resolved.stdout).toContain(`sensors@0.1.0+sha256:${modelId}  sensors-v0.1.0-r1`);
    expect(resolved.stdout).toContain("latest: 0.1.0 is the newest stable release that is not yanked");
    const updated = await run(["update", `sensors@0.1.0+sha256:${modelId}`, "--index", pub.url, "--to", "fetched", "--json"], anonymous());
    ok(updated, "update");
    expect(updated.json()).toMatchObject({ model_id: modelId, to: "fetched" });
    const manifest = readJsonAt(join(project, "release/model"), "manifest.json");
    expect(readdirSync(join(project, "fetched")).sort()).toEqual(["manifest.json", ...manifest.files.map((f: { path: string }) => f.path)].sort());
    ok(await run(["model", "manifest", "--model-dir", "fetched", "--verify"]), "the fetched model verifies");

    // A second maintainer's index, made before the first one's publish: publishing merges, losing nothing.
    const other = JSON.parse(first);
    other.releases = [{ ...other.releases[0], model_version: "0.1.1", release_id: "sensors-v0.1.1-r1", model_id: "1".repeat(64) }];
    writeFileSync(join(project, "other_index.json"), JSON.stringify(other));
    const merged = await run(["index", "publish", "--index", "other_index.json", "--json"]);
    ok(merged, "index publish, merging");
    expect(merged.json()).toMatchObject({ outcome: "uploaded", releases: 2, pulled: ["sensors-v0.1.0-r1"] });
    expect(readJsonAt(project, "other_index.json").releases.map((e: { release_id: string }) => e.release_id)).toEqual(["sensors-v0.1.0-r1", "sensors-v0.1.1-r1"]);

    // yank: the index, the CHANGELOG and the revocation list; resolve, verify and changelog check see it.
    const yanked = await run(["yank", "sensors-v0.1.0-r1", "--reason", "the scaler was fit on the test split", "--upgrade-to", "0.1.1", "--index", "other_index.json", "--date", "2026-11-20"]);
    ok(yanked, "yank");
    expect(yanked.stdout).toMatch(/^YANKED  sensors-v0\.1\.0-r1 \(model id [0-9a-f]{64}\): the scaler was fit on the test split; upgrade to 0\.1\.1\n/);
    const changelog = readFileSync(join(project, "CHANGELOG.md"), "utf8");
    expect(changelog).toMatch(/^## \[0\.1\.0\] - \d{4}-\d{2}-\d{2} \[YANKED\]\n\nYanked on 2026-11-20: the scaler was fit on the test split\. Upgrade to 0\.1\.1\.\n/m);
    ok(await run(["changelog", "check", "--release", "0.1.0"]), "the yanked CHANGELOG still passes");
    expect(readJsonAt(project, "revocations.json")).toEqual({
      schema_version: "1.0.0",
      generated_by: "bindery yank",
      revoked: [{ model_id: modelId, release_id: "sensors-v0.1.0-r1", model_version: "0.1.0", reason: "the scaler was fit on the test split", upgrade_to: "0.1.1", date: "2026-11-20" }],
    });

    const verified = await run(["verify", "--revocations", "revocations.json", "--json"]);
    ok(verified, "verify --revocations: a yanked model still verifies");
    const model = verified.json<{ packages: { package: string; findings: { code: string; severity: string; message: string }[] }[] }>().packages.find((p) => p.package === "model")!;
    expect(model.findings.map((f) => [f.code, f.severity])).toEqual([["MODEL_YANKED", "warning"]]);
    expect(model.findings[0]!.message).toContain("was yanked on 2026-11-20: the scaler was fit on the test split; upgrade to 0.1.1");

    ok(await run(["index", "publish", "--index", "other_index.json"]), "index publish, the yank");
    const latest = await run(["resolve", "sensors", "--index", pub.url, "--json"], anonymous());
    ok(latest, "resolve after the yank");
    expect(latest.json()).toMatchObject({ resolved: { release_id: "sensors-v0.1.1-r1", by: "latest" } });
    expect(latest.json<{ resolved: { reason: string } }>().resolved.reason).toBe("latest: 0.1.1 is the newest stable release that is not yanked");
    const pinned = await run(["resolve", "sensors@0.1.0", "--index", pub.url], anonymous());
    ok(pinned, "resolve the yanked release, pinned exactly");
    expect(pinned.stdout).toContain("MODEL_YANKED (warning)");

    // The first maintainer's stale index (no yank) cannot undo the yank.
    ok(await run(["index", "publish"]), "index publish, a stale copy");
    const after = await run(["resolve", "sensors", "--index", pub.url, "--json"], anonymous());
    expect(after.json()).toMatchObject({ resolved: { release_id: "sensors-v0.1.1-r1" } });
    expect(readJsonAt(project, "release_index.json").releases.find((e: { release_id: string }) => e.release_id === "sensors-v0.1.0-r1").yanked).toBe(true);
  });

  it("refuses an index entry or a publish that would rebind a release, touching nothing", async () => {
    const project = releaseProject();
    const run = (args: string[], env: NodeJS.ProcessEnv = publishing()) => bindery([...args, "--json"], { cwd: project, env });
    ok(await run(["hub", "plan", "--offline", "--output", "plan.json"]), "hub plan --offline");
    const refused = async (args: string[], exit: number, code: string, message: RegExp, env?: NodeJS.ProcessEnv) => {
      const r = await run(args, env);
      expect(r.code, r.stdout + r.stderr).toBe(exit);
      const { error } = r.json<{ error: { code: string; message: string } }>();
      expect(error.code).toBe(code);
      expect(error.message).toMatch(message);
    };

    // A model package whose manifest is not the one the plan published.
    cpSync(join(project, "release/model"), join(project, "other-model"), { recursive: true });
    writeFileSync(join(project, "other-model/manifest.json"), `${readFileSync(join(project, "other-model/manifest.json"), "utf8")}\n`);
    await refused(["index", "add", "--plan", "plan.json", "--model-dir", "other-model"], 1, "DISAGREEMENT", /^other-model\/manifest\.json is model id [0-9a-f]{64}, but plan\.json published a manifest with sha256 [0-9a-f]{64}; the index must name the bytes that were published\.$/);
    expect(existsSync(join(project, "release_index.json"))).toBe(false);

    // An index of another model.
    ok(await run(["index", "add", "--plan", "plan.json"]), "index add");
    const index = readJsonAt(project, "release_index.json");
    writeFileSync(join(project, "lines.json"), JSON.stringify({ ...index, name: "lines", releases: [] }));
    await refused(["index", "add", "--plan", "plan.json", "--index", "lines.json"], 1, "DISAGREEMENT", /^lines\.json is the index of lines, and sensors-v0\.1\.0-r1 is a release of sensors\.$/);

    // Publishing needs a token, and never rebinds what is published.
    await refused(["index", "publish", "--repo", "example/rebind"], 3, "CREDENTIALS_MISSING", /^HF_TOKEN is not set/, { ...publishing(), HF_TOKEN: undefined });
    ok(await run(["index", "publish", "--repo", "example/rebind"]), "index publish");
    writeFileSync(join(project, "rebound.json"), JSON.stringify({ ...index, releases: [{ ...index.releases[0], model_id: "f".repeat(64) }] }));
    const before = readFileSync(join(project, "rebound.json"), "utf8");
    await refused(["index", "publish", "--repo", "example/rebind", "--index", "rebound.json"], 1, "DISAGREEMENT", /^sensors-v0\.1\.0-r1 is model id f{64} here but [0-9a-f]{64} in the published index; a published release is never rebound\.$/);
    expect(readFileSync(join(project, "rebound.json"), "utf8")).toBe(before);
  });
});
