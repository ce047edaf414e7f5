/** `bindery release replay`: a clean-machine replay of a ready release from its public bytes. */
import type { Command } from "commander";
import { withExamples, withOutputOptions } from "./common.js";
import { formatBytes, plural } from "./format.js";
import { findingLine, runCommand, type OutputFlags } from "./output.js";

interface ReplayFlags extends OutputFlags {
  candidate: string;
  outputDir: string;
  config?: string;
}

/** Adds `replay` to the `release` command (src/cli/release.ts calls this). */
export function registerReleaseReplay(release: Command): void {
  withExamples(
    withOutputOptions(
      release
        .command("replay")
        .description(
          "download every planned file of a ready release from its public URL into an empty directory (no credentials, no cache), check it against the plan, re-verify the packages, re-run the published demo and compare; writes OUTPUT_DIR/clean_machine_demo_report.json",
        )
        .requiredOption("--candidate <file>", "the candidate report (release_candidate_report.json) of a ready release")
        .requiredOption("--output-dir <dir>", "an empty or new directory for the downloads, the replayed demo and the report")
        .option("--config <file>", "bindery.yaml whose release id the candidate must carry (default: ./bindery.yaml when present)"),
    ),
    [
      "bindery release replay --candidate release_candidate_report.json --output-dir replay",
      "bindery release replay --candidate release_candidate_report.json --output-dir clean --config bindery.yaml --json",
    ],
  ).action(async (flags: ReplayFlags) => {
    await runCommand(
      "bindery release replay",
      flags,
      async (context) => {
        const [{ replayRelease, replayFailure, storedFinding }, path] = await Promise.all([import("../release/replay.js"), import("node:path")]);
        const result = await replayRelease({
          candidate: flags.candidate,
          outputDir: flags.outputDir,
          ...(flags.config ? { config: flags.config } : {}),
          ...(context.onProgress ? { onProgress: context.onProgress } : {}),
        });
        const { report } = result;
        const shown = path.join(flags.outputDir, path.basename(result.reportFile));
        const failure = replayFailure(result, shown);
        const bytes = report.downloads.reduce((sum, d) => sum + (d.file?.size ?? 0), 0);
        const matched = report.downloads.filter((d) => d.ok).length;
        const replayLine =
          report.replay.status === "not_run"
            ? `demo      not replayed: ${report.replay.error ?? ""}`
            : `demo      replayed \`${report.replay.command.join(" ")}\`: exit ${report.replay.exit_code ?? "none"}, ${report.comparison.equal ? "the same model, inputs, runtime and outputs as published" : `${plural(report.comparison.findings.length, "difference")} from the published run`}`;
        return {
          json: {
            ok: report.ok,
            report: result.reportIdentity,
            candidate: report.candidate,
            release: report.release,
            checks: report.checks,
            blockers: report.blockers,
            downloads: { files: report.downloads.length, matched, bytes },
            verify: report.verify,
            replay: { status: report.replay.status, exit_code: report.replay.exit_code, manifest: report.replay.manifest },
            comparison: { equal: report.comparison.equal, findings: report.comparison.findings },
          },
          human: [
            `download  ${matched}/${plural(report.downloads.length, "planned file")} match the plan (${formatBytes(bytes)}) in ${flags.outputDir}`,
            ...report.downloads.filter((d) => !d.ok).map((d) => `  ${d.error ?? ""}`),
            `verify    ${report.verify.ok ? "the downloaded packages verify as a release" : "the downloaded packages do not verify as a release"}`,
            ...report.verify.findings.map(({ package: _package, ...f }) => `  ${findingLine(storedFinding(f))}`),
            replayLine,
            ...report.comparison.findings.map((f) => `  ${findingLine(storedFinding(f))}`),
            `${report.ok ? "OK  " : "FAIL"}  release ${report.release.id} (${report.release.tag}); report ${shown}`,
          ],
          ...(failure ? { failure } : {}),
        };
      },
      "downloading",
    );
  });
}
