/** `bindery dataset snapshot` and `package`, end to end through the real CLI. */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { assertNoCanaryInTree, bindery, sha256sum } from "../support/cli.js";
import {
  datasetProject,
  EPOCH,
  metadataYaml,
  readJson,
  snapshotArgs,
  snapshotProject,
  specYaml,
  stagedSources,
  verify,
  type Finding,
} from "../support/dataset.js";
import { tempDir, writeTree } from "../support/tmp.js";

const PACKAGE_FILES = [
  "SHA256SUMS",
  "croissant.json",
  "data/test.jsonl",
  "data/train.jsonl",
  "data/validation.csv",
  "data_card.md",
  "dataset_input_check_report.json",
  "dataset_manifest.json",
  "dataset_package.json",
  "dataset_snapshot_report.json",
  "split_integrity.json",
];

function listTree(dir: string): string[] {
  return (readdirSync(dir, { recursive: true, withFileTypes: true }) as import("node:fs").Dirent[])
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

describe("bindery dataset snapshot", () => {
  it("goes from spec to a verified package that sha256sum -c accepts", async () => {
    const project = datasetProject();
    const checked = await bindery(["dataset", "snapshot", "--spec", project.spec, "--check-spec", "--json"]);
    expect(checked.code, checked.stderr).toBe(0);
    const specHash = checked.json<{ spec_sha256: string }>().spec_sha256;
    expect(specHash).toMatch(/^[0-9a-f]{64}$/);

    const inputCheck = join(project.root, "input-check.json");
    const preflight = await bindery(["dataset", "snapshot", "--spec", project.spec, "--check-inputs", "--inputs-dir", project.inputs, "--output", inputCheck]);
    expect(preflight.code, preflight.stderr).toBe(0);
    expect(readJson(project.root, "input-check.json")).toMatchObject({ generated_by: "bindery dataset snapshot", ok: true, spec_sha256: specHash });

    const result = await snapshotProject(project);
    expect(result.json()).toMatchObject({
      ok: true,
      dataset: { name: "tiny-reviews", version: "1.2.0" },
      spec_sha256: specHash,
      splits: [
        { name: "train", records: 12 },
        { name: "validation", records: 3 },
        { name: "test", records: 5 },
      ],
      leakage: [
        { splits: ["train", "validation"], shared_keys: 0 },
        { splits: ["train", "test"], shared_keys: 0 },
        { splits: ["validation", "test"], shared_keys: 0 },
      ],
    });
    expect(listTree(project.out)).toEqual(PACKAGE_FILES);
    expect(readdirSync(join(project.root, "release"))).toEqual(["dataset"]);
    const gnu = sha256sum(["-c", "--strict", "SHA256SUMS"], project.out);
    expect(gnu.code, gnu.stderr).toBe(0);
    expect(gnu.stdout.trim().split("\n")).toHaveLength(PACKAGE_FILES.length - 1);

    const snapshot = readJson(project.out, "dataset_snapshot_report.json");
    expect(snapshot.spec_sha256).toBe(specHash);
    expect(snapshot.sources.map((s: any) => [s.id, s.url, s.size])).toEqual([
      ["train", "https://example.org/tiny-reviews/train.jsonl", Buffer.byteLength(stagedSources()["train.jsonl"]!)],
      ["test", "https://example.org/tiny-reviews/test.jsonl", Buffer.byteLength(stagedSources()["test.jsonl"]!)],
      ["validation", "https://example.org/tiny-reviews/validation.csv", Buffer.byteLength(stagedSources()["validation.csv"]!)],
    ]);
    // Public references only: nothing in the package names this machine's directories.
    for (const name of PACKAGE_FILES) expect(readFileSync(join(project.out, name), "utf8")).not.toContain(project.root);
    assertNoCanaryInTree(project.out);

    const verified = await verify(project.out, "--release");
    expect(verified.result.code, verified.result.stderr).toBe(0);
  });

  it("gives byte-identical packages for the same inputs (SOURCE_DATE_EPOCH set)", async () => {
    const first = datasetProject();
    const second = datasetProject();
    await snapshotProject(first);
    await snapshotProject(second);
    expect(listTree(second.out)).toEqual(listTree(first.out));
    for (const name of listTree(first.out)) {
      expect(readFileSync(join(second.out, name)).equals(readFileSync(join(first.out, name))), name).toBe(true);
    }
    expect(readJson(first.out, "dataset_package.json").generated_at).toBe("2026-01-01T00:00:00Z");
  });

  it("builds with a build command (argv, {inputs} and {output} replaced), recording the public argv", async () => {
    const project = datasetProject({
      build: `build:\n  command: [node, build.mjs, "{inputs}", "--out={output}"]\n`,
    });
    writeTree(project.root, {
      "build.mjs": [
        'import { copyFileSync, mkdirSync } from "node:fs";',
        'const [inputs, out] = [process.argv[2], process.argv[3].slice("--out=".length)];',
        'mkdirSync(`${out}/data`, { recursive: true });',
        'for (const f of ["train.jsonl", "test.jsonl", "validation.csv"]) copyFileSync(`${inputs}/${f}`, `${out}/data/${f}`);',
        'console.log("built");',
      ].join("\n"),
    });
    const result = await bindery(snapshotArgs(project, "--json"), { env: EPOCH });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain("built");
    expect(() => result.json()).not.toThrow();
    const snapshot = readJson(project.out, "dataset_snapshot_report.json");
    expect(snapshot.build).toEqual({ kind: "command", argv: ["node", "build.mjs", "{inputs}", "--out={output}"] });
    expect(snapshot.outputs.map((o: any) => o.path)).toEqual(["data/test.jsonl", "data/train.jsonl", "data/validation.csv"]);
    expect((await verify(project.out, "--release")).codes).toEqual([]);
  });

  it("fails cleanly when the build command fails, leaving the dataset directory untouched", async () => {
    const project = datasetProject({ build: `build:\n  command: [node, -e, "console.error('no space left'); process.exit(7)", "{output}"]\n` });
    const result = await bindery(snapshotArgs(project));
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/COMMAND_FAILED: the build command `node -e .*` exited with code 7; its last error output: no space left\./);
    expect(existsSync(project.out)).toBe(false);
    expect(readdirSync(join(project.root, "release"))).toEqual([]);
  });

  it("never prints a credential the build command echoes (the canary check fails the run otherwise)", async () => {
    const project = datasetProject({ build: `build:\n  command: [node, -e, "console.log(process.env.HF_TOKEN); console.error(process.env.GITHUB_TOKEN); process.exit(2)", "{output}"]\n` });
    const result = await bindery(snapshotArgs(project, "--json"));
    expect(result.code).toBe(3);
    expect(result.stderr).toContain("[redacted GITHUB_TOKEN]");
    expect(result.stderr).toContain("[redacted HF_TOKEN]");
    expect(() => result.json()).not.toThrow();
  });

  it("refuses a build command that cannot start", async () => {
    const project = datasetProject({ build: `build:\n  command: [no-such-build-tool-xyz, "{output}"]\n` });
    const result = await bindery(snapshotArgs(project));
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/COMMAND_FAILED: the build command `no-such-build-tool-xyz \{output\}` could not start \(ENOENT\)/);
  });

  it("refuses a build command naming a private path (it would be published)", async () => {
    const project = datasetProject({ build: `build:\n  command: [python, /home/alice/build.py, "{output}"]\n` });
    const result = await bindery(snapshotArgs(project));
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/PRIVATE_PATH: build\.command\[1\] holds the private path "\/home\/alice\/build\.py", and the argv is published as written\./);
    const checked = await bindery(["dataset", "snapshot", "--spec", project.spec, "--check-spec"]);
    expect(checked.code).toBe(3);
    expect(checked.stderr).toMatch(/PRIVATE_PATH: build\.command\[1\]/);
    writeFileSync(project.spec, specYaml(`build:\n  command: [python, --script=/opt/tools/build.py, "--out={output}"]\n`));
    const option = await bindery(["dataset", "snapshot", "--spec", project.spec, "--check-spec"]);
    expect(option.code).toBe(3);
    expect(option.stderr).toMatch(/PRIVATE_PATH: build\.command\[1\] holds the private path "\/opt\/tools\/build\.py"/);
  });

  it("refuses a non-empty dataset directory without --overwrite, and foreign files even with it", async () => {
    const project = datasetProject();
    await snapshotProject(project);
    const again = await bindery(snapshotArgs(project));
    expect(again.code).toBe(3);
    expect(again.stderr).toMatch(/OUTPUT_EXISTS: .* is not empty \(11 files\)\. Pass --overwrite/);

    // --overwrite replaces bindery's own files (payload recorded by the previous snapshot included).
    writeFileSync(join(project.inputs, "test.jsonl"), `${JSON.stringify({ id: 1, text: "replaced", label: "pos" })}\n`);
    const replaced = await bindery(snapshotArgs(project, "--overwrite", "--json"), { env: EPOCH });
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(readJson(project.out, "split_integrity.json").splits[2].records).toBe(1);

    writeFileSync(join(project.out, "my-notes.txt"), "mine\n");
    const foreign = await bindery(snapshotArgs(project, "--overwrite"));
    expect(foreign.code).toBe(3);
    expect(foreign.stderr).toMatch(/OUTPUT_EXISTS: .* holds files bindery did not write: my-notes\.txt\./);
    expect(readFileSync(join(project.out, "my-notes.txt"), "utf8")).toBe("mine\n");
    expect(readJson(project.out, "split_integrity.json").splits[2].records).toBe(1);
  });

  it("refuses staged inputs that do not match the spec's pins, writing nothing", async () => {
    const sources = stagedSources();
    const project = datasetProject();
    const pinned = specYaml(
      `build:\n  files:\n    - { source: train, path: data/train.jsonl }\n    - { source: validation, path: data/validation.csv }\n    - { source: test, path: data/test.jsonl }\n`,
    )
      .replace("file: train.jsonl", `file: train.jsonl\n    size: ${Buffer.byteLength(sources["train.jsonl"]!) + 1}`)
      .replace("file: test.jsonl", `file: test.jsonl\n    sha256: "${"0".repeat(64)}"`);
    writeFileSync(project.spec, pinned);
    const result = await bindery(snapshotArgs(project, "--json"));
    expect(result.code, result.stderr).toBe(1);
    const error = result.json<{ error: { code: string; findings: Finding[] } }>().error;
    expect(error.code).toBe("VERIFICATION_FAILED");
    expect(error.findings.map((f) => [f.code, f.path])).toEqual([
      ["IDENTITY_MISMATCH", "train.jsonl"],
      ["IDENTITY_MISMATCH", "test.jsonl"],
    ]);
    expect(existsSync(project.out)).toBe(false);

    // The preflight mode writes its report (ok: false) and exits 1.
    const output = join(project.root, "check.json");
    const preflight = await bindery(["dataset", "snapshot", "--spec", project.spec, "--check-inputs", "--inputs-dir", project.inputs, "--output", output]);
    expect(preflight.code).toBe(1);
    const report = readJson(project.root, "check.json");
    expect(report.ok).toBe(false);
    expect(report.blockers).toEqual([
      `source train: train.jsonl is ${Buffer.byteLength(sources["train.jsonl"]!)} bytes, but the spec pins ${Buffer.byteLength(sources["train.jsonl"]!) + 1}.`,
      expect.stringMatching(/^source test: test\.jsonl has sha256 [0-9a-f]{64}, but the spec pins 0{64}\.$/),
    ]);
  });

  it("reports a source that is not staged as MISSING_FILE", async () => {
    const project = datasetProject();
    const { rmSync } = await import("node:fs");
    rmSync(join(project.inputs, "validation.csv"));
    const output = join(project.root, "check.json");
    const result = await bindery(["dataset", "snapshot", "--spec", project.spec, "--check-inputs", "--inputs-dir", project.inputs, "--output", output, "--json"]);
    expect(result.code).toBe(1);
    expect(result.json<{ findings: Finding[] }>().findings).toEqual([
      { code: "MISSING_FILE", severity: "error", path: "validation.csv", message: "source validation: validation.csv is not staged in the inputs directory." },
    ]);
  });

  describe("refuses bad specs and metadata with one paragraph and exit 3", () => {
    const cases: [string, (p: ReturnType<typeof datasetProject>) => void, RegExp][] = [
      ["YAML that does not parse", (p) => writeFileSync(p.spec, "kind: [unclosed\n"), /INPUT_INVALID: .*spec\.yaml is not valid YAML or JSON at line \d/],
      ["a spec of another kind", (p) => writeFileSync(p.spec, specYaml("").replace("bindery/dataset-spec", "bindery/model-spec")), /INPUT_INVALID: .*spec\.yaml has kind "bindery\/model-spec"; expected kind: bindery\/dataset-spec\./],
      ["a spec with generated_by", (p) => writeFileSync(p.spec, `generated_by: bindery dataset snapshot\n${readFileSync(p.spec, "utf8")}`), /carries generated_by, which only files bindery generates have/],
      ["a build command without {output}", (p) => writeFileSync(p.spec, specYaml("build:\n  command: [make, data]\n")), /build\.command: the build command must name \{output\}/],
      ["both a file map and a command", (p) => writeFileSync(p.spec, specYaml(`build:\n  command: [make, "{output}"]\n  files: [{ source: train, path: a.jsonl }]\n`)), /build: give exactly one of build\.files .* or build\.command/],
      ["a URL with credentials", (p) => writeFileSync(p.spec, readFileSync(p.spec, "utf8").replace("https://example.org/tiny-reviews/train.jsonl", "https://user:pw@example.org/t.jsonl")), /sources\.0\.url: must be an http\(s\) URL without credentials/],
      ["an unknown field (a typo)", (p) => writeFileSync(p.spec, readFileSync(p.spec, "utf8").replace("version: 1.2.0", "version: 1.2.0\nlicence: mit")), /Unrecognized key: "licence"/],
      ["a source the file map never uses", (p) => writeFileSync(p.spec, specYaml("build:\n  files:\n    - { source: train, path: data/train.jsonl }\n")), /source test is not used by the file map/],
      ["metadata for another version", (p) => writeFileSync(p.metadata, metadataYaml().replace("version: 1.2.0", "version: 2.0.0")), /the spec builds tiny-reviews 1\.2\.0, but the metadata describes tiny-reviews 2\.0\.0/],
      ["a file map split the metadata contradicts", (p) => writeFileSync(p.spec, readFileSync(p.spec, "utf8").replace("path: data/test.jsonl, split: test", "path: data/test.jsonl, split: train")), /puts data\/test\.jsonl in split train, but the metadata puts it in test/],
      ["a file with no known format", (p) => writeFileSync(p.metadata, metadataYaml().replace("files: [data/train.jsonl]", "files: [data/train.parquet]")), /data\/train\.parquet: cannot tell its format from the extension/],
    ];
    for (const [name, mutate, message] of cases) {
      it(name, async () => {
        const project = datasetProject();
        mutate(project);
        const result = await bindery(snapshotArgs(project));
        expect(result.code, result.stderr).toBe(3);
        expect(result.stderr).toMatch(message);
        expect(result.stderr.trim().split("\n")).toHaveLength(1);
        expect(result.stderr).not.toMatch(/\n\s+at /);
        expect(existsSync(project.out)).toBe(false);
      });
    }
  });

  it("explains wrong flag combinations as usage errors (exit 2)", async () => {
    const project = datasetProject();
    const cases: [string[], RegExp][] = [
      [["--check-spec", "--check-inputs"], /--check-spec and --check-inputs are different modes/],
      [["--check-inputs", "--inputs-dir", project.inputs], /--check-inputs needs --output FILE/],
      [["--inputs-dir", project.inputs], /a snapshot needs --dataset-dir and --metadata/],
      [[], /--inputs-dir is required/],
    ];
    for (const [args, message] of cases) {
      const result = await bindery(["dataset", "snapshot", "--spec", project.spec, ...args]);
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stderr).toMatch(message);
    }
  });
});

describe("bindery dataset package", () => {
  it("packages a directory without a snapshot; it verifies, but not as a release", async () => {
    const root = tempDir();
    const dir = join(root, "dataset");
    const sources = stagedSources();
    writeTree(dir, { "data/train.jsonl": sources["train.jsonl"]!, "data/test.jsonl": sources["test.jsonl"]!, "data/validation.csv": sources["validation.csv"]! });
    writeTree(root, { "metadata.yaml": metadataYaml() });
    const result = await bindery(["dataset", "package", "--dataset-dir", dir, "--metadata", join(root, "metadata.yaml")]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^packaged .*: tiny-reviews 1\.2\.0, 3 splits, 20 records, /);
    expect(result.stdout).toMatch(/^OK {2}the package verifies$/m);
    expect(readJson(dir, "dataset_package.json")).toMatchObject({ snapshot_report: null, input_check_report: null });
    expect((await verify(dir)).codes).toEqual([]);
    expect((await verify(dir, "--release")).codes).toEqual(["MISSING_EVIDENCE"]);
  });

  it("writes the package but exits 1 when the splits leak beyond the limit, naming the key", async () => {
    const project = datasetProject({ leak: true });
    const result = await bindery(snapshotArgs(project, "--json"));
    expect(result.code).toBe(1);
    const json = result.json<{ findings: Finding[] }>();
    expect(json.findings).toEqual([
      {
        code: "SPLIT_LEAKAGE",
        severity: "error",
        path: "split_integrity.json",
        field: "/checks/4",
        message: "split_integrity.json: train and test share 1 comparable key; 0 allowed.",
      },
    ]);
    const integrity = readJson(project.out, "split_integrity.json");
    expect(integrity.leakage.pairs[1]).toMatchObject({ splits: ["train", "test"], shared_keys: 1, sample: [{ key: ["train review number 3"] }] });
    expect(readFileSync(join(project.out, "data_card.md"), "utf8")).toContain('- `"train review number 3"`');
    expect((await verify(project.out)).codes).toEqual(["SPLIT_LEAKAGE"]);
  });

  it("fails placeholder wording in the metadata unless --allow-placeholders (a draft)", async () => {
    const project = datasetProject({ metadata: metadataYaml().replace("Short product reviews", "TODO: short product reviews") });
    const refused = await bindery(snapshotArgs(project, "--json"));
    expect(refused.code).toBe(1);
    expect(refused.json<{ findings: Finding[] }>().findings).toMatchObject([{ code: "PLACEHOLDER_TEXT", field: "/dataset/description" }]);
    const draft = await bindery(snapshotArgs(project, "--overwrite", "--allow-placeholders", "--json"));
    expect(draft.code, draft.stderr).toBe(0);
    expect(draft.json<{ findings: Finding[] }>().findings).toMatchObject([{ code: "PLACEHOLDER_TEXT", severity: "warning" }]);
  });

  it("integrity refuses a dataset_package.json bindery did not write (bad input, exit 3)", async () => {
    const project = datasetProject();
    await snapshotProject(project);
    const pkg = readJson(project.out, "dataset_package.json");
    writeFileSync(join(project.out, "dataset_package.json"), JSON.stringify({ ...pkg, generated_by: "make dataset" }));
    const result = await bindery(["dataset", "integrity", "--dataset-dir", project.out]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/FOREIGN_GENERATOR: .*dataset_package\.json: its generated_by is "make dataset", not "bindery dataset package"\./);
    const fresh = await bindery(["dataset", "integrity", "--dataset-dir", project.out, "--metadata", project.metadata, "--json"]);
    expect(fresh.code, fresh.stderr).toBe(0);
  });

  it("accepts leakage within max_leakage", async () => {
    const project = datasetProject({ leak: true, metadata: metadataYaml("max_leakage: 1\n") });
    await snapshotProject(project);
    expect((await verify(project.out)).codes).toEqual([]);
  });

  it("fails a declared record count that the data does not have", async () => {
    const project = datasetProject({ metadata: metadataYaml().replace("records: 3", "records: 4") });
    const result = await bindery(snapshotArgs(project, "--json"));
    expect(result.code).toBe(1);
    expect(result.json<{ findings: Finding[] }>().findings.map((f) => [f.code, f.message])).toEqual([
      ["COUNT_MISMATCH", "split_integrity.json: data/validation.csv has 3 records; the metadata declares 4."],
    ]);
  });

  it("fails a split pair that cannot be compared (no record has the key fields)", async () => {
    const project = datasetProject({ metadata: metadataYaml().replace("key_fields: [text]", "key_fields: [title]") });
    writeFileSync(join(project.inputs, "validation.csv"), "id,title,label\n1,one,pos\n");
    const result = await bindery(snapshotArgs(project, "--json"));
    expect(result.code).toBe(1);
    const codes = result.json<{ findings: Finding[] }>().findings.map((f) => f.code);
    expect(new Set(codes)).toEqual(new Set(["NO_COMPARABLE_KEYS", "COUNT_MISMATCH"]));
  });

  it("refuses undeclared and missing files before writing anything", async () => {
    const root = tempDir();
    const dir = join(root, "dataset");
    writeTree(dir, { "data/train.jsonl": stagedSources()["train.jsonl"]!, "extra.bin": "x" });
    writeTree(root, { "metadata.yaml": metadataYaml() });
    const result = await bindery(["dataset", "package", "--dataset-dir", dir, "--metadata", join(root, "metadata.yaml")]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/INPUT_NOT_FOUND: .* is missing data\/validation\.csv, data\/test\.jsonl, which the metadata declares\./);
    writeTree(dir, { "data/test.jsonl": "", "data/validation.csv": "id,text,label\n" });
    const stray = await bindery(["dataset", "package", "--dataset-dir", dir, "--metadata", join(root, "metadata.yaml")]);
    expect(stray.code).toBe(3);
    expect(stray.stderr).toMatch(/INPUT_INVALID: .* holds extra\.bin, which the metadata does not declare in any split\./);
    expect(listTree(dir)).toEqual(["data/test.jsonl", "data/train.jsonl", "data/validation.csv", "extra.bin"]);
  });
});
