/**
 * release_candidate_report.json: the proof that a published release is the planned release. It
 * embeds the plan (and its identity), binds the local evidence, and records what the public
 * platforms answered without credentials: links, file sets at the tag's commit, and every planned
 * file downloaded and hashed. `ready` only when every readiness row is ok and nothing blocks.
 */
import { z } from "zod";
import { checkRowSchema, defineReport } from "../evidence/envelope.js";
import { identitySchema, rootedIdentitySchema, sha256HexSchema } from "../evidence/identity.js";
import { hubRepoTypeSchema } from "../hub/schema.js";

export const CANDIDATE_FILE = "release_candidate_report.json";

export const candidateReport = defineReport({
  name: CANDIDATE_FILE,
  generatedBy: "bindery release candidate",
  schemaVersion: "1.0.0",
  claimBoundary:
    "Proves that, when it was written, the public bytes at the release tag were exactly the planned bytes, fetched anonymously and hashed here; it does not prove the release's claims are true, nor that the bytes stay there.",
  body: {
    ready: z.boolean(),
    checks: z.array(checkRowSchema).describe("Readiness rows; issue_refs are tracker references from bindery.yaml"),
    blockers: z.array(z.string()),
    rescoped: z.array(z.string()).optional().describe("The target rows a scope decision accepts (bindery scope accept): shown ok so they do not block, never passed"),
    release: z.object({ id: z.string(), version: z.string(), tag: z.string() }),
    plan: z.unknown().describe("The plan, embedded whole (the parsed hub_release_plan.json)"),
    plan_identity: identitySchema.describe("The plan file's identity; re-serializing `plan` must give these bytes"),
    publish_report: identitySchema.nullable(),
    evidence: z.array(rootedIdentitySchema).describe("The local package evidence bound and re-verified"),
    public_checks: z.enum(["done", "skipped"]).describe("skipped only with --skip-public-checks --allow-fixture"),
    links: z.array(z.object({ id: z.string(), url: z.string(), status: z.number().int().nullable(), ok: z.boolean() })),
    hub: z.array(
      z.object({
        repo: z.string(),
        repo_type: hubRepoTypeSchema,
        tag: z.string(),
        commit: z.string().nullable().describe("The commit the tag resolved to"),
        missing: z.array(z.string()),
        unexpected: z.array(z.string()),
      }),
    ),
    github: z.array(
      z.object({
        repo: z.string(),
        tag: z.string(),
        release_id: z.number().int().nullable(),
        missing: z.array(z.string()),
        unexpected: z.array(z.string()),
      }),
    ),
    downloads: z.array(
      z.object({
        url: z.string(),
        source: rootedIdentitySchema.describe("The planned identity"),
        sha256: sha256HexSchema.nullable().describe("What the downloaded bytes hash to"),
        size: z.number().int().nullable(),
        advertised: z.string().nullable().describe("The host's own digest (ETag, X-Linked-ETag or asset digest): a first look, never trusted alone"),
        ok: z.boolean(),
        error: z.string().nullable(),
      }),
    ),
  },
});
export type CandidateReport = z.output<typeof candidateReport.schema>;
