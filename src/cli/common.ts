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
