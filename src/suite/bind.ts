/**
 * `--suite-report`: a command that reads evidence files (metrics) can require that each one is an
 * output the suite recorded, with the same bytes. A recorded output's path is relative to the
 * suite root, which the report does not name (it would be private), so a file matches an output
 * when its path ends with the output's path; it is bound when its sha256 and size are the ones
 * the suite recorded.
 */
import { basename, resolve, sep } from "node:path";
import { readReport } from "../evidence/envelope.js";
import type { Finding } from "../evidence/errors.js";
import { identityOfBytes, type Identity } from "../evidence/identity.js";
import { finding } from "../evidence/rules/engine.js";
import { SUITE_REPORT, suiteReport } from "./schema.js";

/** A file to bind: its public name (for findings), where it is, and its digest. */
export interface BoundFile {
  path: string;
  abs: string;
  sha256: string;
  size: number;
}

export interface SuiteBinding {
  /** The suite report's identity, by its file name. */
  identity: Identity;
  findings: Finding[];
}

/** Checks that every file is an output the suite report recorded, with the same sha256 and size. */
export async function bindToSuite(reportFile: string, files: readonly BoundFile[]): Promise<SuiteBinding> {
  const read = await readReport(suiteReport, reportFile, reportFile);
  const report = read.value;
  const identity = identityOfBytes(basename(reportFile) || SUITE_REPORT, read.bytes);
  const findings: Finding[] = [];
  if (report.mode !== "execute" || !report.ok) {
    const why = report.mode === "plan" ? "it is a --plan report: nothing ran" : `not every step passed (${report.blockers.length} blockers)`;
    findings.push(finding("REPORT_NOT_OK", identity.path, `the suite report ${reportFile} is not ok: ${why}, so its outputs are not evidence.`, { field: "/ok" }));
  }
  const outputs = report.steps.filter((s) => s.status === "passed").flatMap((s) => s.outputs.map((o) => ({ ...o, step: s.id })));
  for (const file of files) {
    const abs = resolve(file.abs).split(sep).join("/");
    const named = outputs.filter((o) => abs.endsWith(`/${o.path}`));
    if (named.length === 0) {
      findings.push(finding("MISSING_EVIDENCE", file.path, `${file.path} is not an output of the suite: ${reportFile} records no passed step writing it (${outputs.length} output${outputs.length === 1 ? "" : "s"} recorded).`));
    } else if (!named.some((o) => o.sha256 === file.sha256 && o.size === file.size)) {
      const o = named[0]!;
      findings.push(
        finding("IDENTITY_MISMATCH", file.path, `${file.path} has sha256 ${file.sha256} (${file.size} bytes), but step ${o.step} of the suite wrote ${o.path} as sha256 ${o.sha256} (${o.size} bytes): it changed after the suite wrote it.`),
      );
    }
  }
  return { identity, findings };
}
