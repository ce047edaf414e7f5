/** `bindery contract snapshot | check`: bindery's own public contract, recorded and held to its version. */
import { Option, type Command } from "commander";
import type { Pre1Policy } from "../versioning/compare.js";
import { withExamples, withOutputOptions } from "./common.js";
import { runCommand, type OutputFlags } from "./output.js";

interface SnapshotFlags extends OutputFlags {
  output: string;
}

interface CheckFlags extends OutputFlags {
  snapshot: string;
  pre1Policy: Pre1Policy;
}

/** The `bindery` program a command belongs to: the tree the contract describes. */
function rootOf(command: Command): Command {
  let root = command;
  while (root.parent) root = root.parent;
  return root;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

export function registerContract(program: Command): void {
  const contract = program.command("contract").description("bindery's own public contract: commands, flags, exit and error codes, artifact schemas (docs/versioning.md)");

  withExamples(
    withOutputOptions(
      contract
        .command("snapshot")
        .description("write this bindery's contract: every command with its arguments and options, every exit and error code, every artifact's JSON Schema (no help texts)")
        .option("--output <file>", "where to write it", "docs/contract.json"),
    ),
    ["bindery contract snapshot", "bindery contract snapshot --output contract.json --json"],
  ).action(async (flags: SnapshotFlags, command: Command) => {
    await runCommand("bindery contract snapshot", flags, async () => {
      const { buildContract, writeContract } = await import("../versioning/contract.js");
      const current = buildContract(rootOf(command));
      await writeContract(flags.output, current);
      const counts = { commands: Object.keys(current.commands).length, error_codes: Object.keys(current.error_codes).length, schemas: Object.keys(current.schemas).length };
      return {
        json: { ok: true, output: flags.output, version: current.tool.version, ...counts },
        human: [`wrote ${flags.output}: bindery ${current.tool.version}, ${plural(counts.commands, "command")}, ${plural(counts.error_codes, "error code")}, ${plural(counts.schemas, "schema")}`],
      };
    });
  });

  withExamples(
    withOutputOptions(
      contract
        .command("check")
        .description("compare this bindery's contract with a snapshot: additive differences pass and are listed; a breaking one fails unless the version bump allows it")
        .option("--snapshot <file>", "the recorded contract", "docs/contract.json")
        .addOption(new Option("--pre1-policy <policy>", "before 1.0, whether a MINOR bump allows breaking changes").choices(["additive", "breaking"]).default("additive")),
    ),
    ["bindery contract check", "bindery contract check --snapshot docs/contract.json --pre1-policy breaking --json"],
  ).action(async (flags: CheckFlags, command: Command) => {
    await runCommand("bindery contract check", flags, async () => {
      const [{ buildContract, checkContract, readContract, snapshotCommand }, { BinderyError }] = await Promise.all([import("../versioning/contract.js"), import("../evidence/errors.js")]);
      const snapshot = await readContract(flags.snapshot);
      const result = checkContract(snapshot, buildContract(rootOf(command)), flags.pre1Policy);
      const { snapshot_version: from, current_version: to, breaking, additive } = result;
      const lines = [...breaking.map((d) => `BREAKING  ${d.message} (${d.location})`), ...additive.map((d) => `ADDITIVE  ${d.message} (${d.location})`)];
      const record = breaking.length + additive.length > 0 ? [`Run \`${snapshotCommand(flags.snapshot)}\` to record ${breaking.length + additive.length === 1 ? "it" : "them"}.`] : [];
      const json = { ok: result.ok, snapshot_version: from, current_version: to, breaking, additive, allowed_by_bump: result.allowed_by_bump };
      const bump = `${from} → ${to}: ${result.bump.reason}`;
      const them = breaking.length === 1 ? "it" : "them";
      if (!result.ok) {
        return {
          json,
          human: [...lines, `FAIL  ${flags.snapshot}: ${plural(breaking.length, "breaking change")} to the contract, and the version does not allow ${them} (${bump})`],
          failure: new BinderyError("CONTRACT_BREAKING", `${flags.snapshot}: ${plural(breaking.length, "breaking change")} to bindery's contract without a bump that allows ${them} (${bump}).`, {
            hint: `Restore what was removed or changed, or bump MAJOR (before 1.0, MINOR under --pre1-policy breaking); then run \`${snapshotCommand(flags.snapshot)}\`.`,
            findings: breaking.map((d) => ({ code: "CONTRACT_BREAKING" as const, severity: "error" as const, path: flags.snapshot, field: d.location, message: d.message })),
          }),
        };
      }
      const summary = breaking.length > 0 ? `${plural(breaking.length, "breaking change")}, allowed by the bump (${bump}), and ${plural(additive.length, "addition")}` : additive.length > 0 ? `${plural(additive.length, "addition")}, no breaking change` : "no difference";
      return { json, human: [`OK  ${flags.snapshot}: bindery ${to} against the contract of ${from}: ${summary}`, ...lines, ...record] };
    });
  });
}
