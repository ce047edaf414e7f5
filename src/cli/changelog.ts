/**
 * `bindery changelog check | draft`: CHANGELOG.md as Keep a Changelog, every problem with its line;
 * a first draft of [Unreleased] from the git history since a tag.
 */
import type { Command } from "commander";
import { withExamples, withOutputOptions } from "./common.js";
import { runCommand, verdictOutcome, type OutputFlags } from "./output.js";

interface DraftFlags extends OutputFlags {
  since: string;
  to: string;
  cwd?: string;
}

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

  withExamples(
    withOutputOptions(
      changelog
        .command("draft")
        .description("draft [Unreleased] from the commits since a tag, merges left out, oldest first: sorted into Added, Fixed, ... by conventional-commit type (feat:, fix:, ...) or the subject's first word (Add, Fix, Remove, ...), the rest Changed; a starting point to edit")
        .requiredOption("--since <tag>", "the tag (or commit) of the last release; its commits are not listed")
        .option("--to <ref>", "the commit the draft ends at", "HEAD")
        .option("--cwd <dir>", "the git repository (default: the working directory)"),
    ),
    ["bindery changelog draft --since v0.1.0", "bindery changelog draft --since v0.1.0 --to release/0.2 --json"],
  ).action(async (flags: DraftFlags) => {
    await runCommand("bindery changelog draft", flags, async () => {
      const { draftChangelog } = await import("../versioning/draft.js");
      const draft = await draftChangelog({ since: flags.since, to: flags.to, ...(flags.cwd ? { cwd: flags.cwd } : {}) });
      const note = draft.commits.length === 0 ? `no commits in ${draft.since}..${draft.to} (merges left out): nothing to draft` : undefined;
      return {
        json: { ok: true, since: draft.since, to: draft.to, commits: draft.commits.length, sections: draft.sections, markdown: draft.markdown, ...(note ? { note } : {}) },
        human: [...draft.markdown.trimEnd().split("\n"), ...(note ? ["", `<!-- ${note} -->`] : [])],
      };
    });
  });
}
