/**
 * The evidence release and `bindery release audit`: the publication's evidence uploaded to the
 * evidence tag and checked back, an audit from the publication report's URL alone, and the
 * attacks an auditor must catch, each with the file named.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Octokit } from "@octokit/rest";
import { afterAll, describe, expect, it } from "vitest";
import { bindery, CANARIES } from "../support/cli.js";
import { identityOfBytes, prettyJson, startEmulators, type Emulators } from "../support/lib.js";
import { proveRelease, releaseProject } from "../support/release.js";
import { tempDir } from "../support/tmp.js";

let emulators: Emulators | undefined;
afterAll(async () => {
  await emulators?.close();
});

/** A fresh published, proven and evidenced release (each test gets its own emulators' state). */
async function evidenced() {
  await emulators?.close();
  emulators = await startEmulators();
  const project = releaseProject();
  await proveRelease(project, emulators.env, { publication: true });
  const anonymous = { ...emulators.env, HF_TOKEN: undefined, GITHUB_TOKEN: undefined };
  const publication = JSON.parse(readFileSync(join(project, "publication.json"), "utf8"));
  const url = `${publication.evidence_release.assets_url}/publication_evidence_report.json`;
  const audit = (source = url) => bindery(["release", "audit", "--publication", source, "--json"], { cwd: project, env: anonymous });
  const octokit = new Octokit({ auth: CANARIES.GITHUB_TOKEN, baseUrl: emulators.github.apiOrigin, log: { debug() {}, info() {}, warn() {}, error() {} } });
  /** Replaces an evidence asset with other bytes, as someone with write access could. */
  const replaceEvidence = async (name: string, bytes: Buffer) => {
    const release = emulators!.github.releases("example", "sensors").find((r) => r.tagName === "v0.1.0-evidence")!;
    const asset = release.assets.find((a) => a.name === name)!;
    await octokit.rest.repos.deleteReleaseAsset({ owner: "example", repo: "sensors", asset_id: asset.id });
    await octokit.rest.repos.uploadReleaseAsset({ owner: "example", repo: "sensors", release_id: release.id, name, data: bytes as unknown as string, baseUrl: emulators!.github.uploadOrigin, headers: { "content-type": "application/octet-stream", "content-length": bytes.length } });
  };
  return { project, publication, url, audit, replaceEvidence };
}

type Found = { code: string; path: string; message: string };

describe("the evidence release and bindery release audit", () => {
  it("uploads the evidence to its own release, and audits the release from the publication URL alone", async () => {
    const { project, audit } = await evidenced();
    const assets = JSON.parse(readFileSync(join(project, "assets.json"), "utf8"));
    expect(assets.assets.map((a: { name: string }) => a.name)).toEqual(
      expect.arrayContaining(["hub_release_plan.json", "hub_publish_report.json", "release_candidate_report.json", "clean_machine_demo_report.json", "publication_evidence_report.json", "replay.terminal_demo_manifest.json", "replay.transcript.md"]),
    );
    const evidence = emulators!.github.releases("example", "sensors").find((r) => r.tagName === "v0.1.0-evidence")!;
    expect(evidence.draft).toBe(false);
    expect(evidence.assets.map((a) => [a.name, a.digest]).sort()).toEqual(assets.assets.map((a: { name: string; sha256: string }) => [a.name, `sha256:${a.sha256}`]).sort());
    // The release itself is untouched by the evidence.
    expect(emulators!.github.releases("example", "sensors").find((r) => r.tagName === "v0.1.0")!.assets).toHaveLength(13);

    const result = await audit();
    expect(result.code, result.stdout).toBe(0);
    const json = result.json<{ ok: boolean; checks: { id: string; ok: boolean }[]; findings: Found[] }>();
    expect(json.ok).toBe(true);
    expect(json.findings).toEqual([]);
    // An unsigned release: the signatures row says there is nothing signed to check.
    expect(json.checks.find((c) => c.id === "signatures")).toMatchObject({ ok: true, detail: "the evidence release holds no signatures.json: nothing signed to check." });
    expect(json.checks.map((c) => c.id)).toEqual(["evidence", "signatures", "chain", "tag:hub:model", "files:hub:model", "bytes:hub:model", "tag:hub:dataset", "files:hub:dataset", "bytes:hub:dataset", "files:github:release", "bytes:github:release"]);
  });

  it("catches a byte changed on the host after publication, naming the file", async () => {
    const { audit } = await evidenced();
    emulators!.hub.faults.inject({ path: "/resolve/v0.1.0/config.json", fault: { kind: "wrong-bytes" }, times: 10 });
    const result = await audit();
    expect(result.code).toBe(1);
    const findings = result.json<{ findings: Found[] }>().findings;
    expect(findings.map((f) => [f.code, f.path])).toEqual([["IDENTITY_MISMATCH", "model/config.json"]]);
  });

  it("catches an evidence asset replaced, naming it", async () => {
    const { project, audit, replaceEvidence } = await evidenced();
    const edited = readFileSync(join(project, "candidate.json"), "utf8").replace('"detail": "the plan is release', '"detail": "The plan is release');
    await replaceEvidence("release_candidate_report.json", Buffer.from(edited));
    const result = await audit();
    expect(result.code).toBe(1);
    const findings = result.json<{ findings: Found[] }>().findings;
    expect(findings.map((f) => [f.code, f.path])).toEqual([["IDENTITY_MISMATCH", "release_candidate_report.json"]]);
    expect(findings[0]!.message).toMatch(/^release_candidate_report\.json in the evidence release is sha256 [0-9a-f]{64} \(\d+ bytes\), but the publication report binds [0-9a-f]{64}/);
  });

  it("catches a publication report whose bound candidate report was edited (and re-bound), naming the broken link", async () => {
    const { project, audit, replaceEvidence } = await evidenced();
    const edited = Buffer.from(readFileSync(join(project, "candidate.json"), "utf8").replace('"detail": "the plan is release', '"detail": "The plan is release'));
    await replaceEvidence("release_candidate_report.json", edited);
    const forged = JSON.parse(readFileSync(join(project, "publication.json"), "utf8"));
    forged.candidate = identityOfBytes("release_candidate_report.json", edited);
    const dir = tempDir();
    writeFileSync(join(dir, "publication.json"), prettyJson(forged));
    const result = await audit(join(dir, "publication.json"));
    expect(result.code).toBe(1);
    const findings = result.json<{ findings: Found[] }>().findings;
    expect(findings.map((f) => [f.code, f.path])).toEqual([["DISAGREEMENT", "clean_machine_demo_report.json"]]);
    expect(findings[0]!.message).toMatch(/^clean_machine_demo_report\.json replayed candidate report [0-9a-f]{64}, but the publication binds [0-9a-f]{64}\.$/);
  });
});

