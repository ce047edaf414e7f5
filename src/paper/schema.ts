/**
 * The paper's artifacts: the author input `bindery/paper-metadata`, `paper_package.json` (the
 * identities of everything the draft cites), and the subset of Citation File Format 1.2.0 that
 * `CITATION.cff` is written in.
 */
import { z } from "zod";
import { defineAuthorInput } from "../evidence/author-input.js";
import { defineReport } from "../evidence/envelope.js";
import { identitySchema, rootedIdentitySchema, sha256HexSchema } from "../evidence/identity.js";
import { publicUrlSchema } from "../dataset/inputs.js";
import { recordSummarySchema } from "../demo/schema.js";

export const PAPER_FILES = {
  package: "paper_package.json",
  draft: "paper.md",
  citation: "CITATION.cff",
  sums: "SHA256SUMS",
} as const;

const ORCID = /^https:\/\/orcid\.org\/\d{4}-\d{4}-\d{4}-\d{3}[\dX]$/;

const personSchema = z.strictObject({
  given_names: z.string().min(1),
  family_names: z.string().min(1),
  affiliation: z.string().min(1).optional(),
  orcid: z.string().regex(ORCID, "must be an ORCID URL like https://orcid.org/0000-0002-1825-0097").optional(),
  email: z.email().optional(),
});
const entitySchema = z.strictObject({ name: z.string().min(1).describe("An organization or team") });

export const paperMetadataSchema = z
  .strictObject({
    kind: z.literal("bindery/paper-metadata"),
    title: z.string().min(1),
    authors: z.array(z.union([personSchema, entitySchema])).min(1),
    abstract: z.string().min(1),
    license: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9.+-]*$/, "must be a license id such as cc-by-4.0 or CC-BY-4.0"),
    repository: publicUrlSchema.describe("Where the code lives"),
    keywords: z.array(z.string().min(1)).optional(),
  })
  .describe("bindery/paper-metadata: the title, authors, abstract, license and repository of a paper draft");
export type PaperMetadata = z.output<typeof paperMetadataSchema>;
export const paperMetadata = defineAuthorInput("bindery/paper-metadata", paperMetadataSchema);

export const paperPackageReport = defineReport({
  name: PAPER_FILES.package,
  generatedBy: "bindery paper draft",
  schemaVersion: "1.0.0",
  claimBoundary:
    "Binds the draft to the model, dataset and demo evidence it cites by identity; it does not review the prose, and its numbers are only as good as the evaluation it copies.",
  body: {
    release_id: z.string(),
    version: z.string(),
    model_id: sha256HexSchema,
    dataset_snapshot: sha256HexSchema.nullable(),
    commit: z.string(),
    run_id: z.string(),
    metadata: paperMetadataSchema.omit({ kind: true }),
    dataset: z.object({
      name: z.string(),
      version: z.string(),
      splits: z.array(z.object({ name: z.string(), records: z.number().int().nonnegative() })),
    }),
    demo: z.object({
      status: z.enum(["ok", "failed"]),
      exit_code: z.number().int().nullable(),
      command: z.array(z.string()),
      inputs: z.array(z.object({ name: z.string(), path: z.string(), summary: recordSummarySchema.nullable() })),
      outputs: z.array(z.object({ name: z.string(), path: z.string().nullable(), summary: recordSummarySchema.nullable() })),
    }),
    cites: z.array(rootedIdentitySchema).describe("Every evidence file the draft cites, by package (root model, dataset or demo)"),
    documents: z.array(identitySchema).describe("CITATION.cff as written (paper.md is rendered from this file, so it is not listed)"),
  },
});
export type PaperPackage = z.output<typeof paperPackageReport.schema>;

const cffPerson = z.strictObject({
  "given-names": z.string().min(1),
  "family-names": z.string().min(1),
  affiliation: z.string().optional(),
  orcid: z.string().regex(ORCID).optional(),
  email: z.string().optional(),
});

/** The part of Citation File Format 1.2.0 bindery writes: every required key, each with its type. */
export const citationCffSchema = z.strictObject({
  "cff-version": z.literal("1.2.0"),
  message: z.string().min(1),
  title: z.string().min(1),
  authors: z.array(z.union([cffPerson, z.strictObject({ name: z.string().min(1) })])).min(1),
  abstract: z.string().min(1).optional(),
  version: z.string().min(1).optional(),
  "date-released": z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
  license: z.string().min(1).optional(),
  "repository-code": z.url().optional(),
  keywords: z.array(z.string()).optional(),
  type: z.enum(["software", "dataset"]).optional(),
});
export type CitationCff = z.infer<typeof citationCffSchema>;
