/**
 * The JSON artifacts of a dataset package, one zod schema each (published in docs/schemas/):
 *
 * - dataset_input_check_report.json  the staged inputs checked against the spec's pins
 * - dataset_snapshot_report.json     which upstream bytes, built how, produced which files
 * - split_integrity.json             record counts, leakage, duplicates and class balance
 * - dataset_manifest.json            every payload file's identity, split, format and record count
 * - dataset_package.json             the normalized metadata and the identities of all the above
 *
 * Each fact lives in one file; the others reference it by identity.
 */
import { z } from "zod";
import { defineArtifact } from "../evidence/artifact.js";
import { decisionShape, defineReport, findingSchema } from "../evidence/envelope.js";
import { identitySchema, publicPathSchema, sha256HexSchema } from "../evidence/identity.js";
import { datasetNameSchema, KEY_NORMALIZATIONS, publicUrlSchema, splitNameSchema, versionSchema } from "./inputs.js";
import { RECORD_FORMATS } from "./records.js";

export const DATASET_FILES = {
  manifest: "dataset_manifest.json",
  package: "dataset_package.json",
  integrity: "split_integrity.json",
  card: "data_card.md",
  croissant: "croissant.json",
  sums: "SHA256SUMS",
  snapshot: "dataset_snapshot_report.json",
  inputCheck: "dataset_input_check_report.json",
} as const;

/** Files `bindery dataset package` writes (the reports are written by `dataset snapshot`). */
export const PACKAGE_OUTPUTS: readonly string[] = [
  DATASET_FILES.manifest,
  DATASET_FILES.package,
  DATASET_FILES.integrity,
  DATASET_FILES.card,
  DATASET_FILES.croissant,
  DATASET_FILES.sums,
];
/** Every file name bindery owns in a dataset directory (the payload aside). */
export const OWNED_NAMES: readonly string[] = [...PACKAGE_OUTPUTS, DATASET_FILES.snapshot, DATASET_FILES.inputCheck];

const count = z.number().int().nonnegative();
const datasetRef = z.object({ name: datasetNameSchema, version: versionSchema });

export const SNAPSHOT_GENERATOR = "bindery dataset snapshot";
export const PACKAGE_GENERATOR = "bindery dataset package";
export const INTEGRITY_GENERATOR = "bindery dataset integrity";

// -- input check ---------------------------------------------------------------------------------

export const inputCheckReport = defineReport({
  name: DATASET_FILES.inputCheck,
  generatedBy: SNAPSHOT_GENERATOR,
  schemaVersion: "1.0.0",
  claimBoundary:
    "Proves the staged input files had these sizes and SHA-256 digests and matched the spec's pins when checked; it does not prove the bytes at each URL are the same.",
  body: {
    dataset: datasetRef,
    spec_sha256: sha256HexSchema.describe("Canonical hash of the dataset spec"),
    sources: z.array(
      z.object({
        id: z.string(),
        url: publicUrlSchema,
        license: z.string(),
        file: publicPathSchema.describe("The staged file name under the inputs directory"),
        pinned: z.object({ sha256: sha256HexSchema.nullable(), size: count.nullable() }),
        observed: z.object({ sha256: sha256HexSchema, size: count }).nullable().describe("null when the file was not staged"),
        ok: z.boolean(),
      }),
    ),
    ...decisionShape,
  },
});

// -- snapshot ------------------------------------------------------------------------------------

export const snapshotReport = defineReport({
  name: DATASET_FILES.snapshot,
  generatedBy: SNAPSHOT_GENERATOR,
  schemaVersion: "1.0.0",
  claimBoundary:
    "Proves which upstream source bytes (by URL, SHA-256 and size) and which build produced these output files; it does not prove the build is correct or that the sources are what their URLs serve today.",
  body: {
    dataset: datasetRef,
    spec_sha256: sha256HexSchema,
    build: z.discriminatedUnion("kind", [
      z.object({
        kind: z.literal("files"),
        files: z.array(z.object({ source: z.string(), path: publicPathSchema, split: splitNameSchema.nullable() })),
      }),
      z.object({
        kind: z.literal("command"),
        argv: z.array(z.string()).describe("The public argv: {inputs} and {output} as written in the spec"),
      }),
    ]),
    sources: z.array(z.object({ id: z.string(), url: publicUrlSchema, license: z.string(), sha256: sha256HexSchema, size: count })),
    outputs: z.array(identitySchema).describe("Every file the build wrote"),
    input_check_report: identitySchema,
  },
});

// -- split integrity -----------------------------------------------------------------------------

const keyPreviewSchema = z.object({
  key: z.array(z.unknown()).describe("The comparable key's values (long strings cut to 200 characters)"),
  key_sha256: sha256HexSchema.describe("SHA-256 of the full key in canonical JSON"),
  truncated: z.boolean(),
});
export type KeyPreview = z.infer<typeof keyPreviewSchema>;

const integrityFileSchema = z.object({
  path: publicPathSchema,
  format: z.enum(RECORD_FORMATS),
  records: count,
  declared_records: count.nullable(),
});

export const integrityParametersSchema = z.object({
  key_fields: z.array(z.string().min(1)).min(1),
  key_normalization: z.enum(KEY_NORMALIZATIONS),
  label_field: z.string().nullable(),
  max_leakage: count,
});
export type IntegrityParameters = z.infer<typeof integrityParametersSchema>;

export const integritySplitSchema = z.object({
  name: splitNameSchema,
  records: count,
  declared_records: count.nullable(),
  records_without_key: count.describe("Records missing a key field (null or absent): they cannot be compared"),
  distinct_keys: count,
  files: z.array(integrityFileSchema),
  duplicates: z.object({
    keys: count.describe("Distinct comparable keys seen more than once in this split"),
    records: count.describe("Records beyond the first with the same key"),
    sample: z.array(keyPreviewSchema).describe("The first 20 repeated keys, sorted"),
  }),
  label_balance: z
    .object({
      missing: count.describe("Records without the label field"),
      classes: z.array(z.object({ label: z.string(), records: count })).describe("Sorted by label"),
    })
    .nullable(),
});
export type IntegritySplit = z.infer<typeof integritySplitSchema>;

export const leakageSchema = z.object({
  distinct_keys: count.describe("Comparable keys present in more than one split"),
  pairs: z.array(
    z.object({
      splits: z.tuple([splitNameSchema, splitNameSchema]),
      shared_keys: count,
      sample: z.array(keyPreviewSchema).describe("The first 20 shared keys, sorted"),
    }),
  ),
});
export type Leakage = z.infer<typeof leakageSchema>;

export const splitIntegrityReport = defineReport({
  name: DATASET_FILES.integrity,
  generatedBy: INTEGRITY_GENERATOR,
  schemaVersion: "1.0.0",
  claimBoundary:
    "Proves the record counts, exact comparable-key overlaps, repeated keys and label balance of these files; it does not detect near-duplicates that differ in their key fields.",
  body: {
    dataset: datasetRef,
    ...integrityParametersSchema.shape,
    splits: z.array(integritySplitSchema),
    leakage: leakageSchema,
    ...decisionShape,
  },
});
export type SplitIntegrity = z.output<typeof splitIntegrityReport.schema>;

// -- manifest ------------------------------------------------------------------------------------

export const manifestFileSchema = identitySchema.extend({
  split: splitNameSchema,
  format: z.enum(RECORD_FORMATS),
  records: count,
});
export type ManifestFile = z.infer<typeof manifestFileSchema>;

export const datasetManifestSchema = z.object({
  schema_version: z.string(),
  generated_by: z.literal(PACKAGE_GENERATOR),
  dataset: datasetRef,
  files: z.array(manifestFileSchema).describe("Every payload file, sorted by path"),
  totals: z.object({ files: count, records: count, bytes: count }),
});
export type DatasetManifest = z.infer<typeof datasetManifestSchema>;
export const datasetManifest = defineArtifact({ name: DATASET_FILES.manifest, schemaVersion: "1.0.0", schema: datasetManifestSchema });

// -- package -------------------------------------------------------------------------------------

export const datasetPackageReport = defineReport({
  name: DATASET_FILES.package,
  generatedBy: PACKAGE_GENERATOR,
  schemaVersion: "1.0.0",
  claimBoundary:
    "Binds this metadata to the payload, its integrity analysis and its provenance reports by identity; it does not prove the metadata's prose is true.",
  body: {
    dataset: z.object({
      name: datasetNameSchema,
      version: versionSchema,
      pretty_name: z.string(),
      description: z.string(),
      license: z.string(),
      citation: z.string().nullable(),
      homepage: publicUrlSchema.nullable(),
    }),
    integrity: integrityParametersSchema,
    splits: z.array(
      z.object({
        name: splitNameSchema,
        declared_records: count.nullable(),
        files: z.array(z.object({ path: publicPathSchema, format: z.enum(RECORD_FORMATS), declared_records: count.nullable() })),
        records: count,
        bytes: count,
      }),
    ),
    manifest: identitySchema,
    split_integrity: identitySchema,
    snapshot_report: identitySchema.nullable(),
    input_check_report: identitySchema.nullable(),
  },
});
export type DatasetPackage = z.output<typeof datasetPackageReport.schema>;

// -- verification --------------------------------------------------------------------------------

export const VERIFY_GENERATOR = "bindery dataset verify";

export const datasetVerifyReport = defineReport({
  name: "dataset verification report",
  generatedBy: VERIFY_GENERATOR,
  schemaVersion: "1.0.0",
  claimBoundary:
    "Proves the package's files, identities, renders and integrity analysis agreed with its bytes when verified; it does not prove the data is what its sources published.",
  body: {
    dataset: datasetRef.nullable(),
    release: z.boolean().describe("Whether the snapshot and input-check reports were required"),
    checked: z.object({ files: count, records: count, deep: z.boolean().describe("Whether the integrity analysis was re-derived") }),
    findings: z.array(findingSchema),
    ...decisionShape,
  },
});
