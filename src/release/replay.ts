/**
 * `bindery release replay`: a clean-machine replay of a ready release. Given the candidate report
 * (which embeds the plan), it refuses anything it cannot trust before any request
 * (replay-admit.ts), then downloads every planned file from its public URL into an empty
 * directory and hashes it against the plan (replay-download.ts), re-runs the release-set verifier
 * on the downloaded packages, re-runs the published demo against the downloaded model and
 * compares the two demo manifests (replay-demo.ts). The report, clean_machine_demo_report.json,
 * is written into the output directory and binds the candidate report's exact bytes.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { buildReport, writeReport, type CheckRow } from "../evidence/envelope.js";
import { BinderyError, type Finding } from "../evidence/errors.js";
import type { Identity } from "../evidence/identity.js";
import { finding } from "../evidence/rules/engine.js";
import { generatedAt } from "../evidence/time.js";
import { retryPolicyFromEnv, type RetryPolicy } from "../hub/http.js";
import { admitCandidate, type AdmittedCandidate } from "./replay-admit.js";
import { replayDemo, withoutDir } from "./replay-demo.js";
import { downloadCode, downloadPlanned, remoteFailure, type DownloadProgress } from "./replay-download.js";
import { cleanMachineDemoReport, REPLAY_DEMO_DIR, REPLAY_REPORT_FILE, REPLAY_ROOTS, type CleanMachineDemoReport, type ReplayDownload } from "./replay-schema.js";
import { verifyRelease, type VerifyReleaseResult } from "./verify.js";

export { admitCandidate, publicUrl, requiredRows, type AdmittedCandidate, type PlannedDownload } from "./replay-admit.js";
export { compareManifests } from "./replay-demo.js";
export * from "./replay-schema.js";

export interface ReplayReleaseOptions {
  /** release_candidate_report.json (written by `bindery release candidate`). */
  candidate: string;
  /** An empty or new directory: the downloads, the replayed demo and the report go here. */
  outputDir: string;
  /** bindery.yaml whose release id the candidate must carry (default: ./bindery.yaml when present). */
  config?: string;
  /** Where relative paths are resolved from (default: the working directory). */
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** The retry policy for downloads (default: bindery's, with BINDERY_RETRY_BASE_MS honoured). */
  retry?: RetryPolicy;
  onProgress?: (event: DownloadProgress) => void;
}

export interface ReplayReleaseResult {
  ok: boolean;
  report: CleanMachineDemoReport;
  /** Where the report was written (inside the output directory) and its identity. */
  reportFile: string;
  reportIdentity: Identity;
  /** Some download failed for want of an answer (network, 5xx, 429), not because of the bytes. */
  remote: boolean;
}

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? "" : "s"}`;

function downloadRow(downloads: readonly ReplayDownload[]): CheckRow {
  const bad = downloads.filter((d) => !d.ok);
  const bytes = downloads.reduce((sum, d) => sum + (d.file?.size ?? 0), 0);
  if (bad.length === 0) {
    return { id: "download", ok: true, detail: `${plural(downloads.length, "planned file")} downloaded anonymously from their public URLs (${bytes} bytes), each with the plan's sha256 and size.`, issue_refs: [] };
  }
  const codes = [...new Set(bad.map(downloadCode))];
  const names = bad.slice(0, 5).map((d) => (d.file?.path ?? `${d.source.root}/${d.source.path}`)).join(", ");
  return { id: "download", ok: false, detail: `${bad.length} of ${plural(downloads.length, "planned file")} did not download as planned: ${names}${bad.length > 5 ? ", ..." : ""}.`, issue_refs: codes };
}

function verifyRow(result: VerifyReleaseResult): CheckRow {
  const errors = result.findings.filter((f) => f.severity === "error");
  const codes = [...new Set(errors.map((f) => f.code))];
  return result.ok
    ? { id: "verify", ok: true, detail: "The downloaded packages verify as a release (bindery verify --release): no problem found.", issue_refs: [] }
    : { id: "verify", ok: false, detail: `The downloaded packages do not verify as a release: ${plural(errors.length, "problem")} (${codes.join(", ")}).`, issue_refs: codes };
}

function demoRow(replay: CleanMachineDemoReport["replay"], comparison: CleanMachineDemoReport["comparison"]): CheckRow {
  if (replay.status === "ok" && comparison.equal) {
    const outputs = replay.outputs.map((o) => o.file?.path.slice(REPLAY_DEMO_DIR.length + 1)).join(", ");
    return { id: "demo", ok: true, detail: `The published demo replayed against the downloaded model with exit code ${replay.exit_code} and the same model, inputs, runtime and outputs (${outputs || "no outputs"}) as published.`, issue_refs: [] };
  }
  if (replay.status !== "ok" && comparison.findings.every((f) => f.code === "RUN_FAILED")) {
    return { id: "demo", ok: false, detail: `The published demo ${replay.status === "not_run" ? "was not replayed" : "failed when replayed"}: ${replay.error ?? "see the replay section"}`, issue_refs: ["RUN_FAILED"] };
  }
  const differ = comparison.findings.map((f) => f.field ?? f.path);
  return { id: "demo", ok: false, detail: `The replayed demo differs from the published one in ${plural(differ.length, "field")}: ${differ.join(", ")}.`, issue_refs: [...new Set(comparison.findings.map((f) => f.code))] };
}

/** Runs the replay; refusals throw before any request, anything later is recorded in the report. */
export async function replayRelease(options: ReplayReleaseOptions): Promise<ReplayReleaseResult> {
  const env = options.env ?? process.env;
  generatedAt(env); // a malformed SOURCE_DATE_EPOCH is refused before any request
  const admitted = await admitCandidate(options);
  return replayAdmitted(admitted, options, env);
}

async function replayAdmitted(admitted: AdmittedCandidate, options: ReplayReleaseOptions, env: NodeJS.ProcessEnv): Promise<ReplayReleaseResult> {
  const { candidate, outputDir } = admitted;
  await mkdir(outputDir, { recursive: true });
  const downloads = await downloadPlanned(admitted.downloads, outputDir, { retry: options.retry ?? retryPolicyFromEnv(env), ...(options.onProgress ? { onProgress: options.onProgress } : {}) });

  const roots = new Set(admitted.downloads.map((d) => d.source.root));
  const dir = (root: string) => join(outputDir, root);
  const verified = await verifyRelease({
    modelDir: dir("model"),
    datasetDir: dir("dataset"),
    demoDir: dir("demo"),
    ...(roots.has("paper") ? { paperDir: dir("paper") } : {}),
    ...(roots.has("run") ? { runDir: dir("run") } : {}),
    releaseId: candidate.release.id,
    version: candidate.release.version,
    release: true,
  });
  const verifyFindings = verified.findings.map((f) => ({ ...f, message: withoutDir(f.message, outputDir) }));

  const downloadsOk = downloads.every((d) => d.ok);
  const { replay, comparison } = await replayDemo(outputDir, {
    env,
    ...(downloadsOk ? {} : { skip: "the downloads did not match the plan, and only the planned bytes are run." }),
  });

  const checks = [downloadRow(downloads), verifyRow(verified), demoRow(replay, comparison)];
  const blockers = checks.filter((c) => !c.ok).map((c) => c.detail);
  const report = buildReport(cleanMachineDemoReport, {
    inputs: [admitted.identity],
    env,
    body: {
      ok: blockers.length === 0,
      checks,
      blockers,
      candidate: admitted.identity,
      release: { ...candidate.release },
      plan: candidate.plan_identity,
      output_layout: { roots: Object.fromEntries(REPLAY_ROOTS.filter((r) => roots.has(r)).map((r) => [r, r])), replay: REPLAY_DEMO_DIR },
      downloads,
      verify: { ok: verified.ok, findings: verifyFindings },
      replay,
      comparison,
    },
  });
  const reportFile = join(outputDir, REPLAY_REPORT_FILE);
  const reportIdentity = await writeReport(reportFile, report, REPLAY_REPORT_FILE);
  return { ok: report.ok, report, reportFile, reportIdentity, remote: downloads.some(remoteFailure) };
}

type StoredFinding = CleanMachineDemoReport["comparison"]["findings"][number];

/** A finding as a report stores it, back to a Finding (absent optional fields left out). */
export function storedFinding({ field, line, ...rest }: StoredFinding): Finding {
  return { ...rest, ...(field === undefined ? {} : { field }), ...(line === undefined ? {} : { line }) };
}

/** Every finding behind a replay that says no: downloads, verifier, demo comparison. */
export function replayFindings(report: CleanMachineDemoReport): Finding[] {
  const downloads = report.downloads.filter((d) => !d.ok).map((d) => finding(downloadCode(d), d.file?.path ?? `${d.source.root}/${d.source.path}`, d.error ?? "not as planned"));
  const verify = report.verify.findings.map(({ package: _package, ...f }) => storedFinding(f));
  return [...downloads, ...verify, ...report.comparison.findings.map(storedFinding)];
}

/** The error a replay that says no ends with: exit 4 when a platform did not answer, else exit 1. */
export function replayFailure(result: ReplayReleaseResult, shown: string): BinderyError | undefined {
  if (result.ok) return undefined;
  const findings = replayFindings(result.report);
  const errors = findings.filter((f) => f.severity === "error");
  const failed = result.report.checks.filter((c) => !c.ok).map((c) => c.id);
  if (result.remote) {
    return new BinderyError("REMOTE_UNAVAILABLE", `the replay could not download every planned file (${result.report.checks[0]!.detail}) The report is ${shown}.`, { findings, hint: "Re-run into a new empty directory when the platform answers again." });
  }
  return new BinderyError("VERIFICATION_FAILED", `the replay says no (${failed.join(", ")}): ${errors.length} problem${errors.length === 1 ? "" : "s"} found (${[...new Set(errors.map((f) => f.code))].join(", ")}). The report is ${shown}.`, { findings });
}
