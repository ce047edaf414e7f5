/** `bindery checksums write|verify`: SHA256SUMS files that GNU `sha256sum -c` accepts. */
import type { Command } from "commander";
import { collect, withExamples, withOutputOptions } from "./common.js";
import { formatBytes, plural } from "./format.js";
import { findingLine, runCommand, type OutputFlags } from "./output.js";

interface WriteFlags extends OutputFlags {
  output?: string;
  exclude?: string[];
}

interface VerifyFlags extends OutputFlags {
  sums?: string;
  allowExtra?: boolean;
  exclude?: string[];
}

export function registerChecksums(program: Command): void {
  const checksums = program
    .command("checksums")
    .description("write and verify SHA256SUMS files (GNU coreutils format)");

  withExamples(
    withOutputOptions(
      checksums
        .command("write")
        .description("hash every file under DIR and write DIR/SHA256SUMS, sorted by path")
        .argument("<dir>", "the directory to seal")
        .option("-o, --output <file>", "where to write the checksum file (default: DIR/SHA256SUMS)")
        .option("-x, --exclude <glob>", "leave out matching files or directories (repeatable)", collect),
    ),
    [
      "bindery checksums write release/model",
      "bindery checksums write release/run --output release/run/training_run_SHA256SUMS",
      "bindery checksums write data --exclude '*.tmp' --exclude 'cache/**'",
    ],
  ).action(async (dir: string, flags: WriteFlags) => {
    await runCommand("bindery checksums write", flags, async ({ onProgress }) => {
      const { writeChecksums } = await import("../evidence/seal.js");
      const result = await writeChecksums({
        dir,
        ...(flags.output ? { output: flags.output } : {}),
        exclude: flags.exclude ?? [],
        ...(onProgress ? { onProgress } : {}),
      });
      return {
        json: {
          ok: true,
          output: result.output,
          file_count: result.files.length,
          total_bytes: result.totalBytes,
          files: result.files,
        },
        human: [`wrote ${result.output}: ${plural(result.files.length, "file")}, ${formatBytes(result.totalBytes)}`],
      };
    });
  });

  withExamples(
    withOutputOptions(
      checksums
        .command("verify")
        .description(
          "check DIR against its SHA256SUMS: every missing, extra or changed file is named (exit 1), not just the first",
        )
        .argument("<dir>", "the directory to check; names in the checksum file are relative to it")
        .option("-s, --sums <file>", "the checksum file (default: DIR/SHA256SUMS)")
        .option("--allow-extra", "accept files that are present but not listed")
        .option("-x, --exclude <glob>", "leave out matching files or directories (repeatable)", collect),
    ),
    [
      "bindery checksums verify release/model",
      "bindery checksums verify release/run --sums release/run/training_run_SHA256SUMS",
      "bindery checksums verify downloads --allow-extra --json",
    ],
  ).action(async (dir: string, flags: VerifyFlags) => {
    await runCommand("bindery checksums verify", flags, async ({ onProgress }) => {
      const [{ verifyChecksums }, { verificationError }] = await Promise.all([
        import("../evidence/seal.js"),
        import("../evidence/rules/engine.js"),
      ]);
      const result = await verifyChecksums({
        dir,
        ...(flags.sums ? { sums: flags.sums } : {}),
        allowExtra: flags.allowExtra ?? false,
        exclude: flags.exclude ?? [],
        ...(onProgress ? { onProgress } : {}),
      });
      const summary = `${dir}: ${plural(result.checked, "file")} checked against ${result.sums}`;
      return {
        json: { ok: result.ok, dir, sums: result.sums, checked: result.checked, findings: result.findings },
        human: result.ok
          ? [`OK  ${summary}`, ...result.findings.map(findingLine)]
          : [...result.findings.map(findingLine), `FAIL  ${summary}`],
        ...(result.ok ? {} : { failure: verificationError(dir, result) }),
      };
    });
  });
}
