import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  BinderyError,
  buildReport,
  defineReport,
  envelopeSchema,
  generatedAt,
  prettyJson,
  readReport,
  TOOL_VERSION,
  writeReport,
} from "../support/lib.js";
import { tempDir } from "../support/tmp.js";

const inspection = defineReport({
  name: "inspection_report.json",
  generatedBy: "bindery inspect run",
  schemaVersion: "1.0.0",
  claimBoundary: "This report checks byte identity only; it does not prove the weights are any good.",
  body: { ok: z.boolean(), checked: z.number().int() },
});
const inputs = [{ path: "weights.bin", sha256: "a".repeat(64), size: 3, root: "model" as const }];
const epoch = { SOURCE_DATE_EPOCH: "1767225600" };

describe("the report envelope", () => {
  it("fills in generator, tool, UTC time from SOURCE_DATE_EPOCH, fixture=false and the claim boundary", () => {
    const report = buildReport(inspection, { inputs, body: { ok: true, checked: 1 }, env: epoch });
    expect(report).toEqual({
      schema_version: "1.0.0",
      generated_by: "bindery inspect run",
      generated_at: "2026-01-01T00:00:00Z",
      tool: { name: "bindery", version: TOOL_VERSION },
      inputs,
      fixture: false,
      claim_boundary: inspection.claimBoundary,
      ok: true,
      checked: 1,
    });
    expect(envelopeSchema.safeParse(report).success).toBe(true);
  });

  it("records fixture mode only when asked, and refuses a bad SOURCE_DATE_EPOCH", () => {
    expect(buildReport(inspection, { inputs: [], body: { ok: true, checked: 0 }, fixture: true, env: epoch }).fixture).toBe(true);
    expect(() => generatedAt({ SOURCE_DATE_EPOCH: "yesterday" })).toThrow(BinderyError);
    expect(generatedAt({}, () => new Date("2026-03-04T05:06:07.891Z"))).toBe("2026-03-04T05:06:07Z");
  });

  it("refuses to build a report that breaks its own schema (a bug, exit 70)", () => {
    const bad = { inputs: [{ path: "/abs/x", sha256: "a".repeat(64), size: 1 }], body: { ok: true, checked: 1 } };
    expect(() => buildReport(inspection, bad)).toThrow(expect.objectContaining({ code: "INTERNAL", exitCode: 70 }));
  });

  it("writes the stable pretty form atomically and reads it back re-validated", async () => {
    const dir = tempDir();
    const file = join(dir, "inspection_report.json");
    const report = buildReport(inspection, { inputs, body: { ok: true, checked: 1 }, env: epoch });
    const identity = await writeReport(file, report, "inspection_report.json");
    const text = readFileSync(file, "utf8");
    expect(text).toBe(prettyJson(report));
    expect(identity).toMatchObject({ path: "inspection_report.json", size: Buffer.byteLength(text) });
    expect((await readReport(inspection, file)).value).toEqual(report);
  });

  it("reading refuses a foreign generator, a local timestamp, and an input with a private path", async () => {
    const dir = tempDir();
    const file = join(dir, "r.json");
    const report = buildReport(inspection, { inputs, body: { ok: true, checked: 1 }, env: epoch });
    writeFileSync(file, JSON.stringify({ ...report, generated_by: "make_report.py" }));
    await expect(readReport(inspection, file, "r.json")).rejects.toMatchObject({
      code: "FOREIGN_GENERATOR",
      message: 'r.json: its generated_by is "make_report.py", not "bindery inspect run".',
      exitCode: 3,
    });
    writeFileSync(file, JSON.stringify({ ...report, generated_at: "2026-01-01T01:00:00+01:00" }));
    await expect(readReport(inspection, file, "r.json")).rejects.toMatchObject({ code: "INPUT_INVALID", message: /generated_at/ });
    writeFileSync(file, JSON.stringify({ ...report, inputs: [{ ...inputs[0], path: "/home/me/w.bin" }] }));
    await expect(readReport(inspection, file, "r.json")).rejects.toMatchObject({ code: "INPUT_INVALID", message: /inputs\.0\.path/ });
  });
});
