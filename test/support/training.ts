/**
 * The training fixture builder: a project in a fresh git repository with a dataset package built
 * by the real CLI, a config and its schema, run metadata, and the tiny training script of
 * test/fixtures/training. Shared by the training and model package tests.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import { bindery } from "./cli.js";
import { tempDir, writeTree } from "./tmp.js";

export const TRAIN = fileURLToPath(new URL("../fixtures/training/train.mjs", import.meta.url));
export const EPOCH = { SOURCE_DATE_EPOCH: "1767225600" };

export interface Finding {
  code: string;
  message: string;
  path: string;
}

export function git(cwd: string, ...args: string[]): void {
  const result = spawnSync("git", ["-c", "user.name=bindery tests", "-c", "user.email=tests@example.org", "-c", "commit.gpgsign=false", ...args], { cwd, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`git ${args.join(" ")}: ${result.stderr}`);
}

/** A project in a fresh git repository: a dataset package, a config, and the training script. */
export async function trainingProject(): Promise<string> {
  const root = tempDir("bindery-training-");
  const rows = (from: number, n: number) =>
    Array.from({ length: n }, (_, i) => {
      const x = ((from + i) % 17) / 4 - 2;
      return JSON.stringify({ id: from + i, x, y: 3 * x + 1 + ((((from + i) * 7) % 5) - 2) / 100 });
    }).join("\n") + "\n";
  writeTree(root, {
    "staged/train.jsonl": rows(0, 40),
    "staged/test.jsonl": rows(1000, 10),
    "dataset.yaml": [
      "kind: bindery/dataset-spec",
      "name: lines",
      "version: 1.0.0",
      "sources:",
      "  - { id: train, url: https://example.org/lines/train.jsonl, file: train.jsonl, license: cc0-1.0 }",
      "  - { id: test, url: https://example.org/lines/test.jsonl, file: test.jsonl, license: cc0-1.0 }",
      "build:",
      "  files:",
      "    - { source: train, path: data/train.jsonl }",
      "    - { source: test, path: data/test.jsonl }",
      "",
    ].join("\n"),
    "metadata.yaml": [
      "kind: bindery/dataset-metadata",
      "name: lines",
      "version: 1.0.0",
      "description: Points near the line y = 3x + 1.",
      "license: cc0-1.0",
      "key_fields: [id]",
      "splits:",
      "  - { name: train, files: [data/train.jsonl] }",
      "  - { name: test, files: [data/test.jsonl] }",
      "",
    ].join("\n"),
    "train.json": `${JSON.stringify({ seed: 7, lr: 0.05, epochs: 3 })}\n`,
    "train.schema.json": JSON.stringify({
      type: "object",
      properties: { seed: { type: "integer" }, lr: { type: "number", exclusiveMinimum: 0 }, epochs: { type: "integer", minimum: 1 } },
      required: ["seed", "lr", "epochs"],
      additionalProperties: false,
    }),
    "run.yaml": "kind: bindery/training-metadata\nname: lines-sgd\ndescription: SGD fit of a line, for tests.\n",
  });
  copyFileSync(TRAIN, join(root, "train.mjs"));
  const snapshot = await bindery(["dataset", "snapshot", "--spec", "dataset.yaml", "--inputs-dir", "staged", "--dataset-dir", "dataset", "--metadata", "metadata.yaml", "--quiet"], { cwd: root, env: EPOCH });
  expect(snapshot.code, snapshot.stderr).toBe(0);
  writeFileSync(join(root, ".gitignore"), "runs/\n");
  git(root, "init", "-q");
  git(root, "add", "-A");
  git(root, "commit", "-q", "-m", "project");
  return root;
}

export const preflightArgs = (...extra: string[]) => ["training", "preflight", "--dataset-dir", "dataset", "--config", "train.json", "--run-dir", "runs/r1", ...extra];
export const trainArgs = (...extra: string[]) => ["training", "run", "--run-dir", "runs/r1", "--", "node", "train.mjs", "--data", "dataset", "--config", "runs/r1/training_config.json", "--out", "runs/r1", ...extra];

export async function ok(root: string, args: string[]) {
  const result = await bindery(args, { cwd: root, env: EPOCH });
  expect(result.code, `${args.join(" ")}\n${result.stderr}`).toBe(0);
  return result;
}

export const readJson = (root: string, path: string) => JSON.parse(readFileSync(join(root, path), "utf8"));

