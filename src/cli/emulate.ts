/** `bindery emulate`: the loopback Hub and GitHub emulators, for trying plans and publishing by hand. */
import type { Command } from "commander";
import { withExamples, withOutputOptions } from "./common.js";
import { runCommand, type OutputFlags } from "./output.js";

interface EmulateFlags extends OutputFlags {
  port?: string;
}

export function registerEmulate(program: Command): void {
  withExamples(
    withOutputOptions(
      program
        .command("emulate")
        .description("run the loopback Hugging Face Hub and GitHub emulators until interrupted; print the environment that points bindery at them (docs/commands/hub.md)")
        .option("--port <port>", "the Hub's port; GitHub's API gets the next one (default: any free ports)"),
    ),
    ["bindery emulate", "bindery emulate --port 8700 --json"],
  ).action(async (flags: EmulateFlags) => {
    let stop: (() => Promise<void>) | undefined;
    await runCommand("bindery emulate", flags, async () => {
      const [{ startEmulators }, { BinderyError }] = await Promise.all([import("../emulators/index.js"), import("../evidence/errors.js")]);
      const port = flags.port === undefined ? undefined : Number(flags.port);
      if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65535)) {
        throw new BinderyError("USAGE", `--port must be a port number below 65535, not ${JSON.stringify(flags.port)}.`);
      }
      const emulators = await startEmulators(port === undefined ? {} : { port }).catch((error: unknown) => {
        throw new BinderyError("REMOTE_UNAVAILABLE", `could not listen on loopback: ${(error as Error).message}`, { exitCode: 3 });
      });
      stop = emulators.close;
      const origins = { hub: emulators.hub.origin, github_api: emulators.github.apiOrigin, github_uploads: emulators.github.uploadOrigin, github_storage: emulators.github.storageOrigin, fulcio: emulators.sigstore.fulcioURL, rekor: emulators.sigstore.rekorURL };
      return {
        json: { ok: true, origins, env: emulators.env },
        human: [
          `Hugging Face Hub emulator  ${origins.hub}`,
          `GitHub API emulator        ${origins.github_api} (uploads ${origins.github_uploads}, downloads ${origins.github_storage})`,
          `Sigstore emulators         Fulcio ${origins.fulcio}, Rekor ${origins.rekor} (tokens issued by ${emulators.sigstore.issuer})`,
          "",
          "Point bindery and the clients at them (any hf_ token, and any GitHub token, may write; SIGSTORE_ID_TOKEN names release@bindery.invalid):",
          ...Object.entries(emulators.env).map(([k, v]) => `export ${k}=${v}`),
          "",
          "Stop with Ctrl-C.",
        ],
      };
    });
    if (!stop) return;
    await new Promise<void>((resolve) => {
      const done = () => resolve();
      process.once("SIGINT", done);
      process.once("SIGTERM", done);
    });
    await stop();
    process.exitCode = 0;
  });
}
