/**
 * release_gate_report.json: go or no-go for one stage of a release (pr, release, published), one
 * row per check with its status, code, message, the files involved and the tracker references.
 * Written by `bindery gate`; a row is never "passed" unless its check ran and held.
 */
import { z } from "zod";
import { defineReport } from "../evidence/envelope.js";

export const GATE_REPORT_FILE = "release_gate_report.json";
export const STAGES = ["pr", "release", "published"] as const;
export type Stage = (typeof STAGES)[number];

export const gateRowSchema = z.object({
  id: z.string().describe("The check: config, changelog, pack, package:model, plan, release-set, target:NAME, golden, evidence, publication, signatures"),
  status: z.enum(["passed", "failed", "skipped", "rescoped"]).describe("skipped: the check does not apply at this stage or to this project (the message says why)"),
  ok: z.boolean().describe("Whether the row lets the gate pass: passed, skipped and rescoped rows do (a rescoped row is an accepted decision, never a pass); failed rows do not"),
  code: z.string().nullable().describe("The error code of the first problem, when it failed"),
  message: z.string(),
  files: z.array(z.string()).describe("The files involved, relative to the config's directory (with :LINE when known)"),
  issue_refs: z.array(z.string()),
});
export type GateRow = z.output<typeof gateRowSchema>;

export const gateReport = defineReport({
  name: GATE_REPORT_FILE,
  generatedBy: "bindery gate",
  schemaVersion: "1.0.0",
  claimBoundary: "Says whether the checks of one stage held when the gate ran, on the files it read; it proves nothing about files or platforms it did not read.",
  body: {
    ok: z.boolean(),
    stage: z.enum(STAGES),
    release: z.object({ id: z.string(), version: z.string() }).nullable(),
    rows: z.array(gateRowSchema),
    blockers: z.array(z.string()).describe("The ids of the rows that keep the gate shut"),
  },
});
export type GateReport = z.output<typeof gateReport.schema>;
