/**
 * A signed release, audited: the tutorial's release published and proven on the loopback
 * emulators, its evidence signed keyless (`sign --from-publication`) and uploaded with it; then
 * `release audit` checks every bundle against the expected signer. One mutation at a time: a
 * swapped bundle, the same swap re-sealed into signatures.json, and another expected signer.
 */
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Octokit } from "@octokit/rest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bindery, type CliResult } from "../support/cli.js";
import { identityOfBytes, prettyJson, startEmulators, type Emulators } from "../support/lib.js";
import { proveRelease, readJsonAt, releaseProject } from "../support/release.js";
import { suiteTempDir } from "../support/tmp.js";

let emulators: Emulators;
let project: string;
let publicationUrl: string;
beforeAll(async () => {
  emulators = await startEmulators();
});
afterAll(() => emulators.close());

/** The signed release, built once (inside the first test, where temp directories can be made) and kept for the file. */
let built: Promise<void> | undefined;
const signedRelease = () => (built ??= build());
async function build(): Promise<void> {
  project = join(suiteTempDir(), "sensors-release");
  cpSync(releaseProject(), project, { recursive: true });
  await proveRelease(project, emulators.env);
  const env = { ...emulators.env, BINDERY_RETRY_BASE_MS: "5" };
  const publication = ["release", "publication", "--plan", "plan.json", "--candidate", "candidate.json", "--publish-report", "publish.json", "--replay-report", "replay/clean_machine_demo_report.json", "--output", "evidence/publication_evidence_report.json"];
  for (const args of [
    publication,
    ["sign", "--from-publication", "evidence/publication_evidence_report.json", "--plan", "plan.json", "--candidate", "candidate.json", "--publish-report", "publish.json", "--replay-report", "replay/clean_machine_demo_report.json", "--output-dir", "evidence/signatures"],
    [...publication, "--upload", "--signatures", "evidence/signatures"],
  ]) {
    const r = await bindery(args, { cwd: project, env });
    expect(r.code, `${args.join(" ")}\n${r.stdout}${r.stderr}`).toBe(0);
  }
  writeFileSync(join(project, "trusted_root.json"), JSON.stringify(emulators.sigstore.trustedRoot));
  publicationUrl = `${readJsonAt(project, "evidence/publication_evidence_report.json").evidence_release.assets_url}/publication_evidence_report.json`;
}

const audit = async (identity = "release@bindery.invalid") => {
  await signedRelease();
  return bindery(["release", "audit", "--publication", publicationUrl, "--signer-identity", identity, "--signer-issuer", emulators.sigstore.issuer, "--trusted-root", "trusted_root.json", "--json"], {
    cwd: project,
    env: { ...emulators.env, HF_TOKEN: undefined, GITHUB_TOKEN: undefined },
  });
};
const codesOf = (r: CliResult) => {
  const doc = JSON.parse(r.stdout) as { findings?: { code: string; path: string }[]; error?: { findings: { code: string; path: string }[] } };
  return (doc.findings ?? doc.error?.findings ?? []).map((f) => `${f.code} ${f.path}`);
};

/** Replaces a release asset of the evidence release with other bytes, as a forger with write access could. */
async function replaceAsset(name: string, bytes: Buffer): Promise<void> {
  const octokit = new Octokit({ auth: "ghp_forger", baseUrl: emulators.github.apiOrigin, log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} } });
  const release = (await octokit.rest.repos.listReleases({ owner: "example", repo: "sensors" })).data.find((r) => r.tag_name === "v0.1.0-evidence")!;
  const asset = (await octokit.rest.repos.listReleaseAssets({ owner: "example", repo: "sensors", release_id: release.id, per_page: 100 })).data.find((a) => a.name === name)!;
  await octokit.rest.repos.deleteReleaseAsset({ owner: "example", repo: "sensors", asset_id: asset.id });
  await octokit.rest.repos.uploadReleaseAsset({ owner: "example", repo: "sensors", release_id: release.id, name, data: bytes as unknown as string, baseUrl: new URL(release.upload_url.replace(/\{.*\}$/, "")).origin, headers: { "content-type": "application/octet-stream", "content-length": bytes.length } });
}

describe("release audit, on a signed release", () => {
  it("verifies every bundle in signatures.json against the expected signer", { timeout: 120_000 }, async () => {
    const r = await audit();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const listed = readJsonAt(project, "evidence/signatures/signatures.json").signatures.length;
    expect(listed).toBe(10);
    const row = r.json<{ checks: { id: string; ok: boolean; detail: string }[] }>().checks.find((c) => c.id === "signatures");
    expect(row).toMatchObject({ ok: true, detail: `${listed} signatures in signatures.json verify offline, signed by release@bindery.invalid (${emulators.sigstore.issuer}).` });
  });

  it("refuses another expected signer (SIGNER_MISMATCH, every bundle)", async () => {
    const r = await audit("someone-else@bindery.invalid");
    expect(r.code).toBe(1);
    const codes = codesOf(r);
    expect(codes).toHaveLength(10);
    expect(new Set(codes.map((c) => c.split(" ")[0]))).toEqual(new Set(["SIGNER_MISMATCH"]));
  });

  it("refuses a swapped bundle (IDENTITY_MISMATCH), and the same swap re-sealed into signatures.json (SIGNATURE_INVALID)", async () => {
    await signedRelease();
    const dir = join(project, "evidence/signatures");
    const other = readFileSync(join(dir, "dataset.SHA256SUMS.sigstore.json"));
    await replaceAsset("model.SHA256SUMS.sigstore.json", other);
    const swapped = await audit();
    expect(swapped.code).toBe(1);
    expect(codesOf(swapped)).toEqual(["IDENTITY_MISMATCH model.SHA256SUMS.sigstore.json"]);

    // The forger also re-seals signatures.json: the bundle now matches its listing, but not the bytes it claims to sign.
    const listing = readJsonAt(dir, "signatures.json");
    listing.signatures.find((s: { label: string }) => s.label === "model/SHA256SUMS").bundle = identityOfBytes("model.SHA256SUMS.sigstore.json", other);
    await replaceAsset("signatures.json", Buffer.from(prettyJson(listing)));
    const resealed = await audit();
    expect(resealed.code).toBe(1);
    expect(codesOf(resealed)).toEqual(["SIGNATURE_INVALID model/SHA256SUMS"]);
  });
});
