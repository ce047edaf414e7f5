/**
 * Leakage, duplicates, counts and class balance on a small hand-written fixture
 * (test/fixtures/dataset-small), with every expected number written out here by hand.
 */
import { cpSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { bindery } from "../support/cli.js";
import { tempDir } from "../support/tmp.js";

const FIXTURE = fileURLToPath(new URL("../fixtures/dataset-small", import.meta.url));

interface Integrity {
  ok: boolean;
  splits: {
    name: string;
    records: number;
    declared_records: number | null;
    records_without_key: number;
    distinct_keys: number;
    files: { path: string; format: string; records: number; declared_records: number | null }[];
    duplicates: { keys: number; records: number; sample: { key: unknown[] }[] };
    label_balance: { missing: number; classes: { label: string; records: number }[] } | null;
  }[];
  leakage: { distinct_keys: number; pairs: { splits: string[]; shared_keys: number; sample: { key: unknown[]; truncated: boolean }[] }[] };
  blockers: string[];
}

describe("split integrity on the hand-written fixture", () => {
  it("counts records, finds and names the leaked keys, repeated keys and class balance", async () => {
    const result = await bindery(["dataset", "integrity", "--dataset-dir", join(FIXTURE, "data", ".."), "--metadata", join(FIXTURE, "metadata.yaml"), "--json"]);
    expect(result.code).toBe(1);
    const { report } = result.json<{ report: Integrity }>();

    expect(report.splits.map((s) => [s.name, s.records, s.records_without_key, s.distinct_keys])).toEqual([
      ["train", 9, 1, 7],
      ["validation", 4, 0, 4],
      ["test", 5, 0, 5],
    ]);
    expect(report.splits.map((s) => s.files)).toEqual([
      [{ path: "data/train.jsonl", format: "jsonl", records: 9, declared_records: null }],
      [{ path: "data/validation.tsv", format: "tsv", records: 4, declared_records: null }],
      [{ path: "data/test.csv", format: "csv", records: 5, declared_records: 5 }],
    ]);
    expect(report.splits[1]!.declared_records).toBe(4);

    // "Who wrote Hamlet?" and "who wrote  hamlet?" are one key once normalized.
    expect(report.splits[0]!.duplicates).toEqual({
      keys: 1,
      records: 1,
      sample: [{ key: ["who wrote hamlet?"], key_sha256: expect.stringMatching(/^[0-9a-f]{64}$/), truncated: false }],
    });
    expect(report.splits[2]!.duplicates).toEqual({ keys: 0, records: 0, sample: [] });

    expect(report.splits.map((s) => s.label_balance)).toEqual([
      {
        missing: 0,
        classes: [
          { label: "art", records: 1 },
          { label: "geography", records: 1 },
          { label: "literature", records: 2 },
          { label: "math", records: 3 },
          { label: "science", records: 2 },
        ],
      },
      {
        missing: 0,
        classes: [
          { label: "art", records: 1 },
          { label: "geography", records: 1 },
          { label: "math", records: 1 },
          { label: "science", records: 1 },
        ],
      },
      {
        missing: 0,
        classes: [
          { label: "art", records: 1 },
          { label: "geography", records: 1 },
          { label: "math", records: 1 },
          { label: "science", records: 2 },
        ],
      },
    ]);

    expect(report.leakage.distinct_keys).toBe(3);
    expect(report.leakage.pairs.map((p) => [p.splits, p.shared_keys, p.sample.map((k) => k.key)])).toEqual([
      [["train", "validation"], 0, []],
      [["train", "test"], 2, [["what is the capital of france?"], ["who painted the mona lisa?"]]],
      [["validation", "test"], 1, [["what is 7 times 6?"]]],
    ]);
    expect(report.ok).toBe(false);
    expect(report.blockers).toEqual(["train and test share 2 comparable keys; 0 allowed.", "validation and test share 1 comparable key; 0 allowed."]);
  });

  it("renders the same numbers into the data card of a package", async () => {
    const dir = join(tempDir(), "quiz");
    cpSync(join(FIXTURE, "data"), join(dir, "data"), { recursive: true });
    const result = await bindery(["dataset", "package", "--dataset-dir", dir, "--metadata", join(FIXTURE, "metadata.yaml")]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("SPLIT_LEAKAGE  split_integrity.json: train and test share 2 comparable keys; 0 allowed.");
    const card = readFileSync(join(dir, "data_card.md"), "utf8");
    expect(card).toContain("| train | math | 3 | 33.3% |");
    expect(card).toContain("| test | science | 2 | 40.0% |");
    expect(card).toContain("| train / test | 2 | over the limit |");
    expect(card).toContain("| validation / test | 1 | over the limit |");
    expect(card).toContain('- `"what is the capital of france?"`');
    expect(card).toContain("| train | 1 | 1 |");
    expect(card).toContain("Records without every key field, not compared: train 1.");
    expect(card).toMatch(/dataset_info:\n {2}splits:\n {4}- name: train\n {6}num_bytes: 614\n {6}num_examples: 9\n/);
  });
});
