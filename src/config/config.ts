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

const RELEASE_ID = /^[a-z0-9][a-z0-9._-]*-v\d+\.\d+\.\d+(?:-[0-9a-z.]+)?-r\d+$/;
/** `namespace/name`, as the Hub and GitHub spell repository ids. */
const REPO_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,95}\/[A-Za-z0-9][A-Za-z0-9._-]{0,95}$/;
/** A git tag name: no spaces, no `..`, no leading or trailing `/` or `.`. */
const TAG = /^(?![./])(?!.*\.\.)(?!.*[./]$)[A-Za-z0-9._/+-]{1,100}$/;

export const releaseIdSchema = z.string().regex(RELEASE_ID, "must look like name-v0.1.0-r1");
export const repoIdSchema = z.string().regex(REPO_ID, "must be namespace/name");
export const tagSchema = z.string().regex(TAG, "must be a git tag name such as v0.1.0");

const thresholdSchema = z
  .strictObject({ min: z.number().optional(), max: z.number().optional() })
  .refine((t) => t.min !== undefined || t.max !== undefined, "give min, max or both");

export const configSchema = z
  .strictObject({
    kind: z.literal("bindery/config"),
    release: z.strictObject({
      id: releaseIdSchema,
      version: z.string().regex(SEMVER, "must be a semver version"),
    }),
    packages: z.strictObject({
      dataset: dir,
      training: dir.optional().describe("The packaged training run (its run directory)"),
      model: dir,
      demo: dir,
      paper: dir.optional(),
    }),
    hub: z
      .strictObject({
        model_repo: repoIdSchema.describe("The Hub model repository, e.g. example/sensors-fault"),
        dataset_repo: repoIdSchema.describe("The Hub dataset repository"),
        index_repo: repoIdSchema.optional().describe("The Hub model repository that holds the release index (bindery index publish); kept apart from the model repository, whose tags hold exactly a release's files"),
      })
      .optional(),
    github: z
      .strictObject({
        repo: repoIdSchema.describe("owner/repo of the GitHub repository whose releases carry the demo and paper"),
        tag: tagSchema.describe("The release tag, on the Hub repositories and GitHub alike"),
        evidence_tag: tagSchema.optional().describe("The tag of the separate evidence release (default: <tag>-evidence)"),
      })
      .optional(),
    signing: z
      .strictObject({
        identity: z.string().min(1).describe("Who signs the release: the certificate identity (an email, or a workflow URI such as https://github.com/OWNER/REPO/.github/workflows/release.yml@refs/tags/v0.1.0)"),
        issuer: z.string().min(1).describe("The OIDC issuer of that identity, e.g. https://token.actions.githubusercontent.com"),
        identity_regexp: z.boolean().optional().describe("identity is a regular expression matched against the whole identity"),
        trusted_root: z.string().optional().describe("A trusted_root.json to verify against instead of the public-good root bindery ships (relative to bindery.yaml)"),
      })
      .optional()
      .describe("Who is expected to have signed the release's evidence (bindery release audit checks signatures.json against it)"),
    paper_url: z.url({ protocol: /^https$/ }).optional().describe("Where the paper is published"),
    issue_refs: z.record(z.string().min(1), z.array(z.string().min(1)).min(1)).optional().describe("Tracker references per readiness row or check id"),
    targets: z
      .record(
        z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, "a target name is lowercase letters, digits, - and _"),
        z.strictObject({
          description: z.string().min(1).optional(),
          metrics: z.record(z.string().regex(/^[^:\s]+:[^:\s]+$/, "a metric is NAME:SPLIT, e.g. accuracy:test"), thresholdSchema),
        }),
      )
      .optional()
      .describe("Named release targets: thresholds on metrics (NAME:SPLIT), checked by release gates"),
  })
  .describe("bindery/config: the release, its package directories, where it is published, and its targets");
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
