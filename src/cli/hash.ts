/** `bindery hash <file...>`: the identity `{path, sha256, size}` of each file. */
import type { Command } from "commander";
import { withExamples, withOutputOptions } from "./common.js";
import { runCommand, type OutputFlags } from "./output.js";

interface HashFlags extends OutputFlags {
  root?: string;
}

export function registerHash(program: Command): void {
  withExamples(
    withOutputOptions(
      program
        .command("hash")
        .description("print the identity of each file: sha256, size, and its public-safe path relative to --root")
        .argument("<file...>", "the files to hash (in parallel, streamed)")
        .option("-r, --root <dir>", "name files relative to this directory (default: the working directory)"),
    ),
    ["bindery hash model/weights.safetensors model/config.json", "bindery hash --root release release/model/*.bin --json"],
  ).action(async (files: string[], flags: HashFlags) => {
    await runCommand("bindery hash", flags, async ({ onProgress }) => {
      const { identitiesOfFiles } = await import("../evidence/identity.js");
      const identities = await identitiesOfFiles(files, {
        ...(flags.root ? { root: flags.root } : {}),
        ...(onProgress ? { onProgress } : {}),
      });
      return {
        json: identities,
        human: identities.map((id) => `${id.sha256}  ${id.size}  ${id.path}`),
      };
    });
  });
}
