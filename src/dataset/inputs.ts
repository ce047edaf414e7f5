/**
 * The two author inputs of a dataset release, written by people in YAML or JSON:
 *
 * - the *spec* (`kind: bindery/dataset-spec`): which upstream bytes the snapshot is built from and
 *   how (a declarative file map, or a build command as an argv array);
 * - the *metadata* (`kind: bindery/dataset-metadata`): what the package says about the data:
 *   description, license, citation, splits and their files, key and label fields.
 *
 * Unknown fields are refused (a typo must not silently drop a setting).
 */
import { z } from "zod";
import { SEMVER } from "../evidence/artifact.js";
import { defineAuthorInput, readAuthorInput } from "../evidence/author-input.js";
import { canonicalHash } from "../evidence/canonical-json.js";
import { publicPathSchema } from "../evidence/identity.js";
import { comparePaths } from "../evidence/paths.js";
import { formatFromName, RECORD_FORMATS, type RecordFormat } from "./records.js";

/** Dataset names double as Hub repository names. */
export const datasetNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?$/, "must be 1-96 letters, digits, `.`, `_` or `-`, starting and ending with a letter or digit")
  .describe("The dataset's name (also usable as a Hub repository name)");
export const versionSchema = z.string().regex(SEMVER, "must be a semver version such as 1.0.0").describe("Semantic version");
/** The Hub's rule for split names. */
export const splitNameSchema = z
  .string()
  .regex(/^\w+(?:\.\w+)*$/, "must be letters, digits and `_` (the Hub's rule for split names)")
  .describe("Split name, e.g. train, validation, test");
const sourceIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "must be letters, digits, `.`, `_` or `-`");
const pinnedSha256Schema = z
  .string()
  .regex(/^[0-9a-fA-F]{64}$/, "must be 64 hexadecimal characters")
  .transform((hex) => hex.toLowerCase());

/** A public http(s) URL: no credentials in it, since it is published as written. */
export const publicUrlSchema = z
  .string()
  .refine((text) => {
    try {
      const url = new URL(text);
      return (url.protocol === "https:" || url.protocol === "http:") && url.username === "" && url.password === "";
    } catch {
      return false;
    }
  }, "must be an http(s) URL without credentials in it")
  .describe("A public http(s) URL");

const sourceSchema = z.strictObject({
  id: sourceIdSchema.describe("How the file map and reports name this source"),
  url: publicUrlSchema.describe("Where the public can fetch these bytes"),
  file: publicPathSchema.describe("The staged file's name under the inputs directory"),
  sha256: pinnedSha256Schema.optional().describe("Pinned SHA-256; the input check refuses other bytes"),
  size: z.number().int().nonnegative().optional().describe("Pinned size in bytes"),
  license: z.string().min(1).describe("The source's license (SPDX identifier or Hub license id)"),
});

const fileMapEntrySchema = z.strictObject({
  source: sourceIdSchema.describe("The source id whose staged file is copied"),
  path: publicPathSchema.describe("Where it goes in the dataset directory"),
  split: splitNameSchema.optional().describe("The split it belongs to (must agree with the metadata)"),
});

export const PLACEHOLDERS = ["{inputs}", "{output}"] as const;

const buildSchema = z
  .strictObject({
    files: z.array(fileMapEntrySchema).min(1).optional().describe("Declarative build: copy staged sources into the dataset"),
    command: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe("Build command as an argv array (never a shell string); {inputs} and {output} are replaced by directories"),
  })
  .superRefine((build, context) => {
    const given = [build.files, build.command].filter((b) => b !== undefined).length;
    if (given !== 1) {
      context.addIssue({ code: "custom", message: "give exactly one of build.files (a file map) or build.command (an argv array)" });
    }
    if (build.command && !build.command.some((arg) => arg.includes("{output}"))) {
      context.addIssue({ code: "custom", path: ["command"], message: "the build command must name {output}, the directory it writes the snapshot into" });
    }
  });

export const datasetSpecSchema = z
  .strictObject({
    kind: z.literal("bindery/dataset-spec"),
    name: datasetNameSchema,
    version: versionSchema,
    sources: z.array(sourceSchema).min(1).describe("The upstream sources, each staged as a local file"),
    build: buildSchema,
  })
  .superRefine((spec, context) => {
    const ids = new Set<string>();
    spec.sources.forEach((source, i) => {
      if (ids.has(source.id)) context.addIssue({ code: "custom", path: ["sources", i, "id"], message: `source id ${source.id} is used twice` });
      ids.add(source.id);
    });
    const files = spec.build.files ?? [];
    const paths = new Set<string>();
    const used = new Set<string>();
    files.forEach((entry, i) => {
      if (!ids.has(entry.source)) {
        context.addIssue({ code: "custom", path: ["build", "files", i, "source"], message: `no source has id ${entry.source}` });
      }
      if (paths.has(entry.path)) {
        context.addIssue({ code: "custom", path: ["build", "files", i, "path"], message: `${entry.path} is written twice` });
      }
      paths.add(entry.path);
      used.add(entry.source);
    });
    if (spec.build.files) {
      for (const id of ids) {
        if (!used.has(id)) context.addIssue({ code: "custom", path: ["build", "files"], message: `source ${id} is not used by the file map` });
      }
    }
  })
  .describe("bindery/dataset-spec: the upstream sources of a dataset snapshot and how it is built");

export type DatasetSpec = z.output<typeof datasetSpecSchema>;
export const datasetSpecInput = defineAuthorInput("bindery/dataset-spec", datasetSpecSchema);

/** The spec's canonical hash: the same spec in YAML or JSON, any key order, hashes the same. */
export function specHash(spec: DatasetSpec): string {
  return canonicalHash(spec);
}

export async function readDatasetSpec(file: string): Promise<DatasetSpec> {
  return (await readAuthorInput(datasetSpecInput, file)).value;
}

const countSchema = z.number().int().nonnegative();

const splitFileSchema = z.union([
  publicPathSchema,
  z.strictObject({
    path: publicPathSchema,
    records: countSchema.optional().describe("Declared record count; packaging checks it"),
  }),
]);

export const KEY_NORMALIZATIONS = ["exact", "text"] as const;
export type KeyNormalization = (typeof KEY_NORMALIZATIONS)[number];

export const datasetMetadataSchema = z
  .strictObject({
    kind: z.literal("bindery/dataset-metadata"),
    name: datasetNameSchema,
    version: versionSchema,
    pretty_name: z.string().min(1).optional().describe("Display name (default: name)"),
    description: z.string().min(1).describe("What the dataset is, in a paragraph or more of Markdown"),
    license: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.+-]*$/, "must be a lowercase license id such as cc-by-4.0, mit or apache-2.0")
      .describe("License id as the Hub spells it (cc-by-4.0, mit, apache-2.0, other, ...)"),
    citation: z.string().min(1).optional().describe("How to cite the dataset (BibTeX recommended)"),
    homepage: publicUrlSchema.optional(),
    record_format: z.enum(RECORD_FORMATS).optional().describe("Format of every data file (default: from each file's extension)"),
    key_fields: z.array(z.string().min(1)).min(1).describe("Fields whose values together form a record's comparable key"),
    key_normalization: z
      .enum(KEY_NORMALIZATIONS)
      .default("exact")
      .describe("exact: compare values as they are; text: NFC, trim, collapse whitespace and lowercase strings first"),
    label_field: z.string().min(1).optional().describe("The field whose class balance is reported"),
    max_leakage: countSchema.default(0).describe("Comparable keys two splits may share before verification fails"),
    splits: z
      .array(
        z.strictObject({
          name: splitNameSchema,
          files: z.array(splitFileSchema).min(1),
          records: countSchema.optional().describe("Declared record count for the whole split"),
        }),
      )
      .min(1)
      .max(16)
      .describe("The splits, in the order they are shown"),
  })
  .superRefine((meta, context) => {
    const names = new Set<string>();
    const files = new Set<string>();
    meta.splits.forEach((split, i) => {
      if (names.has(split.name)) context.addIssue({ code: "custom", path: ["splits", i, "name"], message: `split ${split.name} is declared twice` });
      names.add(split.name);
      split.files.forEach((file, j) => {
        const path = typeof file === "string" ? file : file.path;
        if (files.has(path)) context.addIssue({ code: "custom", path: ["splits", i, "files", j], message: `${path} is in more than one split` });
        files.add(path);
        if (!meta.record_format && !formatFromName(path)) {
          context.addIssue({
            code: "custom",
            path: ["splits", i, "files", j],
            message: `${path}: cannot tell its format from the extension (use .jsonl, .csv or .tsv, or set record_format)`,
          });
        }
      });
    });
  })
  .describe("bindery/dataset-metadata: what a dataset package says about its data");

export type DatasetMetadata = z.output<typeof datasetMetadataSchema>;
export const datasetMetadataInput = defineAuthorInput("bindery/dataset-metadata", datasetMetadataSchema);

export async function readDatasetMetadata(file: string): Promise<DatasetMetadata> {
  return (await readAuthorInput(datasetMetadataInput, file)).value;
}

/** A split as packaging sees it: files with their formats and declared counts, in order. */
export interface PlannedSplit {
  name: string;
  declared_records: number | null;
  files: { path: string; format: RecordFormat; declared_records: number | null }[];
}

/** The metadata's splits with every file's format resolved; files sorted by path within a split. */
export function plannedSplits(meta: DatasetMetadata): PlannedSplit[] {
  return meta.splits.map((split) => ({
    name: split.name,
    declared_records: split.records ?? null,
    files: split.files
      .map((file) => {
        const path = typeof file === "string" ? file : file.path;
        const declared = typeof file === "string" ? null : (file.records ?? null);
        return { path, format: meta.record_format ?? formatFromName(path)!, declared_records: declared };
      })
      .sort((a, b) => comparePaths(a.path, b.path)),
  }));
}
