/**
 * The published stage, from the local evidence: the candidate, replay and publication reports are
 * present; the publication report is what its inputs give now (bound and re-verified); and, when
 * the evidence is signed, every signature verifies against the expected signer, by the same
 * check `release audit` makes (the bytes read from disk instead of their URLs).
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { canonicalJson } from "../evidence/canonical-json.js";
import { readReport } from "../evidence/envelope.js";
import { BinderyError, inputError } from "../evidence/errors.js";
import { auditSignatures, signerFromConfig } from "../release/audit-signatures.js";
import { EVIDENCE_NAMES, publicationReport, releasePublication } from "../release/publication.js";
import { publicationSet, SIGNATURES_FILE } from "../signing/signatures.js";
import { findingsRow, rowOf, type GateContext } from "./gate.js";
import type { GateRow } from "./schema.js";

export async function publishedRows(context: GateContext, env: NodeJS.ProcessEnv): Promise<GateRow[]> {
  // Flags are relative to the working directory; the defaults, to the config's directory.
  const fromCwd = (path: string) => resolve(context.options.cwd ?? process.cwd(), path);
  const dir = context.options.evidenceDir ? fromCwd(context.options.evidenceDir) : join(context.base, "evidence");
  const files = {
    plan: join(dir, EVIDENCE_NAMES.plan),
    publishReport: join(dir, EVIDENCE_NAMES.publish),
    candidate: join(dir, EVIDENCE_NAMES.candidate),
    replay: context.options.replayReport ? fromCwd(context.options.replayReport) : join(context.base, "replay", EVIDENCE_NAMES.replay),
    publication: join(dir, EVIDENCE_NAMES.publication),
  };
  const missing = Object.values(files).filter((f) => !existsSync(f));
  if (missing.length > 0) {
    return [rowOf(context, { id: "evidence", status: "failed", code: "MISSING_EVIDENCE", message: `a published release has its evidence: ${missing.map(context.show).join(", ")} ${missing.length === 1 ? "is" : "are"} missing.`, files: missing.map(context.show) })];
  }
  const rows = [rowOf(context, { id: "evidence", status: "passed", code: null, message: "the plan, publish, candidate, replay and publication reports are present.", files: [] })];

  // The publication report, re-derived from its inputs: bound, agreeing, and unchanged.
  try {
    const now = await releasePublication({ plan: files.plan, candidate: files.candidate, publishReport: files.publishReport, replay: files.replay, issueRefs: context.loaded.config.issue_refs ?? {}, env });
    const { value: recorded } = await readReport(publicationReport, files.publication);
    const withoutTime = (r: typeof now) => canonicalJson({ ...r, generated_at: "" });
    if (!now.ok) rows.push(rowOf(context, { id: "publication", status: "failed", code: "REPORT_NOT_OK", message: `the reports do not agree: ${now.issues.map((i) => i.detail).join(" ")}`, files: [context.show(files.publication)] }));
    else if (withoutTime(now) !== withoutTime(recorded)) rows.push(rowOf(context, { id: "publication", status: "failed", code: "STALE_RENDER", message: `${context.show(files.publication)} is not what its plan, publish, candidate and replay reports give now: one of them changed after it was written.`, files: [context.show(files.publication)] }));
    else rows.push(rowOf(context, { id: "publication", status: "passed", code: null, message: `the publication binds the plan, publish, candidate and replay reports, and they agree on all ${now.files.length} files.`, files: [] }));
  } catch (error) {
    if (!(error instanceof BinderyError)) throw error;
    rows.push(rowOf(context, { id: "publication", status: "failed", code: error.code, message: error.message, files: [context.show(files.publication)] }));
  }

  rows.push(await signaturesRow(context, dir, files));
  return rows;
}

async function signaturesRow(context: GateContext, dir: string, files: { plan: string; publishReport: string; candidate: string; replay: string; publication: string }): Promise<GateRow> {
  const signatures = join(dir, "signatures");
  if (!existsSync(join(signatures, SIGNATURES_FILE))) return rowOf(context, { id: "signatures", status: "skipped", code: null, message: `the evidence is not signed (no ${context.show(join(signatures, SIGNATURES_FILE))}).`, files: [] });
  // Where each signed file is on this machine, by the URL signatures.json gives it.
  const set = await publicationSet({ publication: files.publication, plan: files.plan, candidate: files.candidate, publishReport: files.publishReport, replayReport: files.replay, base: context.base });
  const local = new Map(set.files.filter((f) => f.url).map((f) => [f.url!, f.file]));
  const origin = "bindery-gate:";
  const read = async (url: string): Promise<Buffer> => {
    const file = url.startsWith(origin) ? join(signatures, decodeURIComponent(url.slice(origin.length + 1))) : local.get(url);
    if (!file || !existsSync(file)) throw new BinderyError("INPUT_NOT_FOUND", `${url} has no local copy.`, { exitCode: 3 });
    return readFile(file).catch((error: unknown) => {
      throw inputError(error, file);
    });
  };
  const signer = { ...signerFromConfig(context.loaded), ...context.options.signer };
  const result = await auditSignatures(origin, signer, read);
  const who = signer.publicKey ? "the given public key" : `${signer.identity} (${signer.issuer})`;
  return findingsRow(context, "signatures", result.findings, `${result.verified} signatures verify offline, signed by ${who}.`, (label) => context.show(join(signatures, label)));
}
