/** Options every command shares, and the help text conventions. */
import type { Command } from "commander";

export function withOutputOptions(command: Command): Command {
  return command
    .option("--json", "print exactly one JSON document on stdout")
    .option("-q, --quiet", "print nothing on success (errors still go to stderr)");
}

/** Adds an "Examples:" section to a command's help. */
export function withExamples(command: Command, examples: readonly string[]): Command {
  return command.addHelpText("after", `\nExamples:\n${examples.map((e) => `  $ ${e}`).join("\n")}\n`);
}

/** Commander collects a repeatable option into an array with this. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** The release settings' flags: every key of bindery.yaml, overriding the file. */
export function withSettingsOptions(command: Command): Command {
  return command
    .option("--config <file>", "bindery.yaml (default: ./bindery.yaml when present); every key below overrides it")
    .option("--release-id <id>", "release.id, e.g. sensors-v0.1.0-r1")
    .option("--release-version <version>", "release.version, e.g. 0.1.0")
    .option("--dataset-dir <dir>", "packages.dataset")
    .option("--run-dir <dir>", "packages.training: the packaged training run")
    .option("--model-dir <dir>", "packages.model")
    .option("--demo-dir <dir>", "packages.demo")
    .option("--paper-dir <dir>", "packages.paper")
    .option("--model-repo <id>", "hub.model_repo, e.g. example/sensors-fault")
    .option("--dataset-repo <id>", "hub.dataset_repo")
    .option("--github-repo <owner/repo>", "github.repo")
    .option("--tag <tag>", "github.tag: the release tag, on the Hub and GitHub")
    .option("--evidence-tag <tag>", "github.evidence_tag (default: <tag>-evidence)")
    .option("--paper-url <url>", "paper_url")
    .option("--issue-ref <id=ref>", "add to issue_refs (repeatable)", collect);
}
