/**
 * hub_release_plan.json: every file of the release, where it goes (a Hub repository path or a
 * GitHub release asset), its identity and public URL, the complete file set of each Hub repo at
 * the release tag (deletions included), a platform-limit preflight with an API-call forecast, and
 * the equivalent exact-file commands. Written by `bindery hub plan`; carried out by `hub publish`.
 */
import { z } from "zod";
import { decisionShape, defineReport } from "../evidence/envelope.js";
import { identitySchema, publicPathSchema, rootedIdentitySchema } from "../evidence/identity.js";

export const PLAN_FILE = "hub_release_plan.json";

export const hubRepoTypeSchema = z.enum(["model", "dataset"]);
export type HubRepoType = z.infer<typeof hubRepoTypeSchema>;

const hubTarget = z.object({
  platform: z.literal("hub"),
  repo_type: hubRepoTypeSchema,
  repo: z.string(),
  path: publicPathSchema.describe("Path in the repository"),
  lfs: z.boolean().describe("Stored through LFS: 10 MiB or larger, or a pattern the Hub's .gitattributes tracks"),
  batch: z.number().int().nonnegative().describe("The commit batch it goes in (0 unless the repo's release needs more than one commit)"),
});
const githubTarget = z.object({
  platform: z.literal("github"),
  repo: z.string(),
  tag: z.string(),
  asset: z.string().describe("The asset name: GitHub's naming rules applied, unique in the release"),
});

export const planEntrySchema = z.object({
  source: rootedIdentitySchema.describe("The bytes to publish: path relative to the package named by root"),
  target: z.discriminatedUnion("platform", [hubTarget, githubTarget]),
  url: z.string().describe("The public URL the file will have at the release tag"),
});
export type PlanEntry = z.infer<typeof planEntrySchema>;

export const plannedRepoSchema = z.object({
  platform: z.literal("hub"),
  repo_type: hubRepoTypeSchema,
  repo: z.string(),
  url: z.string(),
  tag: z.string(),
  remote: z.object({
    read: z.boolean().describe("Whether the repository's current files were read (false with --offline)"),
    exists: z.boolean().nullable().describe("Whether the repository existed when it was read"),
  }),
  files: z.array(publicPathSchema).describe("The complete file set at the release tag, the platform's .gitattributes aside"),
  deletions: z.array(publicPathSchema).describe("Files on main that this release does not name"),
  batches: z.number().int().positive(),
});

export const plannedReleaseSchema = z.object({
  platform: z.literal("github"),
  repo: z.string(),
  tag: z.string(),
  url: z.string(),
  assets: z.array(z.string()),
});

export const hubReleasePlan = defineReport({
  name: PLAN_FILE,
  generatedBy: "bindery hub plan",
  schemaVersion: "1.0.0",
  claimBoundary:
    "States which bytes go where and checks them against platform limits before anything is sent; it does not prove anything was published.",
  body: {
    release: z.object({
      id: z.string(),
      version: z.string(),
      commit: z.string().nullable().describe("git HEAD of the project when the plan was made"),
      tag: z.string(),
      evidence_tag: z.string(),
    }),
    endpoints: z.object({ hub: z.string(), github_api: z.string(), github_web: z.string() }),
    roots: z.record(z.string(), publicPathSchema).describe("Where each package root is, relative to the config file's directory"),
    repos: z.array(plannedRepoSchema),
    releases: z.array(plannedReleaseSchema),
    entries: z.array(planEntrySchema),
    preflight: z.object({
      ...decisionShape,
      forecast: z.object({
        files: z.number().int(),
        bytes: z.number().int(),
        lfs_files: z.number().int(),
        commits: z.number().int(),
        api_calls: z.number().int().describe("Requests a publish from scratch makes, retries aside"),
      }),
    }),
    commands: z.array(z.array(z.string())).describe("The equivalent exact-file commands (hf upload, gh release upload), one per file"),
  },
});
export type HubReleasePlan = z.output<typeof hubReleasePlan.schema>;

export const PUBLISH_REPORT_FILE = "hub_publish_report.json";

const outcomeSchema = z.enum(["uploaded", "already_present", "deleted", "failed"]);

export const hubPublishReport = defineReport({
  name: PUBLISH_REPORT_FILE,
  generatedBy: "bindery hub publish",
  schemaVersion: "1.0.0",
  claimBoundary:
    "Records what publishing did and what the platforms answered, checked by reading each commit and release back; the public bytes themselves are proven by the release-candidate report, not here.",
  body: {
    ok: z.boolean(),
    plan: identitySchema.describe("The plan carried out"),
    release: z.object({ id: z.string(), version: z.string(), tag: z.string() }),
    files: z.array(
      z.object({
        source: rootedIdentitySchema.nullable().describe("null for a deletion"),
        target: planEntrySchema.shape.target.nullable(),
        path: z.string().nullable().describe("For a deletion: the repository path deleted"),
        repo: z.string(),
        outcome: outcomeSchema,
        remote: z.record(z.string(), z.union([z.string(), z.number(), z.null()])).describe("Remote identifiers: LFS sha256 or blob sha1, commit, asset id and digest"),
        error: z.string().nullable(),
      }),
    ),
    hub: z.array(
      z.object({
        repo: z.string(),
        repo_type: hubRepoTypeSchema,
        parent: z.string().nullable().describe("main's head before publishing"),
        commits: z.array(z.string()).describe("Commits made (none when everything was present)"),
        tag: z.object({ name: z.string(), commit: z.string().nullable(), created: z.boolean() }),
      }),
    ),
    github: z.array(
      z.object({
        repo: z.string(),
        tag: z.string(),
        release_id: z.number().int().nullable(),
        url: z.string().nullable(),
        created: z.boolean(),
        published: z.boolean(),
        immutable: z.boolean(),
        notes: z.enum(["changelog", "generated"]).describe("Where the release notes came from"),
      }),
    ),
    transfer: z.object({
      bytes_sent: z.number().int().describe("File content sent: LFS objects and parts, regular files inlined in commits, release assets"),
      request_bytes: z.number().int().describe("Every request body, listings and commits included"),
      requests: z.number().int(),
      retries: z.number().int(),
    }),
    errors: z.array(z.string()),
  },
});
export type HubPublishReport = z.output<typeof hubPublishReport.schema>;
