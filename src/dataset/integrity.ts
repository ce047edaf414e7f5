/**
 * Split integrity: one streaming pass over every record of every split, counting records, finding
 * comparable keys shared between splits (leakage), keys repeated within a split, and the label
 * balance.
 *
 * A record's *comparable key* is the tuple of its key-field values (normalized when the metadata
 * asks). Keys are held as SHA-256 digests (44 base64 characters) with a bit per split, so memory grows with the
 * number of distinct keys, never with the size of the records; only the 20 smallest keys of each
 * sample are kept in full.
 */
import { hash } from "node:crypto";
import { join } from "node:path";
import { canonicalJson } from "../evidence/canonical-json.js";
import { findingsOfChecks, type CheckRow } from "../evidence/envelope.js";
import { BinderyError, type Finding } from "../evidence/errors.js";
import type { KeyNormalization, PlannedSplit } from "./inputs.js";
import { readRecords, type DataRecord } from "./records.js";
import { DATASET_FILES, type IntegrityParameters, type IntegritySplit, type KeyPreview, type Leakage } from "./schema.js";

/** How many keys a sample keeps. */
export const SAMPLE_SIZE = 20;
/** Longer key strings are cut in samples (the full key stays identified by its SHA-256). */
const PREVIEW_CHARS = 200;
/** Split presence bits in the low half of a key's entry, "seen twice" bits in the high half. */
const MAX_SPLITS = 16;

export interface SplitAnalysis {
  splits: IntegritySplit[];
  leakage: Leakage;
  checks: CheckRow[];
}

export interface AnalyzeOptions {
  dir: string;
  parameters: IntegrityParameters;
  splits: readonly PlannedSplit[];
}

/** The 20 smallest keys offered, in order. */
class KeySample {
  private readonly items: { text: string; values: unknown[] }[] = [];

  offer(text: string, values: unknown[]): void {
    const items = this.items;
    if (items.length === SAMPLE_SIZE && text >= items[SAMPLE_SIZE - 1]!.text) return;
    let at = items.length;
    while (at > 0 && items[at - 1]!.text > text) at -= 1;
    items.splice(at, 0, { text, values });
    if (items.length > SAMPLE_SIZE) items.pop();
  }

  previews(): KeyPreview[] {
    return this.items.map(({ text, values }) => {
      let truncated = false;
      const key = values.map((value) => {
        if (typeof value === "string" && value.length > PREVIEW_CHARS) {
          truncated = true;
          return `${value.slice(0, PREVIEW_CHARS)}…`;
        }
        return value;
      });
      return { key, key_sha256: hash("sha256", text, "hex"), truncated };
    });
  }
}

function normalizer(mode: KeyNormalization): (value: unknown) => unknown {
  if (mode === "exact") return (value) => value;
  return (value) => (typeof value === "string" ? value.normalize("NFC").trim().replace(/\s+/gu, " ").toLowerCase() : value);
}

/** The key in canonical JSON: how samples are sorted and `key_sha256` is taken. */
function keyText(values: unknown[]): string {
  return values.every((v) => typeof v !== "object" || v === null) ? JSON.stringify(values) : canonicalJson(values);
}

/**
 * The digest a key is counted by. A lone string key (the common case) is hashed as it is, without
 * serializing it first (that costs more than the hash); any other tuple as its canonical JSON. The
 * `s`/`j` prefix keeps the two encodings apart.
 */
function keyDigest(values: unknown[]): string {
  const only = values.length === 1 ? values[0] : undefined;
  return hash("sha256", typeof only === "string" ? `s${only}` : `j${keyText(values)}`, "base64");
}

/** A record's own field (never one inherited from Object.prototype, such as `constructor`). */
function own(record: DataRecord, field: string): unknown {
  return Object.hasOwn(record, field) ? record[field] : undefined;
}

function labelText(value: unknown): string {
  return typeof value === "string" ? value : canonicalJson(value);
}

/** Streams every record of every split and returns the integrity analysis. */
export async function analyzeSplits(options: AnalyzeOptions): Promise<SplitAnalysis> {
  const { parameters, splits } = options;
  if (splits.length > MAX_SPLITS) {
    throw new BinderyError("INPUT_INVALID", `a dataset may have at most ${MAX_SPLITS} splits; this one has ${splits.length}.`);
  }
  const normalize = normalizer(parameters.key_normalization);
  const keys = new Map<string, number>();
  const pairSamples = new Map<string, KeySample>();
  const results: IntegritySplit[] = [];

  for (const [index, split] of splits.entries()) {
    const bit = 1 << index;
    const seenTwice = bit << MAX_SPLITS;
    const duplicateSample = new KeySample();
    const labels = parameters.label_field === null ? undefined : new Map<string, number>();
    let withoutKey = 0;
    let duplicateKeys = 0;
    let duplicateRecords = 0;
    let missingLabel = 0;
    const files: IntegritySplit["files"] = [];

    for (const file of split.files) {
      let first = true;
      const onRecord = (record: DataRecord) => {
        if (first && file.format !== "jsonl") {
          first = false;
          for (const field of [...parameters.key_fields, ...(parameters.label_field ? [parameters.label_field] : [])]) {
            if (!Object.hasOwn(record, field)) {
              throw new BinderyError("INPUT_INVALID", `${file.path} has no column ${JSON.stringify(field)}, which the metadata names as a key or label field.`);
            }
          }
        }
        if (labels) {
          const label = own(record, parameters.label_field!);
          if (label === undefined || label === null) missingLabel += 1;
          else {
            const text = labelText(label);
            labels.set(text, (labels.get(text) ?? 0) + 1);
          }
        }
        const values: unknown[] = [];
        for (const field of parameters.key_fields) {
          const value = own(record, field);
          if (value === undefined || value === null) {
            withoutKey += 1;
            return;
          }
          values.push(normalize(value));
        }
        const digest = keyDigest(values);
        const entry = keys.get(digest) ?? 0;
        if (entry & bit) {
          duplicateRecords += 1;
          if (!(entry & seenTwice)) {
            duplicateKeys += 1;
            duplicateSample.offer(keyText(values), values);
            keys.set(digest, entry | seenTwice);
          }
          return;
        }
        keys.set(digest, entry | bit);
        // A key new to this split forms a shared pair with every split that already holds it.
        if (entry !== 0) {
          const text = keyText(values);
          for (let other = 0; other < index; other += 1) {
            if (entry & (1 << other)) sampleFor(pairSamples, other, index).offer(text, values);
          }
        }
      };
      const records = await readRecords(join(options.dir, file.path), file.format, onRecord, { shown: file.path });
      files.push({ path: file.path, format: file.format, records, declared_records: file.declared_records });
    }

    results.push({
      name: split.name,
      records: files.reduce((sum, f) => sum + f.records, 0),
      declared_records: split.declared_records,
      records_without_key: withoutKey,
      distinct_keys: 0,
      files,
      duplicates: { keys: duplicateKeys, records: duplicateRecords, sample: duplicateSample.previews() },
      label_balance: labels
        ? {
            missing: missingLabel,
            classes: [...labels.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([label, records]) => ({ label, records })),
          }
        : null,
    });
  }

  // One pass over the distinct keys: per-split distinct counts and per-pair shared counts.
  const distinct = new Array<number>(splits.length).fill(0);
  const shared = new Array<number>(splits.length * splits.length).fill(0);
  let leakedKeys = 0;
  for (const entry of keys.values()) {
    const present = entry & ((1 << MAX_SPLITS) - 1);
    let inSplits = 0;
    for (let a = 0; a < splits.length; a += 1) {
      if (!(present & (1 << a))) continue;
      distinct[a]! += 1;
      inSplits += 1;
      for (let b = a + 1; b < splits.length; b += 1) if (present & (1 << b)) shared[a * splits.length + b]! += 1;
    }
    if (inSplits > 1) leakedKeys += 1;
  }
  results.forEach((split, i) => (split.distinct_keys = distinct[i]!));

  const pairs: Leakage["pairs"] = [];
  for (let a = 0; a < splits.length; a += 1) {
    for (let b = a + 1; b < splits.length; b += 1) {
      pairs.push({
        splits: [splits[a]!.name, splits[b]!.name],
        shared_keys: shared[a * splits.length + b]!,
        sample: pairSamples.get(`${a}/${b}`)?.previews() ?? [],
      });
    }
  }
  const leakage: Leakage = { distinct_keys: leakedKeys, pairs };
  return { splits: results, leakage, checks: integrityChecks(parameters, results, leakage) };
}

function sampleFor(samples: Map<string, KeySample>, a: number, b: number): KeySample {
  const name = `${a}/${b}`;
  let sample = samples.get(name);
  if (!sample) samples.set(name, (sample = new KeySample()));
  return sample;
}

/** The decision rows of split_integrity.json: declared counts, comparability and leakage per pair. */
export function integrityChecks(parameters: IntegrityParameters, splits: readonly IntegritySplit[], leakage: Leakage): CheckRow[] {
  const checks: CheckRow[] = [];
  const plural = (n: number) => `${n} record${n === 1 ? "" : "s"}`;
  for (const split of splits) {
    for (const file of split.files) {
      if (file.declared_records === null) continue;
      checks.push({
        id: `records:${file.path}`,
        ok: file.records === file.declared_records,
        detail: `${file.path} has ${plural(file.records)}; the metadata declares ${file.declared_records}.`,
        issue_refs: ["COUNT_MISMATCH"],
      });
    }
    if (split.declared_records !== null) {
      checks.push({
        id: `records:${split.name}`,
        ok: split.records === split.declared_records,
        detail: `split ${split.name} has ${plural(split.records)}; the metadata declares ${split.declared_records}.`,
        issue_refs: ["COUNT_MISMATCH"],
      });
    }
  }
  const byName = new Map(splits.map((s) => [s.name, s]));
  const keyed = (name: string) => {
    const split = byName.get(name)!;
    return split.records - split.records_without_key;
  };
  const fields = parameters.key_fields.join(", ");
  for (const pair of leakage.pairs) {
    const [a, b] = pair.splits;
    const empty = [a, b].filter((name) => keyed(name) === 0);
    checks.push({
      id: `comparable:${a}/${b}`,
      ok: empty.length === 0,
      detail:
        empty.length === 0
          ? `${a} and ${b} are compared on ${fields}: ${keyed(a)} and ${keyed(b)} records have a key.`
          : `${a} and ${b} cannot be compared: no record of ${empty.join(" or ")} has every key field (${fields}).`,
      issue_refs: ["NO_COMPARABLE_KEYS"],
    });
    checks.push({
      id: `leakage:${a}/${b}`,
      ok: pair.shared_keys <= parameters.max_leakage,
      detail: `${a} and ${b} share ${pair.shared_keys} comparable key${pair.shared_keys === 1 ? "" : "s"}; ${parameters.max_leakage} allowed.`,
      issue_refs: ["SPLIT_LEAKAGE"],
    });
  }
  return checks;
}

/** A failed check of split_integrity.json as a finding with its code. */
export function checkFindings(checks: readonly CheckRow[], path: string = DATASET_FILES.integrity): Finding[] {
  return findingsOfChecks(checks, path);
}
