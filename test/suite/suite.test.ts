/**
 * `bindery suite`: --plan checks the step graph (and runs nothing); --execute clears every
 * declared output, runs the steps in dependency order and records what each did; `eval aggregate
 * --suite-report` refuses metrics the suite did not write.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bindery, CANARIES } from "../support/cli.js";
import { tempDir, writeTree } from "../support/tmp.js";

interface Finding {
  code: string;
  message: string;
  path: string;
}
interface Step {
  id: string;
  argv: string[];
  needs: string[];
  status: string;
  exit_code: number | null;
  duration_ms: number | null;
  stdout: { text: string } | null;
  stderr: { text: string } | null;
  outputs: { path: string; sha256: string; size: number }[];
  problems: string[];
}
interface Report {
  generated_by: string;
  mode: string;
  ok: boolean;
  jobs: number | null;
  claim_boundary: string;
  manifest: { path: string; sha256: string };
  inputs: { path: string }[];
  steps: Step[];
  checks: { id: string; ok: boolean; issue_refs: string[] }[];
  findings: Finding[];
}

const sha256 = (bytes: string | Buffer) => createHash("sha256").update(bytes).digest("hex");

/** Small step programs: each fails loudly when it sees what it must not. */
const SCRIPTS = {
  // a: must start with its output cleared, then writes it.
  "a.mjs": `import { existsSync, writeFileSync } from "node:fs";
if (existsSync("out/a.txt")) { console.error("a: out/a.txt survived from an earlier run"); process.exit(2); }
writeFileSync("out/a.txt", "fresh a\\n");
console.log("a wrote out/a.txt in " + process.cwd() + " holding " + process.env.HF_TOKEN);
`,
  // b: reads a's output and refuses stale content.
  "b.mjs": `import { readFileSync, writeFileSync } from "node:fs";
const a = readFileSync("out/a.txt", "utf8");
if (a.includes("stale")) { console.error("b: stale input"); process.exit(1); }
writeFileSync("out/b.txt", "b(" + a.trim() + ")\\n");
`,
  // write.mjs FILE TEXT
  "write.mjs": `import { writeFileSync } from "node:fs";
writeFileSync(process.argv[2], process.argv[3] + "\\n");
`,
};

const FAN_OUT = {
  kind: "bindery/suite",
  steps: {
    a: { argv: ["node", "a.mjs"], outputs: ["out/a.txt"] },
    b: { argv: ["node", "b.mjs"], inputs: ["out/a.txt"], outputs: ["out/b.txt"] },
    c: { argv: ["node", "write.mjs", "out/c.txt", "c"], inputs: ["out/a.txt"], outputs: ["out/c.txt"] },
  },
};

function project(manifest: unknown, files: Record<string, string> = {}): string {
  return writeTree(tempDir(), { ...SCRIPTS, "suite.yaml": JSON.stringify(manifest, null, 2), ...files });
}

async function suite(dir: string, mode: "plan" | "execute", ...extra: string[]) {
  const result = await bindery(["suite", "--manifest", "suite.yaml", `--${mode}`, "--output", "suite_report.json", "--json", ...extra], { cwd: dir });
  const file = join(dir, "suite_report.json");
  const report = (existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : undefined) as Report;
  return { result, report, codes: report ? [...new Set(report.findings.map((f) => f.code))].sort() : [] };
}

const status = (report: Report) => Object.fromEntries(report.steps.map((s) => [s.id, s.status]));

describe("bindery suite --plan", () => {
  it("a valid graph: exit 0, every step planned, nothing run, and ok false by design", async () => {
    const dir = project(FAN_OUT);
    const { result, report } = await suite(dir, "plan");
    expect(result.code, result.stderr).toBe(0);
    expect(report.generated_by).toBe("bindery suite");
    expect(report.mode).toBe("plan");
    expect(report.ok).toBe(false);
    expect(report.jobs).toBeNull();
    expect(report.claim_boundary).toMatch(/nothing ran/);
    expect(status(report)).toEqual({ a: "planned", b: "planned", c: "planned" });
    expect(report.steps.find((s) => s.id === "b")!.needs).toEqual(["a"]);
    expect(report.checks.map((c) => [c.id, c.ok])).toEqual([["graph", true], ["executed", false]]);
    expect(report.findings).toEqual([]);
    expect(report.manifest).toEqual(expect.objectContaining({ path: "suite.yaml", sha256: sha256(readFileSync(join(dir, "suite.yaml"))) }));
    expect(existsSync(join(dir, "out"))).toBe(false);

    const human = await bindery(["suite", "--manifest", "suite.yaml", "--plan", "--output", "suite_report.json"], { cwd: dir });
    expect(human.stdout).toContain("PLAN  3 steps in 2 stages; nothing ran.");
  });

  it.each([
    ["a cycle", { a: { argv: ["node", "-e", "1"], needs: ["b"] }, b: { argv: ["node", "-e", "1"], needs: ["a"] } }, "INPUT_INVALID", "the steps form a cycle: a → b → a"],
    ["a cycle through an input", { a: { argv: ["node", "-e", "1"], inputs: ["y"], outputs: ["x"] }, b: { argv: ["node", "-e", "1"], inputs: ["x"], outputs: ["y"] } }, "INPUT_INVALID", "a → b → a"],
    ["an unknown need", { a: { argv: ["node", "-e", "1"], needs: ["ghost"] } }, "INPUT_INVALID", "step a needs ghost, which is not a step of the suite"],
    ["a missing input", { a: { argv: ["node", "-e", "1"], inputs: ["data/none.csv"] } }, "MISSING_FILE", "data/none.csv is neither present nor an output of any step"],
    ["an output declared twice", { a: { argv: ["node", "-e", "1"], outputs: ["out/x.txt"] }, b: { argv: ["node", "-e", "1"], outputs: ["./out/x.txt"] } }, "DUPLICATE_PATH", "output out/x.txt is declared twice: by step a and by step b"],
    ["a path that is not public-safe", { a: { argv: ["node", "-e", "1"], outputs: ["../x.txt"] } }, "UNSAFE_PATH", "`..` segment"],
  ])("%s: exit 1 with the finding, the report written", async (_name, steps, code, message) => {
    const dir = project({ kind: "bindery/suite", steps });
    const { result, report, codes } = await suite(dir, "plan");
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toContain("VERIFICATION_FAILED");
    expect(codes).toEqual([code]);
    expect(report.findings.map((f) => f.message).join("\n")).toContain(message);
    expect(report.ok).toBe(false);
    expect(report.checks[0]).toEqual(expect.objectContaining({ id: "graph", ok: false, issue_refs: [code] }));
  });

  it("--execute on an invalid graph runs nothing and deletes nothing", async () => {
    const dir = project({ kind: "bindery/suite", steps: { a: { argv: ["node", "write.mjs", "out/x.txt", "a"], outputs: ["out/x.txt"] }, b: { argv: ["node", "-e", "1"], outputs: ["out/x.txt"] } } }, { "out/x.txt": "kept\n" });
    const { result, report, codes } = await suite(dir, "execute");
    expect(result.code).toBe(1);
    expect(codes).toEqual(["DUPLICATE_PATH"]);
    expect(status(report)).toEqual({ a: "skipped", b: "skipped" });
    expect(readFileSync(join(dir, "out/x.txt"), "utf8")).toBe("kept\n");
  });

  it("needs exactly one of --plan and --execute (exit 2)", async () => {
    const dir = project(FAN_OUT);
    const both = await bindery(["suite", "--manifest", "suite.yaml", "--plan", "--execute", "--output", "r.json"], { cwd: dir });
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("USAGE");
    const jobs = await bindery(["suite", "--manifest", "suite.yaml", "--plan", "--jobs", "0", "--output", "r.json"], { cwd: dir });
    expect(jobs.code).toBe(2);
  });
});

describe("bindery suite --execute", () => {
  it("a fan-out (a → b, a → c): stale outputs are cleared first, every step passes, identities recorded", async () => {
    const root = project(FAN_OUT, { "out/a.txt": "stale\n", "out/b.txt": "stale\n" });
    const dir = join(root, "..");
    const result = await bindery(["suite", "--manifest", join(root, "suite.yaml"), "--execute", "--cwd", root, "--jobs", "2", "--output", join(root, "suite_report.json"), "--json"], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(readFileSync(join(root, "suite_report.json"), "utf8")) as Report;
    expect(report.ok).toBe(true);
    expect(report.mode).toBe("execute");
    expect(report.jobs).toBe(2);
    expect(status(report)).toEqual({ a: "passed", b: "passed", c: "passed" });
    expect(readFileSync(join(root, "out/b.txt"), "utf8")).toBe("b(fresh a)\n");
    for (const step of report.steps) {
      expect(step.exit_code).toBe(0);
      expect(step.duration_ms).toBeGreaterThanOrEqual(0);
      for (const output of step.outputs) {
        const bytes = readFileSync(join(root, output.path));
        expect(output).toEqual({ path: output.path, sha256: sha256(bytes), size: bytes.length });
      }
    }
    const a = report.steps.find((s) => s.id === "a")!;
    expect(a.argv).toEqual(["node", "a.mjs"]);
    expect(a.outputs.map((o) => o.path)).toEqual(["out/a.txt"]);
    // The log tail: credentials redacted, the suite root not named.
    expect(a.stdout!.text).toBe("a wrote out/a.txt in {root} holding [redacted HF_TOKEN]\n");
    expect(readFileSync(join(root, "suite_report.json"), "utf8")).not.toContain(CANARIES.HF_TOKEN);
    expect(report.steps.find((s) => s.id === "c")!.needs).toEqual(["a"]);
    expect(report.checks.map((c) => c.id)).toEqual(["graph", "step:a", "step:b", "step:c"]);
  });

  it("a step that exits 0 without writing its output fails; its dependents are skipped, independent steps run", async () => {
    const dir = project(
      {
        kind: "bindery/suite",
        steps: [
          { id: "lazy", argv: ["node", "-e", "0"], outputs: ["out/a.txt"] },
          { id: "after", argv: ["node", "b.mjs"], inputs: ["out/a.txt"], outputs: ["out/b.txt"] },
          { id: "later", argv: ["node", "-e", "0"], needs: ["after"] },
          { id: "alone", argv: ["node", "write.mjs", "out/c.txt", "c"], outputs: ["out/c.txt"] },
        ],
      },
      { "out/a.txt": "fresh a\n" },
    );
    const { result, report, codes } = await suite(dir, "execute");
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("bindery suite: RUN_FAILED: 1 step failed (lazy), 2 skipped (after, later).");
    expect(status(report)).toEqual({ lazy: "failed", after: "skipped", later: "skipped", alone: "passed" });
    expect(codes).toEqual(["MISSING_FILE"]);
    expect(report.findings[0]!.message).toContain("did not write its declared output out/a.txt");
    // The planted file did not survive to pass for the step's output.
    expect(existsSync(join(dir, "out/a.txt"))).toBe(false);
    expect(report.steps.find((s) => s.id === "later")!.problems).toEqual(["Not run: it needs after, which was skipped."]);
    const alone = report.steps.find((s) => s.id === "alone")!;
    expect(alone.outputs).toEqual([{ path: "out/c.txt", sha256: sha256("c\n"), size: 2 }]);
    expect(report.ok).toBe(false);
  });

  it("a step that exits 1 fails with its exit code and stderr tail recorded", async () => {
    const dir = project({
      kind: "bindery/suite",
      steps: { boom: { argv: ["node", "-e", "console.error('boom'); process.exit(1)"] }, next: { argv: ["node", "-e", "0"], needs: ["boom"] } },
    });
    const { result, report, codes } = await suite(dir, "execute");
    expect(result.code).toBe(1);
    expect(result.json<{ ok: boolean }>().ok).toBe(false);
    expect(codes).toEqual(["RUN_FAILED"]);
    const boom = report.steps.find((s) => s.id === "boom")!;
    expect(boom).toEqual(expect.objectContaining({ status: "failed", exit_code: 1, problems: ["The command exited with code 1."] }));
    expect(boom.stderr!.text).toBe("boom\n");
    expect(status(report)).toEqual({ boom: "failed", next: "skipped" });
  });
});

describe("eval aggregate --suite-report", () => {
  it("accepts metrics the suite wrote, and refuses one it did not write or that changed since", async () => {
    const dir = project({
      kind: "bindery/suite",
      steps: { evaluate: { argv: ["node", "-e", "const fs = require('fs'); fs.copyFileSync('metrics.json', 'model/eval/test.json')"], inputs: ["metrics.json"], outputs: ["model/eval/test.json"] } },
    }, { "model/model.bin": "weights", "model/config.json": "{}\n" });
    const manifest = await bindery(["model", "manifest", "--model-dir", "model", "--json"], { cwd: dir });
    expect(manifest.code, manifest.stderr).toBe(0);
    const metrics = {
      kind: "bindery/metrics",
      model_id: manifest.json<{ model_id: string }>().model_id,
      release_id: "lines-v0.1.0-r1",
      dataset_snapshot: "d".repeat(64),
      commit: "c".repeat(40),
      rows: [{ name: "r2", split: "test", value: 0.99712 }],
      conclusions: ["r2 on test is 0.9971."],
      negative_findings: ["Only 10 test points."],
    };
    writeFileSync(join(dir, "metrics.json"), JSON.stringify(metrics, null, 2));
    const run = await suite(dir, "execute");
    expect(run.result.code, run.result.stderr).toBe(0);

    const aggregate = async (...files: string[]) => {
      const result = await bindery(
        ["eval", "aggregate", "--model-dir", "model", "--metrics-json", ...files, "--output-metrics", "model/eval_metrics.json", "--output-report", "model/eval_report.md", "--suite-report", "suite_report.json", "--json"],
        { cwd: dir },
      );
      return { result, findings: (result.json<{ findings?: Finding[] }>().findings ?? []).map((f) => [f.code, f.path]) };
    };
    writeFileSync(join(dir, "model/eval/extra.json"), JSON.stringify({ ...metrics, rows: [{ name: "mse", split: "test", value: 0.5 }], conclusions: ["mse on test is 0.5."] }));
    const foreign = await aggregate("model/eval/test.json", "model/eval/extra.json");
    expect(foreign.result.code).toBe(1);
    expect(foreign.findings).toEqual([["MISSING_EVIDENCE", "eval/extra.json"]]);
    expect(existsSync(join(dir, "model/eval_metrics.json"))).toBe(false);

    const bound = await aggregate("model/eval/test.json");
    expect(bound.result.code, bound.result.stderr).toBe(0);

    writeFileSync(join(dir, "model/eval/test.json"), `${JSON.stringify(metrics)}\n`);
    const changed = await aggregate("model/eval/test.json");
    expect(changed.result.code).toBe(1);
    expect(changed.findings).toEqual([["IDENTITY_MISMATCH", "eval/test.json"]]);

    await suite(dir, "plan");
    const planned = await aggregate("model/eval/test.json");
    expect(planned.findings.map(([code]) => code)).toEqual(["REPORT_NOT_OK", "MISSING_EVIDENCE"]);
  });
});
