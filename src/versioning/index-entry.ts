/**
 * `bindery index add`: the index entry of the current release, from its model package and the
 * plan that published it. The model id is the sha256 of the package's manifest.json, and it must
 * be the manifest the plan published: the entry names the bytes at the manifest URL.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { readReport } from "../evidence/envelope.js";
import { BinderyError, inputError } from "../evidence/errors.js";
import { hubReleasePlan } from "../hub/schema.js";
import { MANIFEST_FILE } from "../model/manifest.js";
import { formatVersion, parsePin, parseVersion } from "./pins.js";
import type { IndexEntry } from "./release-index.js";

export async function entryOfRelease(options: { modelDir: string; planFile: string; date: string }): Promise<{ name: string; entry: IndexEntry }> {
  const manifestFile = join(options.modelDir, MANIFEST_FILE);
  const bytes = await readFile(manifestFile).catch((error: unknown) => {
    throw inputError(error, manifestFile, "model manifest");
  });
  const modelId = createHash("sha256").update(bytes).digest("hex");
  const { value: plan } = await readReport(hubReleasePlan, options.planFile);
  const published = plan.entries.find((e) => e.target.platform === "hub" && e.target.repo_type === "model" && e.target.path === MANIFEST_FILE);
  if (!published || published.target.platform !== "hub") {
    throw new BinderyError("INPUT_INVALID", `${options.planFile} publishes no ${MANIFEST_FILE} to a Hub model repository, so the release has no manifest URL.`);
  }
  if (published.source.sha256 !== modelId) {
    throw new BinderyError("DISAGREEMENT", `${manifestFile} is model id ${modelId}, but ${options.planFile} published a manifest with sha256 ${published.source.sha256}; the index must name the bytes that were published.`, {
      exitCode: 1,
      hint: "Add the release from the model package the plan was made from.",
    });
  }
  const demo = plan.entries.find((e) => e.source.root === "demo" && e.source.path === "terminal_demo_manifest.json");
  const pin = parsePin(plan.release.id);
  const version = formatVersion(parseVersion(plan.release.version));
  const manifestUrl = published.url;
  return {
    name: pin.name,
    entry: {
      model_version: version,
      release_id: plan.release.id,
      model_id: modelId,
      manifest_url: manifestUrl,
      artifact_base_url: manifestUrl.slice(0, manifestUrl.length - MANIFEST_FILE.length),
      tag: plan.release.tag,
      demo_manifest_url: demo?.url ?? null,
      added_at: options.date,
      yanked: false,
      yanked_reason: null,
      yanked_at: null,
      upgrade_to: null,
    },
  };
}
