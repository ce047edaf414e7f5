/** `bindery pack check`: the npm package holds every release-critical path. */
import type { Command } from "commander";
import { collect, withExamples, withOutputOptions } from "./common.js";
import { formatBytes } from "./format.js";
import { runCommand, type OutputFlags } from "./output.js";

interface PackFlags extends OutputFlags {
  require?: string[];
}

export function registerPack(program: Command): void {
  const pack = program.command("pack").description("what an npm release of the project contains (docs/versioning.md)");
  withExamples(
    withOutputOptions(
      pack
        .command("check")
        .description("run npm pack --dry-run and fail when a release-critical path is missing from the tarball")
        .option("--require <path>", "a path that must be in the package (a directory ends with /); repeatable. Default: bin/ dist/ docs/ rfcs/ configs/ README.md CHANGELOG.md", collect),
    ),
    ["bindery pack check", "bindery pack check --require dist/ --require README.md"],
  ).action(async (flags: PackFlags) => {
    await runCommand("bindery pack check", flags, async () => {
      const [{ packCheck }, { BinderyError }] = await Promise.all([import("../versioning/pack.js"), import("../evidence/errors.js")]);
      const result = await packCheck({ ...(flags.require ? { require: flags.require } : {}) });
      const summary = `${result.name}@${result.version}: ${result.files} files, ${formatBytes(result.size)} packed`;
      return {
        json: result,
        human: result.ok ? [`OK  ${summary}`] : [...result.missing.map((m) => `MISSING  ${m}`), `FAIL  ${summary}`],
        ...(result.ok ? {} : { failure: new BinderyError("PACK_INCOMPLETE", `the package lacks ${result.missing.join(", ")}; add ${result.missing.length === 1 ? "it" : "them"} to "files" in package.json.`) }),
      };
    });
  });
}
