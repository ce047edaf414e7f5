/**
 * `bindery.yaml` (kind `bindery/config`): the release and where its packages live, so the
 * whole-release commands need no long command lines. Directories are relative to the file.
 */
import { existsSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { z } from "zod";
import { SEMVER } from "../evidence/artifact.js";
import { defineAuthorInput, readAuthorInput } from "../evidence/author-input.js";
import { BinderyError } from "../evidence/errors.js";
import { publicPathSchema } from "../evidence/identity.js";

export const CONFIG_FILE = "bindery.yaml";

const dir = publicPathSchema.describe("A directory, relative to bindery.yaml");

export const configSchema = z
  .strictObject({
    kind: z.literal("bindery/config"),
    release: z.strictObject({
      id: z.string().regex(/^[a-z0-9][a-z0-9._-]*-v\d+\.\d+\.\d+(?:-[0-9a-z.]+)?-r\d+$/, "must look like name-v0.1.0-r1"),
      version: z.string().regex(SEMVER, "must be a semver version"),
    }),
    packages: z.strictObject({
      dataset: dir,
      training: dir.optional().describe("The packaged training run (its run directory)"),
      model: dir,
      demo: dir,
      paper: dir.optional(),
    }),
  })
  .describe("bindery/config: the release and its package directories");
export type Config = z.output<typeof configSchema>;
export const configInput = defineAuthorInput("bindery/config", configSchema);

export interface LoadedConfig {
  config: Config;
  file: string;
  /** Package directories, resolved against the config file's directory, then named relative to the working directory. */
  dirs: { dataset: string; training?: string; model: string; demo: string; paper?: string };
}

/** Reads `file`, or `./bindery.yaml` when none is named and it exists; undefined when there is none. */
export async function loadConfig(file: string | undefined, cwd = process.cwd()): Promise<LoadedConfig | undefined> {
  const path = file ? resolve(cwd, file) : resolve(cwd, CONFIG_FILE);
  if (!existsSync(path)) {
    if (file) throw new BinderyError("INPUT_NOT_FOUND", `config file ${file} does not exist.`);
    return undefined;
  }
  const config = (await readAuthorInput(configInput, path, { shown: file ?? CONFIG_FILE })).value;
  const base = dirname(path);
  // Relative to the working directory, so that messages and reports never hold a private path.
  const at = (d: string | undefined) => (d === undefined ? undefined : relative(cwd, resolve(base, d)) || ".");
  const p = config.packages;
  return {
    config,
    file: path,
    dirs: {
      dataset: at(p.dataset)!,
      model: at(p.model)!,
      demo: at(p.demo)!,
      ...(p.training ? { training: at(p.training)! } : {}),
      ...(p.paper ? { paper: at(p.paper)! } : {}),
    },
  };
}
