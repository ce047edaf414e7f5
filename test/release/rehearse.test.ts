/**
 * `bindery rehearse`: the whole chain on the bundled example, offline, ending with the publication
 * report and a passing audit; every report it wrote re-verifies, and none holds the work
 * directory's absolute path.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bindery } from "../support/cli.js";
import { tempDir } from "../support/tmp.js";

/** Every file under `dir`, recursively, relative to it. */
function files(dir: string, prefix = ""): string[] {
  return readdirSync(join(dir, prefix)).flatMap((name) => {
    const rel = prefix ? `${prefix}/${name}` : name;
    return statSync(join(dir, rel)).isDirectory() ? (name === ".git" ? [] : files(dir, rel)) : [rel];
  });
}

describe("bindery rehearse", () => {
  it("takes the example from dataset spec to a publication report and a passing audit, offline", async () => {
    const work = join(tempDir("bindery-rehearse-"), "rehearsal");
    const result = await bindery(["rehearse", "--workdir", work, "--json"]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const json = result.json<{ ok: boolean; steps: { name: string; ok: boolean; duration_ms: number }[]; artifacts: string[] }>();
    expect(json.ok).toBe(true);
    expect(json.steps.map((s) => s.name).slice(-14)).toEqual([
      "paper draft",
      "verify --release",
      "hub plan",
      "hub publish",
      "release candidate",
      "release replay",
      "index add",
      "release publication",
      "sign the evidence (keyless)",
      "attest the release",
      "release publication (evidence release)",
      "release audit",
      "index publish",
      "update by pin",
    ]);
    expect(json.steps.every((s) => s.ok && s.duration_ms >= 0)).toBe(true);
    expect(json.artifacts).toEqual(expect.arrayContaining(["evidence/publication_evidence_report.json", "evidence/release_audit_report.json", "replay/clean_machine_demo_report.json"]));

    const read = (file: string) => JSON.parse(readFileSync(join(work, file), "utf8"));
    expect(read("evidence/publication_evidence_report.json")).toMatchObject({ ok: true, generated_by: "bindery release publication" });
    expect(read("evidence/release_audit_report.json")).toMatchObject({ ok: true, generated_by: "bindery release audit", findings: [] });
    // The evidence is signed, and the audit checked every signature against the rehearsal's signer.
    const signatures = read("evidence/signatures/signatures.json");
    expect(signatures.signer).toMatchObject({ mode: "keyless", identity: "release@bindery.invalid" });
    expect(signatures.signatures.map((s: { label: string }) => s.label).sort()).toEqual(
      ["clean_machine_demo_report.json", "dataset/SHA256SUMS", "demo/SHA256SUMS", "hub_publish_report.json", "hub_release_plan.json", "model/SHA256SUMS", "model/training/training_run_SHA256SUMS", "paper/SHA256SUMS", "publication_evidence_report.json", "release_candidate_report.json", "release_index.json"].sort(),
    );
    const audit = read("evidence/release_audit_report.json").checks.find((c: { id: string }) => c.id === "signatures");
    expect(audit).toMatchObject({ ok: true, detail: `${signatures.signatures.length} signatures in signatures.json verify offline, signed by release@bindery.invalid (${signatures.signer.issuer}).` });
    expect(read("evidence/release_candidate_report.json")).toMatchObject({ ready: true });
    expect(read("replay/clean_machine_demo_report.json")).toMatchObject({ ok: true });
    // The release by its pin: the published model, byte for byte.
    expect(readFileSync(join(work, "pinned/model/manifest.json")).equals(readFileSync(join(work, "release/model/manifest.json")))).toBe(true);

    // Every report re-verifies: the release set, and the four reports bound again (offline).
    const verify = await bindery(["verify", "--release"], { cwd: work });
    expect(verify.code, verify.stdout).toBe(0);
    const again = await bindery(
      ["release", "publication", "--plan", "evidence/hub_release_plan.json", "--candidate", "evidence/release_candidate_report.json", "--publish-report", "evidence/hub_publish_report.json", "--replay-report", "replay/clean_machine_demo_report.json", "--output", "publication-again.json"],
      { cwd: work },
    );
    expect(again.code, again.stdout).toBe(0);

    // No file the rehearsal wrote holds the work directory's absolute path.
    const written = files(work).filter((f) => /^(release|runs|replay|evidence)\//.test(f) && /\.(json|md|cff|jsonl|log)$|SHA256SUMS$/.test(f));
    expect(written.length).toBeGreaterThan(100);
    for (const f of written) expect(readFileSync(join(work, f), "utf8").includes(work), f).toBe(false);
  });

  it("refuses a work directory that is not empty", async () => {
    const work = tempDir("bindery-rehearse-");
    writeFileSync(join(work, "mine.txt"), "keep\n");
    const result = await bindery(["rehearse", "--workdir", ".", "--json"], { cwd: work });
    expect(result.code).toBe(3);
    expect(result.json<{ error: { code: string; message: string } }>().error).toEqual(expect.objectContaining({ code: "OUTPUT_EXISTS", message: "--workdir . is not empty; a rehearsal starts from a fresh copy of the example." }));
    expect(readdirSync(work)).toEqual(["mine.txt"]);
  });
});
