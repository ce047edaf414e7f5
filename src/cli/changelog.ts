/** `bindery changelog check`: CHANGELOG.md as Keep a Changelog, every problem with its line. */
import type { Command } from "commander";
import { withExamples, withOutputOptions } from "./common.js";
import { runCommand, verdictOutcome, type OutputFlags } from "./output.js";

interface CheckFlags extends OutputFlags {
  file: string;
  release?: string;
}

export function registerChangelog(program: Command): void {
  const changelog = program.command("changelog").description("CHANGELOG.md as a contract (Keep a Changelog; docs/versioning.md)");
  withExamples(
    withOutputOptions(
      changelog
        .command("check")
        .description("lint CHANGELOG.md: [Unreleased] first, ## [X.Y.Z] - YYYY-MM-DD sections newest first, only Added/Changed/Deprecated/Removed/Fixed/Security, none empty or repeated")
        .option("--file <file>", "the changelog", "CHANGELOG.md")
        .option("--release <version>", "also require a section for this release"),
    ),
    ["bindery changelog check", "bindery changelog check --release 0.1.0"],
  ).action(async (flags: CheckFlags) => {
    await runCommand("bindery changelog check", flags, async () => {
      const [{ checkChangelog }, { readFile }, { inputError }] = await Promise.all([import("../versioning/changelog.js"), import("node:fs/promises"), import("../evidence/errors.js")]);
      const text = await readFile(flags.file, "utf8").catch((error: unknown) => {
        throw inputError(error, flags.file);
      });
      const result = checkChangelog(text, { file: flags.file, ...(flags.release ? { release: flags.release } : {}) });
      return verdictOutcome(flags.file, result, `${flags.file}: ${result.releases.length} release${result.releases.length === 1 ? "" : "s"} and [Unreleased], as Keep a Changelog wants`, { releases: result.releases });
    });
  });
}
