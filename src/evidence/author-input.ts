/**
 * Author inputs (specs, metadata, measurements, config) are written by people, in YAML or JSON.
 * They carry `kind: "bindery/<name>"`; only generated outputs carry `generated_by`.
 */
import { readFile } from "node:fs/promises";
import { parse as parseYaml, YAMLParseError } from "yaml";
import type { z } from "zod";
import { validate } from "./artifact.js";
import { BinderyError, inputError } from "./errors.js";
import { identityOfBytes, type Identity } from "./identity.js";

export interface AuthorInputDefinition<S extends z.ZodType = z.ZodType> {
  /** e.g. `bindery/dataset-spec`. */
  kind: `bindery/${string}`;
  /** The document's schema (its `kind` field included or not; it is checked here either way). */
  schema: S;
}

export function defineAuthorInput<S extends z.ZodType>(kind: `bindery/${string}`, schema: S): AuthorInputDefinition<S> {
  if (!/^bindery\/[a-z][a-z0-9-]*$/.test(kind)) throw new BinderyError("INTERNAL", `bad author input kind ${kind}`);
  return { kind, schema };
}

/** Checks `kind` and the schema on an already parsed document. */
export function parseAuthorInput<S extends z.ZodType>(definition: AuthorInputDefinition<S>, raw: unknown, shown: string): z.output<S> {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new BinderyError("INPUT_INVALID", `${shown} must be a mapping with kind: ${definition.kind}.`);
  }
  const document = raw as Record<string, unknown>;
  if ("generated_by" in document) {
    throw new BinderyError("INPUT_INVALID", `${shown} carries generated_by, which only files bindery generates have; an author input says kind: ${definition.kind} instead.`);
  }
  if (document.kind !== definition.kind) {
    const found = document.kind === undefined ? "no kind" : `kind ${JSON.stringify(document.kind)}`;
    throw new BinderyError("INPUT_INVALID", `${shown} has ${found}; expected kind: ${definition.kind}.`);
  }
  return validate(definition.schema, document, shown);
}

/** Reads a YAML or JSON author input; returns the value and the identity of the bytes read. */
export async function readAuthorInput<S extends z.ZodType>(
  definition: AuthorInputDefinition<S>,
  file: string,
  options: { shown?: string; path?: string } = {},
): Promise<{ value: z.output<S>; identity: Identity | undefined; bytes: Buffer }> {
  const shown = options.shown ?? file;
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw inputError(error, shown);
  }
  const value = parseAuthorInput(definition, parseDocument(bytes.toString("utf8"), shown), shown);
  return { value, identity: options.path === undefined ? undefined : identityOfBytes(options.path, bytes), bytes };
}

/** Parses YAML (or JSON, a subset of it); a syntax error is INPUT_INVALID naming the line. */
export function parseDocument(text: string, shown: string): unknown {
  try {
    return parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (error) {
    const where = error instanceof YAMLParseError && error.linePos ? ` at line ${error.linePos[0].line}` : "";
    throw new BinderyError("INPUT_INVALID", `${shown} is not valid YAML or JSON${where}: ${(error as Error).message.split("\n")[0]}`);
  }
}
