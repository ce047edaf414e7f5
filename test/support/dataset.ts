/**
 * The dataset fixture builder: a small project (staged sources, spec, metadata) generated here,
 * taken through the real CLI; and `rebind`, which re-seals a package after a test mutates one
 * thing, so only the targeted check can fire.
 */
import { cpSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { bindery, type CliResult } from "./cli.js";
import { suiteTempDir, tempDir, writeTree } from "./tmp.js";
import {
  datasetManifest,
  datasetPackageReport,
  identityOfBytes,
  parseArtifact,
  prettyJson,
  renderCroissant,
  renderDataCard,
  splitIntegrityReport,
  writeChecksums,
} from "./lib.js";

export interface Finding {
  code: string;
  severity: "error" | "warning";
  path: string;
  message: string;
  field?: string;
}

export interface VerifyJson {
  ok: boolean;
  findings: Finding[];
  checked: { files: number; records: number; deep: boolean };
}

export const EPOCH = { SOURCE_DATE_EPOCH: "1767225600" };

const row = (id: number, text: string, label: string) => JSON.stringify({ id, text, label });

/** Staged sources: train and test JSON Lines, and a CSV validation split. No key leaks. */
export function stagedSources(options: { leak?: boolean } = {}): Record<string, string> {
  const train = Array.from({ length: 12 }, (_, i) => row(i, `train review number ${i}`, i % 3 === 0 ? "neg" : "pos"));
  const test = Array.from({ length: 5 }, (_, i) => row(100 + i, `test review number ${i}`, i % 2 === 0 ? "neg" : "pos"));
  if (options.leak) test.push(row(200, "train review number 3", "neg"));
  const validation = ["id,text,label", '300,"a review, with a comma",pos', '301,"a ""quoted"" review",neg', "302,plain review,pos"];
  return {
    "train.jsonl": `${train.join("\n")}\n`,
    "test.jsonl": `${test.join("\n")}\n`,
    "validation.csv": `${validation.join("\r\n")}\r\n`,
  };
}

export function specYaml(build: string): string {
  return `kind: bindery/dataset-spec
name: tiny-reviews
version: 1.2.0
sources:
  - id: train
    url: https://example.org/tiny-reviews/train.jsonl
    file: train.jsonl
    license: cc-by-4.0
  - id: test
    url: https://example.org/tiny-reviews/test.jsonl
    file: test.jsonl
    license: cc-by-4.0
  - id: validation
    url: https://example.org/tiny-reviews/validation.csv
    file: validation.csv
    license: cc-by-4.0
${build}`;
}

export const FILE_MAP = `build:
  files:
    - { source: train, path: data/train.jsonl, split: train }
    - { source: validation, path: data/validation.csv, split: validation }
    - { source: test, path: data/test.jsonl, split: test }
`;

export function metadataYaml(extra = ""): string {
  return `kind: bindery/dataset-metadata
name: tiny-reviews
version: 1.2.0
pretty_name: Tiny Reviews
description: |
  Short product reviews, each labelled pos or neg.
license: cc-by-4.0
citation: "@misc{tiny2026, title={Tiny Reviews}}"
key_fields: [text]
label_field: label
${extra}splits:
  - name: train
    files: [data/train.jsonl]
  - name: validation
    files: [{ path: data/validation.csv, records: 3 }]
  - name: test
    files: [data/test.jsonl]
`;
}

export interface Project {
  root: string;
  spec: string;
  metadata: string;
  inputs: string;
  out: string;
}

/** Writes a project into a fresh temp dir: staged inputs, spec and metadata. */
export function datasetProject(options: { leak?: boolean; build?: string; metadata?: string } = {}): Project {
  const root = tempDir("bindery-dataset-");
  writeTree(join(root, "staged"), stagedSources(options));
  writeTree(root, { "spec.yaml": specYaml(options.build ?? FILE_MAP), "metadata.yaml": options.metadata ?? metadataYaml() });
  return { root, spec: join(root, "spec.yaml"), metadata: join(root, "metadata.yaml"), inputs: join(root, "staged"), out: join(root, "release", "dataset") };
}

export function snapshotArgs(project: Project, ...extra: string[]): string[] {
  return ["dataset", "snapshot", "--spec", project.spec, "--inputs-dir", project.inputs, "--dataset-dir", project.out, "--metadata", project.metadata, ...extra];
}

/** Builds the project's package through the real CLI; the run must succeed. */
export async function snapshotProject(project: Project, env: NodeJS.ProcessEnv = EPOCH): Promise<CliResult> {
  const result = await bindery(snapshotArgs(project, "--json"), { env });
  expect(result.code, result.stderr).toBe(0);
  return result;
}

let built: string | undefined;

/** A copy of one package built once per test file (the builder is slow-ish; copies are cheap). */
export async function packagedCopy(): Promise<string> {
  if (!built || !existsSync(built)) {
    const project = datasetProject();
    await snapshotProject(project);
    built = join(suiteTempDir("bindery-dataset-base-"), "dataset");
    cpSync(project.out, built, { recursive: true });
  }
  const copy = join(tempDir("bindery-dataset-copy-"), "dataset");
  cpSync(built, copy, { recursive: true });
  return copy;
}

export async function verify(dir: string, ...extra: string[]): Promise<{ result: CliResult; json: VerifyJson; codes: string[] }> {
  const result = await bindery(["dataset", "verify", "--dataset-dir", dir, "--json", ...extra]);
  const json = result.json<VerifyJson>();
  const codes = [...new Set(json.findings.filter((f) => f.severity === "error").map((f) => f.code))].sort();
  return { result, json, codes };
}

export function readJson(dir: string, name: string): Record<string, any> {
  return JSON.parse(readFileSync(join(dir, name), "utf8")) as Record<string, any>;
}

export function writeJson(dir: string, name: string, value: unknown): void {
  writeFileSync(join(dir, name), prettyJson(value));
}

/** Edits one JSON file of a package in place. */
export function editJson(dir: string, name: string, edit: (doc: Record<string, any>) => void): void {
  const doc = readJson(dir, name);
  edit(doc);
  writeJson(dir, name, doc);
}

const identity = (dir: string, name: string) => identityOfBytes(name, readFileSync(join(dir, name)));

/**
 * Re-binds a mutated package the way a careful forger would: every identity that names a changed
 * file is recomputed (input check → snapshot report → package), the card and Croissant are
 * re-rendered, and SHA256SUMS is rewritten. What is left is the semantic check under test.
 */
export async function rebind(dir: string, options: { identities?: boolean; renders?: boolean } = {}): Promise<void> {
  if (options.identities ?? true) rebindIdentities(dir);
  if (options.renders ?? true) rerender(dir);
  await writeChecksums({ dir, concurrency: 1 });
}

function rebindIdentities(dir: string): void {
  const pkg = readJson(dir, "dataset_package.json");
  if (pkg.snapshot_report && existsSync(join(dir, "dataset_snapshot_report.json")) && existsSync(join(dir, "dataset_input_check_report.json"))) {
    editJson(dir, "dataset_snapshot_report.json", (snapshot) => {
      snapshot.input_check_report = identity(dir, "dataset_input_check_report.json");
      snapshot.inputs = [snapshot.input_check_report];
    });
  }
  const rebound = (ref: { path: string } | null) => (ref && existsSync(join(dir, ref.path)) ? identity(dir, ref.path) : ref);
  for (const key of ["manifest", "split_integrity", "snapshot_report", "input_check_report"]) pkg[key] = rebound(pkg[key]);
  pkg.inputs = ["manifest", "split_integrity", "snapshot_report", "input_check_report"].map((key) => pkg[key]).filter(Boolean);
  writeJson(dir, "dataset_package.json", pkg);
}

function rerender(dir: string): void {
  {
    const parse = <T>(definition: Parameters<typeof parseArtifact>[0], name: string): T | undefined => {
      try {
        return parseArtifact(definition, readJson(dir, name), name) as T;
      } catch {
        return undefined;
      }
    };
    const p = parse<any>(datasetPackageReport, "dataset_package.json");
    const integrity = parse<any>(splitIntegrityReport, "split_integrity.json");
    const manifest = parse<any>(datasetManifest, "dataset_manifest.json");
    if (p && integrity) writeFileSync(join(dir, "data_card.md"), renderDataCard(p, integrity));
    if (p && manifest) writeFileSync(join(dir, "croissant.json"), renderCroissant(p, manifest));
  }
}
