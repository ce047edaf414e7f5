/**
 * Every artifact schema bindery publishes as JSON Schema in docs/schemas/ (written by
 * `npm run schemas`; a test fails when the files drift from the zod schemas).
 */
import { z } from "zod";
import { envelopeSchema } from "./evidence/envelope.js";
import { identitySchema, rootedIdentitySchema } from "./evidence/identity.js";

export const PUBLISHED_SCHEMAS: readonly { file: string; title: string; schema: z.ZodType }[] = [
  { file: "identity.schema.json", title: "bindery identity {path, sha256, size}", schema: identitySchema },
  { file: "rooted-identity.schema.json", title: "bindery identity with an optional root label", schema: rootedIdentitySchema },
  { file: "report-envelope.schema.json", title: "bindery report envelope", schema: envelopeSchema },
];

/** The JSON Schema documents, by file name. */
export function jsonSchemas(): Map<string, unknown> {
  return new Map(
    PUBLISHED_SCHEMAS.map(({ file, title, schema }) => [
      file,
      { title, ...z.toJSONSchema(schema, { target: "draft-2020-12", io: "input" }) },
    ]),
  );
}
