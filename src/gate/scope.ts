/**
 * Scope decisions: when a release misses a target and the maintainers explicitly accept a
 * re-scope, `bindery scope accept` records the decision (its URL, the rationale, the replacement
 * target, tracker references) bound to the identity of the report that missed it. A gate given
 * the decision shows that target's row as `rescoped`, never as passing, with the decision; and
 * refuses a decision that no longer matches its report (the numbers changed: decide again).
 */
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { z } from "zod";
import { buildReport, defineReport, readReport } from "../evidence/envelope.js";
import { BinderyError, inputError } from "../evidence/errors.js";
import { identityOfBytes, identitySchema } from "../evidence/identity.js";
import type { Config } from "../config/config.js";
import type { GateRow } from "./schema.js";

export const SCOPE_REPORT_FILE = "scope_decision.json";

export const scopeReport = defineReport({
  name: SCOPE_REPORT_FILE,
  generatedBy: "bindery scope accept",
  schemaVersion: "1.0.0",
  claimBoundary: "Records that the maintainers accepted missing a target, and why; it does not say the target was met, and it holds only for the report it names.",
  body: {
    target: z.string(),
    report: identitySchema.describe("The report that missed the target (the model package's eval_metrics.json), by identity"),
    missed: z.string().describe("How the report missed the target, when the decision was made"),
    decision_url: z.string().describe("Where the decision was made (an issue, a meeting note)"),
    rationale: z.string().min(1),
    replacement: z.string().describe("The target the release is held to instead"),
    issue_refs: z.array(z.string()),
  },
});
export type ScopeReport = z.output<typeof scopeReport.schema>;

export interface AcceptOptions {
  report: string;
  target: string;
  decisionUrl: string;
  rationale: string;
  replacement: string;
  issueRefs: readonly string[];
  targets: NonNullable<Config["targets"]>;
  /** How the target is missed now (from the gate's row logic), or null when it is met. */
  missed: string | null;
  env?: NodeJS.ProcessEnv;
}

export async function acceptScope(options: AcceptOptions): Promise<ScopeReport> {
  if (!options.targets[options.target]) throw new BinderyError("USAGE", `--target ${options.target} is not a target of bindery.yaml (its targets: ${Object.keys(options.targets).join(", ") || "none"}).`);
  if (!options.targets[options.replacement]) throw new BinderyError("USAGE", `--replacement ${options.replacement} is not a target of bindery.yaml: declare the target the release is held to instead, then accept the re-scope.`);
  if (options.replacement === options.target) throw new BinderyError("USAGE", "--replacement must be another target than --target.");
  if (!/^https?:\/\//.test(options.decisionUrl)) throw new BinderyError("USAGE", `--decision-url ${options.decisionUrl} is not a URL: link where the decision was made.`);
  if (!options.rationale.trim()) throw new BinderyError("USAGE", "--rationale must say why the target is re-scoped.");
  if (options.missed === null) throw new BinderyError("USAGE", `${options.report} meets target ${options.target}: there is nothing to re-scope.`);
  const bytes = await readFile(options.report).catch((error: unknown) => {
    throw inputError(error, options.report);
  });
  return buildReport(scopeReport, {
    inputs: [identityOfBytes(basename(options.report), bytes)],
    body: {
      target: options.target,
      report: identityOfBytes(basename(options.report), bytes),
      missed: options.missed,
      decision_url: options.decisionUrl,
      rationale: options.rationale.trim(),
      replacement: options.replacement,
      issue_refs: [...options.issueRefs],
    },
    ...(options.env ? { env: options.env } : {}),
  });
}

export async function readScopeReports(files: readonly string[]): Promise<{ file: string; report: ScopeReport }[]> {
  return Promise.all(files.map(async (file) => ({ file, report: (await readReport(scopeReport, file)).value })));
}

/**
 * A failed target row with a decision for it becomes `rescoped` when the decision still binds the
 * report as it is now (`current`: the identity of the metrics file), and stays failed, saying
 * why, when it does not.
 */
export function applyScope(row: GateRow, decisions: readonly { file: string; report: ScopeReport }[], current: { sha256: string } | null, shown: string): GateRow {
  const target = row.id.replace(/^target:/, "");
  const decision = decisions.find((d) => d.report.target === target);
  if (!decision || row.status !== "failed") return row;
  const d = decision.report;
  if (!current || current.sha256 !== d.report.sha256) {
    return { ...row, code: "DISAGREEMENT", message: `${row.message} The scope decision ${decision.file} no longer matches: it was made for ${d.report.path} sha256 ${d.report.sha256}, and ${shown} is now ${current?.sha256 ?? "missing"}; decide again.`, files: [...row.files, decision.file] };
  }
  return {
    ...row,
    status: "rescoped",
    ok: true,
    code: null,
    message: `target ${target} is not met (${d.missed}); re-scoped to ${d.replacement} by ${d.decision_url}: ${d.rationale}`,
    issue_refs: [...new Set([...row.issue_refs, ...d.issue_refs])],
  };
}
