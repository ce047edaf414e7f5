import { tmpdir } from "node:os";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  agreementRule,
  buildReport,
  defineReport,
  exactSetRule,
  generatorRule,
  identityOfBytes,
  identityRule,
  placeholderRule,
  publicTextRule,
  rerenderRule,
  runRules,
  verificationError,
  type Rule,
} from "../support/lib.js";
import { z } from "zod";
import { tempDir } from "../support/tmp.js";

const check = async (rule: Rule) => (await runRules([rule])).findings;

describe("identity rule", () => {
  it("passes matching bytes and names a changed digest, a changed size and a missing file", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "a.bin"), "alpha");
    writeFileSync(join(dir, "b.bin"), "bravo");
    const a = identityOfBytes("a.bin", "alpha");
    const b = identityOfBytes("b.bin", "bravO");
    const findings = await check(
      identityRule({
        expected: [
          { ...a, abs: join(dir, "a.bin") },
          { ...b, abs: join(dir, "b.bin") },
          { ...a, path: "c.bin", size: 4, abs: join(dir, "a.bin") },
          { ...a, path: "gone.bin", abs: join(dir, "gone.bin") },
        ],
      }),
    );
    expect(findings.map((f) => [f.code, f.path])).toEqual([
      ["MISSING_FILE", "gone.bin"],
      ["IDENTITY_MISMATCH", "b.bin"],
      ["IDENTITY_MISMATCH", "c.bin"],
    ]);
    expect(findings[1]!.message).toBe(`b.bin has sha256 ${identityOfBytes("x", "bravo").sha256}, but its identity says ${b.sha256}.`);
    expect(findings[2]!.message).toBe("c.bin is 5 bytes, but its identity says 4.");
  });
});

describe("exact-set rule", () => {
  it("names every missing and every extra file, and allows extras only when told", async () => {
    const rule = (allowExtra: boolean) =>
      exactSetRule({ listing: "the plan", listed: ["a", "b", "c"], present: ["b", "c", "d", "e"], allowExtra });
    expect((await check(rule(false))).map((f) => [f.code, f.path])).toEqual([
      ["MISSING_FILE", "a"],
      ["EXTRA_FILE", "d"],
      ["EXTRA_FILE", "e"],
    ]);
    expect((await check(rule(true))).map((f) => f.code)).toEqual(["MISSING_FILE"]);
  });
});

describe("re-render rule", () => {
  it("accepts an exact render and names the first differing line of a stale one", async () => {
    const dir = tempDir();
    const render = () => "# Card\nscore: 0.91\nend\n";
    writeFileSync(join(dir, "card.md"), render());
    expect(await check(rerenderRule({ path: "card.md", abs: join(dir, "card.md"), render }))).toEqual([]);
    writeFileSync(join(dir, "card.md"), "# Card\nscore: 0.97\nend\n");
    const [stale] = await check(rerenderRule({ path: "card.md", abs: join(dir, "card.md"), render }));
    expect(stale).toMatchObject({ code: "STALE_RENDER", path: "card.md", line: 2 });
    expect(stale!.message).toContain('at line 2: expected "score: 0.91", found "score: 0.97"');
    const [missing] = await check(rerenderRule({ path: "gone.md", abs: join(dir, "gone.md"), render }));
    expect(missing).toMatchObject({ code: "MISSING_FILE", path: "gone.md" });
  });

  it("catches a difference in bytes alone (a trailing newline)", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "card.md"), "x\n\n");
    const [stale] = await check(rerenderRule({ path: "card.md", abs: join(dir, "card.md"), render: () => "x\n" }));
    expect(stale).toMatchObject({ code: "STALE_RENDER", line: 3 });
  });
});

describe("agreement rule", () => {
  it("names each artifact that disagrees with the first", async () => {
    const findings = await check(
      agreementRule({
        fact: "model id",
        sources: [
          { path: "manifest.json", value: "abc" },
          { path: "model_package.json", field: "/model_id", value: "abc" },
          { path: "eval_metrics.json", field: "/model_id", value: "abd" },
          { path: "efficiency_report.json", field: "/model_id", value: undefined },
        ],
      }),
    );
    expect(findings).toEqual([
      {
        code: "DISAGREEMENT",
        severity: "error",
        path: "eval_metrics.json",
        field: "/model_id",
        message: 'eval_metrics.json says the model id is "abd", but manifest.json says "abc".',
      },
      {
        code: "DISAGREEMENT",
        severity: "error",
        path: "efficiency_report.json",
        field: "/model_id",
        message: 'efficiency_report.json says the model id is missing, but manifest.json says "abc".',
      },
    ]);
  });
});

describe("generator rule", () => {
  it.each([
    [{ generated_by: "bindery dataset package" }, []],
    [{ generated_by: "prepare_data.py" }, ['its generated_by is "prepare_data.py", not "bindery dataset package".']],
    [{}, ['it has no generated_by marker (expected "bindery dataset package").']],
    [{ generated_by: "bindery model package" }, ['its generated_by is "bindery model package", not "bindery dataset package".']],
  ])("%j", async (document, problems) => {
    const findings = await check(generatorRule({ path: "dataset_package.json", document, expected: "bindery dataset package" }));
    expect(findings.map((f) => f.message)).toEqual(problems.map((p) => `dataset_package.json: ${p}`));
    expect(findings.every((f) => f.code === "FOREIGN_GENERATOR" && f.field === "/generated_by")).toBe(true);
  });
});

describe("public-text rule", () => {
  const report = defineReport({
    name: "check_report.json",
    generatedBy: "bindery check run",
    schemaVersion: "1.0.0",
    claimBoundary: "Checks only what it lists.",
    body: { checks: z.array(z.object({ id: z.string(), detail: z.object({ messages: z.array(z.string()) }) })) },
  });

  it("finds a temp path buried in a nested message of a report, with its JSON pointer", async () => {
    const leaked = join(tmpdir(), "bindery-run-8f3a", "weights.bin");
    const document = buildReport(report, {
      inputs: [],
      body: {
        checks: [
          { id: "hub", detail: { messages: ["POST /api/repos/create answered 200", "see https://huggingface.co/org/m"] } },
          { id: "weights", detail: { messages: ["ok", `could not open ${leaked}: ENOENT`] } },
        ],
      },
    });
    const findings = await check(publicTextRule({ path: "check_report.json", document }));
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      code: "PRIVATE_PATH",
      path: "check_report.json",
      field: "/checks/1/detail/messages/1",
    });
    expect(findings[0]!.message).toContain(leaked);
  });

  it("checks object keys and text lines too", async () => {
    const byKey = await check(publicTextRule({ path: "m.json", document: { files: { "/home/ann/w.bin": 1 } } }));
    expect(byKey.map((f) => f.field)).toEqual(["/files/~1home~1ann~1w.bin"]);
    const byLine = await check(publicTextRule({ path: "card.md", text: "# Card\nTrained in ~/runs/7\n" }));
    expect(byLine.map((f) => [f.code, f.line])).toEqual([["PRIVATE_PATH", 2]]);
  });
});

describe("placeholder rule", () => {
  it("refuses placeholder wording, or lists it as warnings under --allow-placeholders", async () => {
    const text = "# Model\nAccuracy: TBD\nLorem  ipsum dolor.\nA todo-free line? No: todo.\nThe dummy baseline scored 0.5.\n";
    const refused = await check(placeholderRule({ path: "model_card.md", text }));
    expect(refused.map((f) => [f.code, f.line, f.severity])).toEqual([
      ["PLACEHOLDER_TEXT", 2, "error"],
      ["PLACEHOLDER_TEXT", 3, "error"],
      ["PLACEHOLDER_TEXT", 4, "error"],
      ["PLACEHOLDER_TEXT", 5, "error"],
    ]);
    const allowed = await runRules([placeholderRule({ path: "model_card.md", text, allowPlaceholders: true })]);
    expect(allowed.ok).toBe(true);
    expect(allowed.findings.every((f) => f.severity === "warning")).toBe(true);
    expect(await check(placeholderRule({ path: "x.json", document: { note: "Todos los datos" } }))).toEqual([]);
  });
});

describe("the engine", () => {
  it("returns every finding of every rule, and a failed verdict becomes one exit-1 error carrying them all", async () => {
    const verdict = await runRules([
      exactSetRule({ listing: "SHA256SUMS", listed: ["a"], present: ["b"] }),
      generatorRule({ path: "r.json", document: {}, expected: "bindery x" }),
      placeholderRule({ path: "c.md", text: "TODO" }),
    ]);
    expect(verdict.ok).toBe(false);
    expect(verdict.findings.map((f) => f.code)).toEqual(["MISSING_FILE", "EXTRA_FILE", "FOREIGN_GENERATOR", "PLACEHOLDER_TEXT"]);
    const error = verificationError("release", verdict);
    expect(error).toMatchObject({ code: "VERIFICATION_FAILED", exitCode: 1, findings: verdict.findings });
    expect(error.message).toBe("release: 4 problems found (MISSING_FILE, EXTRA_FILE, FOREIGN_GENERATOR, PLACEHOLDER_TEXT).");
  });
});
