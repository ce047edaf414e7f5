/** `bindery version parse | compare`: pins and what a version number promises. */
import type { Command } from "commander";
import { withExamples, withOutputOptions } from "./common.js";
import { runCommand, type OutputFlags } from "./output.js";

interface CompareFlags extends OutputFlags {
  pre1Policy?: string;
}

export function registerVersion(program: Command): void {
  const version = program.command("version").description("pins (name@version+sha256:model_id) and version compatibility (docs/versioning.md)");

  withExamples(
    withOutputOptions(version.command("parse").description("parse a pin or release id and print it in canonical form (semver, model id)").argument("<pin>", "NAME[@VERSION][+sha256:MODEL_ID], or a release id NAME-vX.Y.Z-rN")),
    ["bindery version parse sensors@v0.1.0rc1", "bindery version parse sensors-v0.1.0-r1 --json"],
  ).action(async (text: string, flags: OutputFlags) => {
    await runCommand("bindery version parse", flags, async () => {
      const { parsePin, formatPin, formatVersion } = await import("../versioning/pins.js");
      const pin = parsePin(text);
      return {
        json: { ok: true, canonical: formatPin(pin), name: pin.name, version: pin.version ? formatVersion(pin.version) : null, prerelease: pin.version?.prerelease ?? null, revision: pin.revision, model_id: pin.modelId },
        human: [formatPin(pin)],
      };
    });
  });

  withExamples(
    withOutputOptions(
      version
        .command("compare")
        .description("the compatibility between two versions: IDENTICAL, COMPATIBLE, UPGRADE_RECOMMENDED or INCOMPATIBLE, with the reason")
        .argument("<a>", "a version (or a pin)")
        .argument("<b>", "another version (or a pin)")
        .option("--pre1-policy <policy>", "before 1.0, MINOR bumps are `additive` (default) or `breaking`", "additive"),
    ),
    ["bindery version compare 0.1.0 0.2.0", "bindery version compare 1.2.3 2.0.0-rc.1 --json"],
  ).action(async (a: string, b: string, flags: CompareFlags) => {
    await runCommand("bindery version compare", flags, async () => {
      const [{ parsePin, parseVersion, formatVersion }, { compatibility }, { BinderyError }] = await Promise.all([import("../versioning/pins.js"), import("../versioning/compare.js"), import("../evidence/errors.js")]);
      if (flags.pre1Policy !== "additive" && flags.pre1Policy !== "breaking") throw new BinderyError("USAGE", `--pre1-policy must be additive or breaking, not ${JSON.stringify(flags.pre1Policy)}.`);
      const read = (text: string) => (text.includes("@") || /-r\d+$/.test(text) ? parsePin(text).version : parseVersion(text)) ?? parseVersion(text);
      const [x, y] = [read(a), read(b)];
      const result = compatibility(x, y, flags.pre1Policy);
      return {
        json: { ok: true, a: formatVersion(x), b: formatVersion(y), level: result.level, order: result.order, reason: result.reason },
        human: [`${result.level}  ${formatVersion(x)} ${result.order < 0 ? "<" : result.order > 0 ? ">" : "="} ${formatVersion(y)}: ${result.reason}`],
      };
    });
  });
}
