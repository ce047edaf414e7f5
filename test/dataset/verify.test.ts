/**
 * `bindery dataset verify`: one package built by the real CLI, then one mutation per test,
 * re-bound so that only the targeted check can fire, and the exact set of finding codes asserted.
 */
import { appendFileSync, existsSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bindery } from "../support/cli.js";
import { editJson, packagedCopy, readJson, rebind, verify } from "../support/dataset.js";
import { tempDir } from "../support/tmp.js";

function replaceIn(dir: string, name: string, from: string, to: string): void {
  const text = readFileSync(join(dir, name), "utf8");
  expect(text).toContain(from);
  writeFileSync(join(dir, name), text.replace(from, to));
}

function setSumsLines(dir: string, edit: (lines: string[]) => string[]): void {
  const lines = readFileSync(join(dir, "SHA256SUMS"), "utf8").trimEnd().split("\n");
  writeFileSync(join(dir, "SHA256SUMS"), `${edit(lines).join("\n")}\n`);
}

describe("bindery dataset verify", () => {
  it("passes a fresh package, exit 0, having hashed every file and parsed every record", async () => {
    const dir = await packagedCopy();
    const { result, json, codes } = await verify(dir, "--release");
    expect(result.code, result.stderr).toBe(0);
    expect(codes).toEqual([]);
    expect(json.checked).toEqual({ files: 11, records: 20, deep: true });
    expect((await verify(dir)).json.checked).toEqual({ files: 11, records: 20, deep: false });
  });

  it("lists every finding, not just the first, with exit 1 and one paragraph on stderr", async () => {
    const dir = await packagedCopy();
    appendFileSync(join(dir, "data_card.md"), "edited\n");
    writeFileSync(join(dir, "stray.txt"), "not listed\n");
    const { result, codes } = await verify(dir);
    expect(result.code).toBe(1);
    expect(codes).toEqual(["CHECKSUM_MISMATCH", "EXTRA_FILE", "STALE_RENDER"]);
    expect(result.stderr).toMatch(/^bindery dataset verify: VERIFICATION_FAILED: .*problems found/);
    const human = await bindery(["dataset", "verify", "--dataset-dir", dir]);
    expect(human.stdout).toMatch(/^STALE_RENDER {2}data_card\.md differs from its render at line \d+/m);
    expect(human.stdout).toMatch(/^FAIL {2}/m);
  });

  describe("SHA256SUMS", () => {
    const cases: [string, (dir: string) => void, string[], RegExp][] = [
      ["a changed digest", (dir) => setSumsLines(dir, (l) => l.map((line) => (line.endsWith("  croissant.json") ? `${"0".repeat(64)}  croissant.json` : line))), ["CHECKSUM_MISMATCH"], /croissant\.json has sha256 [0-9a-f]{64}, but SHA256SUMS says 0{64}/],
      ["a duplicate line", (dir) => setSumsLines(dir, (l) => [...l, l[0]!]), ["DUPLICATE_PATH"], /SHA256SUMS line 11: "croissant\.json" is already listed on line 1/],
      ["a malformed line", (dir) => setSumsLines(dir, (l) => [...l, "not a checksum line"]), ["MALFORMED_SUMS_LINE"], /SHA256SUMS line 11: expected two spaces/],
      ["a missing line", (dir) => setSumsLines(dir, (l) => l.filter((line) => !line.endsWith("  data_card.md"))), ["EXTRA_FILE"], /data_card\.md is present but not listed in SHA256SUMS/],
      ["a line for a file that is not there", (dir) => setSumsLines(dir, (l) => [...l, `${"1".repeat(64)}  data/extra.jsonl`]), ["MISSING_FILE"], /data\/extra\.jsonl is listed in SHA256SUMS but not present/],
      ["no SHA256SUMS at all", (dir) => unlinkSync(join(dir, "SHA256SUMS")), ["MISSING_FILE"], /SHA256SUMS is missing/],
    ];
    for (const [name, mutate, expected, message] of cases) {
      it(`rejects ${name}`, async () => {
        const dir = await packagedCopy();
        mutate(dir);
        const { result, json, codes } = await verify(dir);
        expect(result.code).toBe(1);
        expect(codes).toEqual(expected);
        expect(json.findings.map((f) => f.message).join("\n")).toMatch(message);
      });
    }
  });

  it("rejects a stale data card, naming the first differing line", async () => {
    const dir = await packagedCopy();
    replaceIn(dir, "data_card.md", "| train | 1 | 12 |", "| train | 1 | 13 |");
    await rebind(dir, { renders: false });
    const { json, codes } = await verify(dir);
    expect(codes).toEqual(["STALE_RENDER"]);
    expect(json.findings[0]).toMatchObject({ path: "data_card.md", message: expect.stringContaining('expected "| train | 1 | 12 |') });
  });

  it("rejects a stale croissant.json", async () => {
    const dir = await packagedCopy();
    editJson(dir, "croissant.json", (c) => (c.distribution[0].contentSize = "1 B"));
    await rebind(dir, { renders: false });
    const { json, codes } = await verify(dir);
    expect(codes).toEqual(["STALE_RENDER"]);
    expect(json.findings[0]!.path).toBe("croissant.json");
  });

  it("rejects a stale dataset_manifest.json (a file moved to another split)", async () => {
    const dir = await packagedCopy();
    editJson(dir, "dataset_manifest.json", (m) => (m.files.find((f: any) => f.path === "data/test.jsonl").split = "train"));
    await rebind(dir);
    const { json, codes } = await verify(dir);
    expect(codes).toEqual(["STALE_RENDER"]);
    expect(json.findings.map((f) => f.path)).toEqual(["dataset_manifest.json"]);
  });

  it("rejects a manifest identity that does not match the payload", async () => {
    const dir = await packagedCopy();
    editJson(dir, "dataset_manifest.json", (m) => (m.files[0].sha256 = "a".repeat(64)));
    await rebind(dir);
    const { json, codes } = await verify(dir);
    // The snapshot report still names the real bytes, so it disagrees with the manifest too.
    expect(codes).toEqual(["DISAGREEMENT", "IDENTITY_MISMATCH"]);
    expect(json.findings.find((f) => f.code === "IDENTITY_MISMATCH")!.message).toMatch(/^data\/test\.jsonl has sha256 [0-9a-f]{64}, but dataset_manifest\.json says a{64}/);
  });

  it("rejects split_integrity.json with a foreign generated_by", async () => {
    const dir = await packagedCopy();
    editJson(dir, "split_integrity.json", (d) => (d.generated_by = "someone else's script"));
    await rebind(dir);
    const { json, codes } = await verify(dir);
    expect(codes).toEqual(["FOREIGN_GENERATOR"]);
    expect(json.findings[0]!.message).toContain('its generated_by is "someone else\'s script", not "bindery dataset integrity"');
  });

  it("rejects split_integrity.json without comparable keys", async () => {
    const dir = await packagedCopy();
    editJson(dir, "split_integrity.json", (d) => (d.key_fields = []));
    await rebind(dir);
    const { json, codes } = await verify(dir);
    expect(codes).toEqual(["NO_COMPARABLE_KEYS"]);
    expect(json.findings[0]!.message).toContain("names no key fields");
  });

  it("rejects split_integrity.json whose counts no longer match the data", async () => {
    const dir = await packagedCopy();
    editJson(dir, "split_integrity.json", (d) => {
      d.splits[2].records = 6;
      d.splits[2].files[0].records = 6;
    });
    await rebind(dir);
    const { json, codes } = await verify(dir);
    expect(codes).toEqual(["COUNT_MISMATCH"]);
    expect(json.findings.map((f) => f.message)).toEqual([
      "split_integrity.json says split test has 6 records, but the data has 5.",
      "split_integrity.json says data/test.jsonl has 6 records, but the data has 5.",
    ]);
  });

  it("rejects split_integrity.json whose numbers were edited, when --deep re-derives them", async () => {
    const dir = await packagedCopy();
    editJson(dir, "split_integrity.json", (d) => (d.splits[0].distinct_keys = 11));
    await rebind(dir);
    // The default pass recounts records only; a number it cannot recount is re-derived by --deep.
    expect((await verify(dir)).codes).toEqual([]);
    const { json, codes } = await verify(dir, "--deep");
    expect(codes).toEqual(["STALE_RENDER"]);
    expect(json.findings[0]!.message).toBe("split_integrity.json no longer matches the analysis re-derived from the data now: /splits differs.");
    expect((await verify(dir, "--release")).codes).toEqual(["STALE_RENDER"]);
  });

  it("rejects a missing snapshot report that the package references", async () => {
    const dir = await packagedCopy();
    unlinkSync(join(dir, "dataset_snapshot_report.json"));
    await rebind(dir);
    const { json, codes } = await verify(dir);
    expect(codes).toEqual(["MISSING_FILE"]);
    expect(json.findings.map((f) => f.message)).toContain("dataset_snapshot_report.json is named by dataset_package.json but does not exist.");
  });

  it("rejects a missing input check report that the package references", async () => {
    const dir = await packagedCopy();
    unlinkSync(join(dir, "dataset_input_check_report.json"));
    await rebind(dir);
    const { json, codes } = await verify(dir);
    expect(codes).toEqual(["MISSING_FILE"]);
    expect(json.findings.map((f) => f.message)).toEqual([
      "dataset_snapshot_report.json names dataset_input_check_report.json, which is missing.",
      "dataset_input_check_report.json is named by dataset_package.json but does not exist.",
      "dataset_input_check_report.json is listed in dataset_package.json and its referenced reports but not present.",
    ]);
  });

  it("rejects a stale snapshot report: the package names other bytes", async () => {
    const dir = await packagedCopy();
    editJson(dir, "dataset_snapshot_report.json", (d) => (d.sources[0].license = "cc-by-3.0"));
    await rebind(dir, { identities: false, renders: false });
    const { json, codes } = await verify(dir);
    expect(codes).toEqual(["IDENTITY_MISMATCH"]);
    expect(json.findings[0]!.message).toMatch(/^dataset_snapshot_report\.json has sha256 [0-9a-f]{64}, but dataset_package\.json says [0-9a-f]{64}\.$/);
  });

  it("rejects a snapshot report built from another spec than the input check", async () => {
    const dir = await packagedCopy();
    editJson(dir, "dataset_snapshot_report.json", (d) => (d.spec_sha256 = "b".repeat(64)));
    await rebind(dir);
    const { json, codes } = await verify(dir);
    expect(codes).toEqual(["DISAGREEMENT"]);
    expect(json.findings[0]!.message).toMatch(/was built from spec b{64}, but dataset_input_check_report\.json checked the inputs of spec [0-9a-f]{64}/);
  });

  it("rejects a snapshot report whose outputs are not the packaged payload", async () => {
    const dir = await packagedCopy();
    editJson(dir, "dataset_snapshot_report.json", (d) => (d.outputs[0].size += 1));
    await rebind(dir);
    const { codes } = await verify(dir);
    expect(codes).toEqual(["DISAGREEMENT"]);
  });

  it("rejects a private path in a snapshot report", async () => {
    const dir = await packagedCopy();
    editJson(dir, "dataset_snapshot_report.json", (d) => (d.build.files[0].source = "/home/alice/private/train.jsonl"));
    await rebind(dir);
    const { json, codes } = await verify(dir);
    expect(codes).toEqual(["PRIVATE_PATH"]);
    expect(json.findings[0]).toMatchObject({ path: "dataset_snapshot_report.json", field: "/build/files/0/source" });
  });

  it("rejects an input check report that records a failure", async () => {
    const dir = await packagedCopy();
    editJson(dir, "dataset_input_check_report.json", (d) => {
      d.ok = false;
      d.blockers = ["source train: train.jsonl is not staged."];
    });
    await rebind(dir);
    const { json, codes } = await verify(dir);
    expect(codes).toEqual(["REPORT_NOT_OK"]);
    expect(json.findings[0]!.message).toContain("records a failed input check: source train: train.jsonl is not staged.");
  });

  it("rejects a private path in the package's description, in the JSON and in the card", async () => {
    const dir = await packagedCopy();
    editJson(dir, "dataset_package.json", (p) => (p.dataset.description = "Built in /home/alice/work from the crawl."));
    await rebind(dir);
    const { json, codes } = await verify(dir);
    expect(codes).toEqual(["PRIVATE_PATH"]);
    expect(json.findings.map((f) => f.path).sort()).toEqual(["data_card.md", "dataset_package.json"]);
  });

  it("rejects placeholder wording unless --allow-placeholders, which keeps it as a warning", async () => {
    const dir = await packagedCopy();
    editJson(dir, "dataset_package.json", (p) => (p.dataset.description = "TODO: describe the data."));
    await rebind(dir);
    expect((await verify(dir)).codes).toEqual(["PLACEHOLDER_TEXT"]);
    const allowed = await verify(dir, "--allow-placeholders");
    expect(allowed.result.code).toBe(0);
    expect(allowed.json.findings).toMatchObject([{ code: "PLACEHOLDER_TEXT", severity: "warning", field: "/dataset/description" }]);
  });

  it("rejects a package JSON with a foreign generated_by", async () => {
    const dir = await packagedCopy();
    editJson(dir, "dataset_package.json", (p) => (p.generated_by = "bindery model package"));
    await rebind(dir);
    expect((await verify(dir)).codes).toEqual(["FOREIGN_GENERATOR"]);
  });

  it("rejects a file the package does not declare, even when SHA256SUMS lists it", async () => {
    const dir = await packagedCopy();
    writeFileSync(join(dir, "notes.txt"), "an undeclared file\n");
    await rebind(dir);
    const { json, codes } = await verify(dir);
    expect(codes).toEqual(["EXTRA_FILE"]);
    expect(json.findings[0]!.message).toBe("notes.txt is present but not listed in dataset_package.json and its referenced reports.");
  });

  it("rejects a package whose split totals disagree with the manifest", async () => {
    const dir = await packagedCopy();
    editJson(dir, "dataset_package.json", (p) => (p.splits[0].bytes += 1));
    // The card restates the totals; it is re-rendered so only the package's own claim is wrong.
    await rebind(dir);
    const { codes } = await verify(dir);
    expect(codes).toEqual(["DISAGREEMENT"]);
  });

  it("with --release, requires the snapshot and input-check reports", async () => {
    const dir = await packagedCopy();
    for (const name of ["dataset_snapshot_report.json", "dataset_input_check_report.json"]) unlinkSync(join(dir, name));
    editJson(dir, "dataset_package.json", (p) => {
      p.snapshot_report = null;
      p.input_check_report = null;
    });
    await rebind(dir);
    expect((await verify(dir)).codes).toEqual([]);
    const { result, json, codes } = await verify(dir, "--release");
    expect(result.code).toBe(1);
    expect(codes).toEqual(["MISSING_EVIDENCE"]);
    expect(json.findings.map((f) => f.message)).toEqual([
      "a release needs dataset_snapshot_report.json, but dataset_package.json references none; build the dataset with `bindery dataset snapshot`.",
      "a release needs dataset_input_check_report.json, but dataset_package.json references none; build the dataset with `bindery dataset snapshot`.",
    ]);
  });

  it("writes nothing without --report, and a verification report with it", async () => {
    const dir = await packagedCopy();
    const reportDir = tempDir();
    const { result } = await verify(dir, "--report", join(reportDir, "verify.json"));
    expect(result.code).toBe(0);
    const report = readJson(reportDir, "verify.json");
    expect(report).toMatchObject({ generated_by: "bindery dataset verify", ok: true, release: false, findings: [], dataset: { name: "tiny-reviews", version: "1.2.0" } });
    expect(report.inputs).toHaveLength(11);
    expect(report.checks.map((c: any) => c.id)).toEqual(["checksums", "package", "manifest", "integrity", "card", "croissant", "snapshot", "input-check", "files"]);
  });

  it("refuses a --report inside the package (usage, exit 2) and a missing directory (exit 3)", async () => {
    const dir = await packagedCopy();
    const inside = await bindery(["dataset", "verify", "--dataset-dir", dir, "--report", join(dir, "verify.json")]);
    expect(inside.code).toBe(2);
    expect(inside.stderr).toMatch(/^bindery dataset verify: USAGE: --report .* is inside the package/);
    expect(existsSync(join(dir, "verify.json"))).toBe(false);
    rmSync(dir, { recursive: true });
    const missing = await bindery(["dataset", "verify", "--dataset-dir", dir]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/INPUT_NOT_FOUND/);
  });
});
