/** `bindery model manifest`: the model's identity (`model_id` = sha256 of manifest.json). */
import type { Command } from "commander";
import { withExamples, withOutputOptions } from "./common.js";
import { formatBytes, plural } from "./format.js";
import { findingLine, runCommand, type OutputFlags } from "./output.js";

interface VerifyFlags extends OutputFlags {
  modelDir: string;
  release?: boolean;
  allowPlaceholders?: boolean;
}

interface PackageFlags extends OutputFlags {
  modelDir: string;
  runDir: string;
  metadata: string;
}

interface ManifestFlags extends OutputFlags {
  modelDir: string;
  shardSize?: string;
  erasure?: string;
  modelKind?: string;
  verify?: boolean;
}

export function registerModel(program: Command): void {
  const model = program.command("model").description("model manifests: the model id every later report names (docs/commands/model.md)");

  withExamples(
    withOutputOptions(
      model
        .command("manifest")
        .description("write MODEL_DIR/manifest.json (canonical JSON, no timestamp) and print model_id, its sha256; or --verify it")
        .requiredOption("--model-dir <dir>", "the model directory: weights and config files")
        .option("--shard-size <size>", "also cut the weights into data shards of this size under shards/ (e.g. 256MiB)")
        .option("--erasure <data+parity>", "add parity shards: every DATA data shards get PARITY parity shards (e.g. 4+2; 1+N stores copies)")
        .option("--model-kind <kind>", "the model kind to record (default: config.json's model_type, else the weight format)")
        .option("--verify", "re-hash every file and shard, recompute the Merkle root, reassemble the weights and recompute parity"),
    ),
    [
      "bindery model manifest --model-dir release/model",
      "bindery model manifest --model-dir release/model --shard-size 256MiB --erasure 4+2",
      "bindery model manifest --model-dir release/model --verify --json",
    ],
  ).action(async (flags: ManifestFlags) => {
    await runCommand("bindery model manifest", flags, async ({ onProgress }) => {
      const [{ writeModelManifest, verifyModelManifest, parseSize, parseErasure }, { BinderyError }, { verificationError }] = await Promise.all([
        import("../model/manifest.js"),
        import("../evidence/errors.js"),
        import("../evidence/rules/engine.js"),
      ]);
      if (flags.verify) {
        if (flags.shardSize || flags.erasure || flags.modelKind) {
          throw new BinderyError("USAGE", "--verify checks the manifest as written: drop --shard-size, --erasure and --model-kind.");
        }
        const result = await verifyModelManifest({ dir: flags.modelDir, ...(onProgress ? { onProgress } : {}) });
        const shards = result.manifest?.shards?.length ?? 0;
        const summary = `${flags.modelDir}: ${plural(result.manifest?.files.length ?? 0, "file")}${shards ? ` and ${plural(shards, "shard")}` : ""} checked against manifest.json`;
        return {
          json: { ok: result.ok, model_id: result.modelId ?? null, findings: result.findings },
          human: result.ok
            ? [`OK  ${summary}`, `model_id ${result.modelId}`]
            : [...result.findings.map(findingLine), `FAIL  ${summary}`],
          ...(result.ok ? {} : { failure: verificationError(flags.modelDir, result) }),
        };
      }
      const shardSize = flags.shardSize ? parseSize(flags.shardSize) : undefined;
      const erasure = flags.erasure ? parseErasure(flags.erasure) : undefined;
      const result = await writeModelManifest({
        dir: flags.modelDir,
        ...(shardSize ? { shardSize } : {}),
        ...(erasure ? { erasure } : {}),
        ...(flags.modelKind ? { modelKind: flags.modelKind } : {}),
        ...(onProgress ? { onProgress } : {}),
      });
      const m = result.manifest;
      const shards = m.shards ? `, ${plural(m.shards.length, "shard")} (${m.shards.filter((s) => s.is_parity).length} parity), merkle_root ${m.merkle_root}` : "";
      return {
        json: { ok: true, model_id: result.modelId, manifest: result.identity, model_kind: m.model_kind, total_size: m.total_size, files: m.files.length, shards: m.shards?.length ?? 0, merkle_root: m.merkle_root },
        human: [`wrote ${flags.modelDir}/manifest.json: ${m.model_kind}, ${plural(m.files.length, "file")}, ${formatBytes(m.total_size)}${shards}`, `model_id ${result.modelId}`],
      };
    });
  });

  withExamples(
    withOutputOptions(
      model
        .command("package")
        .description("bind the weights, training run, evaluation and efficiency evidence: model_package.json, model_card.md, SHA256SUMS")
        .requiredOption("--model-dir <dir>", "the model directory: manifest.json, eval_metrics.json, eval_report.md, efficiency_report.json")
        .requiredOption("--run-dir <dir>", "the packaged training run that produced the weights")
        .requiredOption("--metadata <file>", "the model metadata (kind: bindery/model-metadata)"),
    ),
    ["bindery model package --model-dir release/model --run-dir runs/r1 --metadata model.yaml"],
  ).action(async (flags: PackageFlags) => {
    await runCommand("bindery model package", flags, async () => {
      const [{ packageModel, modelMetadata }, { readAuthorInput }, { verificationError }] = await Promise.all([
        import("../model/package.js"),
        import("../evidence/author-input.js"),
        import("../evidence/rules/engine.js"),
      ]);
      const metadata = (await readAuthorInput(modelMetadata, flags.metadata)).value;
      const result = await packageModel({ modelDir: flags.modelDir, runDir: flags.runDir, metadata });
      return {
        json: { ok: result.ok, release_id: metadata.release_id, model_id: result.package?.model_id ?? null, files: result.files ?? [], findings: result.findings },
        human: result.ok
          ? [`packaged ${flags.modelDir}: ${metadata.release_id}, model ${result.package!.model_id}, ${plural(result.files!.length, "file")} in SHA256SUMS`]
          : [...result.findings.map(findingLine), "FAIL  nothing was written"],
        ...(result.ok ? {} : { failure: verificationError(flags.modelDir, { ok: false, findings: result.findings }) }),
      };
    });
  });

  withExamples(
    withOutputOptions(
      model
        .command("verify")
        .description("re-run every check of a model package and list every finding (exit 1)")
        .requiredOption("--model-dir <dir>", "the model package")
        .option("--release", "a release gate: also refuse fixture evidence")
        .option("--allow-placeholders", "accept placeholder wording in the metadata, as warnings, for a draft"),
    ),
    ["bindery model verify --model-dir release/model --release"],
  ).action(async (flags: VerifyFlags) => {
    await runCommand("bindery model verify", flags, async () => {
      const [{ verifyModel }, { verificationError }] = await Promise.all([import("../model/verify.js"), import("../evidence/rules/engine.js")]);
      const result = await verifyModel({ dir: flags.modelDir, release: flags.release ?? false, allowPlaceholders: flags.allowPlaceholders ?? false });
      const summary = `${flags.modelDir}: model ${result.modelId ?? "unknown"}${flags.release ? " (release)" : ""}`;
      return {
        json: { ok: result.ok, model_id: result.modelId ?? null, findings: result.findings },
        human: result.ok ? [`OK  ${summary}`, ...result.findings.map(findingLine)] : [...result.findings.map(findingLine), `FAIL  ${summary}`],
        ...(result.ok ? {} : { failure: verificationError(flags.modelDir, result) }),
      };
    });
  });
}

