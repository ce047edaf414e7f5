/**
 * The gate's report where CI shows it: a human table, JUnit XML (one test case per row, a
 * `failure` element exactly for the failing ones) for CI test tabs, a Markdown step summary for
 * GitHub Actions, and `::error file=...::` workflow annotations that name the files.
 */
import { relative, resolve } from "node:path";
import type { GateReport, GateRow } from "./schema.js";

const xml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, "");

export function junitXml(report: GateReport): string {
  const failures = report.rows.filter((r) => r.status === "failed").length;
  const skipped = report.rows.filter((r) => r.status === "skipped").length;
  const cases = report.rows.map((r) => {
    const name = `${xml(r.id)}`;
    const head = `    <testcase classname="bindery.gate.${report.stage}" name="${name}">`;
    if (r.status === "failed") return `${head}\n      <failure type="${xml(r.code ?? "FAILED")}" message="${xml(r.message)}">${xml([r.message, ...r.files.map((f) => `file: ${f}`), ...r.issue_refs.map((i) => `issue: ${i}`)].join("\n"))}</failure>\n    </testcase>`;
    if (r.status === "skipped") return `${head}\n      <skipped message="${xml(r.message)}"/>\n    </testcase>`;
    return `${head}\n      <system-out>${xml(`${r.status}: ${r.message}`)}</system-out>\n    </testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="bindery gate" tests="${report.rows.length}" failures="${failures}" skipped="${skipped}">`,
    `  <testsuite name="bindery gate --stage ${report.stage}" tests="${report.rows.length}" failures="${failures}" skipped="${skipped}" timestamp="${report.generated_at}">`,
    ...cases,
    "  </testsuite>",
    "</testsuites>",
    "",
  ].join("\n");
}

const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
const MARK: Readonly<Record<GateRow["status"], string>> = { passed: "✅ passed", failed: "❌ failed", skipped: "⏭️ skipped", rescoped: "↪️ rescoped" };

export function stepSummary(report: GateReport): string {
  return [
    `### bindery gate --stage ${report.stage}: ${report.ok ? "GO" : "NO-GO"}${report.release ? ` (${report.release.id}, version ${report.release.version})` : ""}`,
    "",
    "| Check | Status | Code | Details | Files |",
    "| --- | --- | --- | --- | --- |",
    ...report.rows.map((r) => `| ${cell(r.id)} | ${MARK[r.status]} | ${r.code ? `\`${r.code}\`` : ""} | ${cell(r.message)}${r.issue_refs.length ? ` (${cell(r.issue_refs.join(", "))})` : ""} | ${cell(r.files.map((f) => `\`${f}\``).join(", "))} |`),
    "",
  ].join("\n");
}

/**
 * Workflow commands: one `::error` per failing row and file (or one without a file). Files are
 * named relative to `from` (the config's directory) in the report; GitHub wants them relative to
 * the workspace, so they are re-based onto `to` when both are given.
 */
export function annotations(report: GateReport, paths: { from?: string; to?: string } = {}): string[] {
  const rebase = (file: string) => (paths.from && paths.to ? relative(paths.to, resolve(paths.from, file)) : file);
  const escape = (text: string) => text.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
  const prop = (text: string) => escape(text).replace(/:/g, "%3A").replace(/,/g, "%2C");
  const out: string[] = [];
  for (const r of report.rows.filter((x) => x.status === "failed")) {
    const title = `bindery gate: ${r.id}${r.code ? ` (${r.code})` : ""}`;
    const targets = r.files.length > 0 ? r.files : [undefined];
    for (const f of targets) {
      const [file, line] = f?.split(/:(?=\d+$)/) ?? [];
      out.push(`::error ${[file ? `file=${prop(rebase(file))}` : "", line ? `line=${line}` : "", `title=${prop(title)}`].filter(Boolean).join(",")}::${escape(r.message)}`);
    }
  }
  return out;
}

export function table(report: GateReport): string[] {
  const width = Math.max(...report.rows.map((r) => r.id.length), 5);
  const tag: Readonly<Record<GateRow["status"], string>> = { passed: "OK  ", failed: "FAIL", skipped: "SKIP", rescoped: "RESC" };
  return [
    ...report.rows.map((r) => `${tag[r.status]}  ${r.id.padEnd(width)}  ${r.code ? `${r.code}: ` : ""}${r.message}${r.files.length && r.status === "failed" ? ` [${r.files.join(", ")}]` : ""}`),
    `${report.ok ? "GO" : "NO-GO"}  bindery gate --stage ${report.stage}${report.release ? ` for ${report.release.id}` : ""}: ${report.rows.filter((r) => r.status === "passed").length} passed, ${report.rows.filter((r) => r.status === "failed").length} failed, ${report.rows.filter((r) => r.status === "skipped").length} skipped`,
  ];
}
