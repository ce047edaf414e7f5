/** `bindery resolve | update`: a pin resolved against a release index, and the release fetched by it. */
import type { Command } from "commander";
import { withExamples, withOutputOptions } from "./common.js";
import { findingLine, runCommand, type OutputFlags } from "./output.js";
import type { Resolution } from "../versioning/resolve.js";

interface ResolveFlags extends OutputFlags {
  index: string;
  strict?: boolean;
  allowFallback?: boolean;
  force?: boolean;
  default?: string;
  revocations?: string;
  pre1Policy?: string;
}

interface UpdateFlags extends ResolveFlags {
  to: string;
}

function withResolveOptions(command: Command): Command {
  return command
    .argument("<pin>", "NAME[@VERSION][+sha256:MODEL_ID], or a release id NAME-vX.Y.Z-rN")
    .requiredOption("--index <url-or-file>", "the release index: an http(s) URL (as `bindery index publish` prints) or a file")
    .option("--strict", "a version the index lacks is refused (the default)")
    .option("--allow-fallback", "a version the index lacks falls back to the highest compatible newer release of the same MAJOR, with a warning")
    .option("--force", "allow the fallback to cross a MAJOR version (implies --allow-fallback)")
    .option("--default <version>", "the version to take when the index cannot be reached (unverified: no model id)")
    .option("--revocations <file>", "a revocation list (revocations.json): its model ids count as yanked")
    .option("--pre1-policy <policy>", "before 1.0, MINOR bumps are `additive` (default) or `breaking`", "additive");
}

/** Parses the pin, reads the index (or takes the default when it cannot be reached), resolves. */
async function resolveFromFlags(text: string, flags: ResolveFlags): Promise<Resolution> {
  const [{ parsePin, parseVersion }, { resolvePin, resolveDefault }, { loadIndex, loadRevoked }, { BinderyError, isBinderyError }] = await Promise.all([
    import("../versioning/pins.js"),
    import("../versioning/resolve.js"),
    import("../versioning/index-source.js"),
    import("../evidence/errors.js"),
  ]);
  if (flags.strict && (flags.allowFallback || flags.force)) throw new BinderyError("USAGE", "--strict refuses what --allow-fallback and --force allow; give one or the other.");
  if (flags.pre1Policy !== "additive" && flags.pre1Policy !== "breaking") throw new BinderyError("USAGE", `--pre1-policy must be additive or breaking, not ${JSON.stringify(flags.pre1Policy)}.`);
  const pin = parsePin(text);
  if (flags.default !== undefined) parseVersion(flags.default);
  const revoked = await loadRevoked(flags.revocations);
  let index;
  try {
    index = await loadIndex(flags.index);
  } catch (error) {
    if (flags.default !== undefined && isBinderyError(error) && error.code === "REMOTE_UNAVAILABLE") return resolveDefault(pin, flags.default, error.message.replace(/^the index \S+ /, "").replace(/\.$/, ""), flags.index);
    throw error;
  }
  return resolvePin(index, pin, { allowFallback: flags.allowFallback ?? false, force: flags.force ?? false, pre1Policy: flags.pre1Policy, revoked, source: flags.index });
}

function resolutionJson(r: Resolution) {
  return {
    pin: r.pin,
    name: r.name,
    version: r.version,
    release_id: r.entry?.release_id ?? null,
    model_id: r.entry?.model_id ?? null,
    manifest_url: r.entry?.manifest_url ?? null,
    yanked: r.entry?.yanked ?? false,
    by: r.by,
    reason: r.reason,
  };
}

export function registerResolve(program: Command): void {
  withExamples(
    withOutputOptions(withResolveOptions(program.command("resolve").description("resolve a pin against a release index to one release, and say why (docs/versioning.md)"))),
    [
      "bindery resolve sensors --index https://huggingface.co/example/sensors-releases/resolve/main/release_index.json",
      "bindery resolve sensors@0.1.0+sha256:<model id> --index release_index.json",
      "bindery resolve sensors@0.1.5 --index release_index.json --allow-fallback",
      "bindery resolve sensors@0.1.0 --index https://... --default 0.1.0 --json",
    ],
  ).action(async (text: string, flags: ResolveFlags) => {
    await runCommand("bindery resolve", flags, async () => {
      const r = await resolveFromFlags(text, flags);
      return {
        json: { ok: true, resolved: resolutionJson(r), warnings: r.warnings },
        human: [`${r.pin}${r.entry ? `  ${r.entry.release_id}` : ""}`, `  ${r.reason}`, ...(r.entry ? [`  manifest ${r.entry.manifest_url}`] : []), ...r.warnings.map(findingLine)],
      };
    });
  });

  withExamples(
    withOutputOptions(
      withResolveOptions(
        program
          .command("update")
          .description("resolve a pin, then fetch that release's manifest (trusted only as the pinned model id), weights and shards (each checked against the manifest, the Merkle root recomputed) into a new directory; on any failure nothing is left in it")
          .requiredOption("--to <dir>", "where the release goes: a new or empty directory"),
      ),
    ),
    ["bindery update sensors@0.1.0 --index https://huggingface.co/example/sensors-releases/resolve/main/release_index.json --to models/sensors-0.1.0", "bindery update sensors --index release_index.json --to models/latest --json"],
  ).action(async (text: string, flags: UpdateFlags) => {
    await runCommand(
      "bindery update",
      flags,
      async (context) => {
        const [{ updateRelease }, { retryPolicyFromEnv }, { BinderyError }, { plural, formatBytes }] = await Promise.all([import("../versioning/update.js"), import("../hub/http.js"), import("../evidence/errors.js"), import("./format.js")]);
        const r = await resolveFromFlags(text, flags);
        if (!r.entry) {
          throw new BinderyError("REMOTE_UNAVAILABLE", `the index ${flags.index} could not be read, so ${r.pin} has no manifest URL or model id to check bytes against; nothing was fetched.`, { hint: "bindery update never fetches what it cannot verify; retry when the index is reachable." });
        }
        const result = await updateRelease({ entry: r.entry, to: flags.to, retry: retryPolicyFromEnv(), ...(context.onProgress ? { onProgress: context.onProgress } : {}) });
        return {
          json: { ok: true, resolved: resolutionJson(r), to: flags.to, model_id: result.modelId, files: result.files, shards: result.shards, bytes: result.bytes, warnings: r.warnings },
          human: [
            `OK  ${r.pin} in ${flags.to}: ${plural(result.files, "file")}${result.shards ? ` and ${plural(result.shards, "shard")}` : ""}, ${formatBytes(result.bytes)}, every one checked against the manifest (model id ${result.modelId})`,
            `  ${r.reason}`,
            ...r.warnings.map(findingLine),
          ],
        };
      },
      "downloading",
    );
  });
}
