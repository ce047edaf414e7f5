/**
 * Commands bindery runs for the user (a dataset build, a training run) are recorded as argv
 * arrays, published as written. An argument naming this machine's paths (alone, or as an
 * option's value: `--script=/opt/build.py`) would leak it, so it is refused before anything runs.
 */
import { BinderyError } from "./errors.js";
import { findPrivatePath } from "./paths.js";

export function checkPublicArgv(
  argv: readonly string[],
  label: string,
  hint = "Use a path relative to the working directory.",
): void {
  argv.forEach((arg, i) => {
    const value = arg.startsWith("-") && arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : undefined;
    const leaked = findPrivatePath(arg) ?? (value === undefined ? undefined : findPrivatePath(value));
    if (leaked !== undefined) {
      throw new BinderyError("PRIVATE_PATH", `${label}[${i}] holds the private path ${JSON.stringify(leaked)}, and the argv is published as written.`, {
        hint,
      });
    }
  });
}
