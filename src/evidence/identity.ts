/**
 * Identity `{path, sha256, size}`: how every artifact names the bytes it depends on. `path` is
 * public-safe and relative to the package that holds the file; an identity pointing into another
 * package carries a `root` label instead of a `..`.
 */
import { createHash } from "node:crypto";
import { realpathSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { z } from "zod";
import { BinderyError, inputError } from "./errors.js";
import { hashFiles, type HashOptions } from "./hashing.js";
import { isSafePath, pathWithin, safePath } from "./paths.js";

export const ROOT_LABELS = ["dataset", "run", "model", "demo", "paper", "release"] as const;
export type RootLabel = (typeof ROOT_LABELS)[number];
/** Where each root label points on this machine (from flags or config). */
export type RootMap = Partial<Record<RootLabel, string>>;

export const sha256HexSchema = z
  .string()
  .regex(/^[0-9a-f]{64}$/, "must be 64 lowercase hexadecimal characters")
  .describe("SHA-256 of the bytes, lowercase hex");
export const publicPathSchema = z
  .string()
  .refine((path) => isSafePath(path) && safePath(path) === path, "must be a public-safe relative path")
  .describe(
    "A public-safe path: POSIX, relative to the package, NFC, in normal form (no `.` or empty segments); " +
      "no `..`, backslash, NUL or control character, drive letter, or home directory (rfcs/0001-evidence-model.md)",
  );

export const identitySchema = z.object({
  path: publicPathSchema,
  sha256: sha256HexSchema,
  size: z.number().int().nonnegative().describe("Size in bytes"),
});
export type Identity = z.infer<typeof identitySchema>;

export const rootedIdentitySchema = identitySchema.extend({
  root: z
    .enum(ROOT_LABELS)
    .optional()
    .describe("The package the path is relative to, when it is not the artifact's own"),
});
export type RootedIdentity = z.infer<typeof rootedIdentitySchema>;

/** The identity of bytes held in memory, e.g. a file just rendered. */
export function identityOfBytes(path: string, bytes: string | Uint8Array): Identity {
  const buffer = typeof bytes === "string" ? Buffer.from(bytes, "utf8") : bytes;
  return { path: safePath(path), sha256: createHash("sha256").update(buffer).digest("hex"), size: buffer.length };
}

/** Identities of files under `root`, named by their public-safe paths relative to it. */
export async function identitiesOf(
  root: string,
  paths: readonly string[],
  options: HashOptions = {},
): Promise<Identity[]> {
  const safe = paths.map((path) => safePath(path));
  const digests = await hashFiles(
    safe.map((path) => ({ path: join(root, path), shown: path })),
    options,
  );
  return digests.map((digest, i) => ({ path: safe[i]!, ...digest }));
}

/**
 * Identities of files given as the user typed them, named relative to `root` (default: the
 * working directory). A file outside the root, or a link resolving outside it, is refused: its
 * name would have to be private, or its bytes would come from elsewhere (the walk's rule).
 */
export async function identitiesOfFiles(
  files: readonly string[],
  options: HashOptions & { root?: string } = {},
): Promise<Identity[]> {
  const rootShown = options.root ?? "the working directory";
  const root = resolve(options.root ?? ".");
  const rootReal = realpathOrThrow(root, rootShown, "directory");
  const named = files.map((file) => {
    const abs = resolve(file);
    let isFile: boolean;
    try {
      isFile = statSync(abs).isFile();
    } catch (error) {
      throw inputError(error, file);
    }
    if (!isFile) {
      throw new BinderyError("INPUT_INVALID", `${file} is not a regular file.`, {
        hint: "To checksum a directory, use `bindery checksums write`.",
      });
    }
    const rel = pathWithin(root, abs);
    if (!rel) {
      throw new BinderyError("PRIVATE_PATH", `${file} is outside ${rootShown}, so it has no public-safe name.`, {
        hint: "Pass --root with a directory that contains it.",
      });
    }
    if (!pathWithin(rootReal, realpathOrThrow(abs, file, "file"))) {
      throw new BinderyError("SYMLINK_ESCAPE", `${file} is a symbolic link that points outside ${rootShown}.`);
    }
    return { abs, path: safePath(rel), shown: file };
  });
  const digests = await hashFiles(named.map((n) => ({ path: n.abs, shown: n.shown })), options);
  return digests.map((digest, i) => ({ path: named[i]!.path, ...digest }));
}

function realpathOrThrow(path: string, shown: string, what: string): string {
  try {
    return realpathSync(path);
  } catch (error) {
    throw inputError(error, shown, what);
  }
}

/** Where an identity's bytes are on this machine: under its root label's directory, or under `base`. */
export function locateIdentity(identity: RootedIdentity, base: string, roots: RootMap = {}): string {
  if (identity.root === undefined) return join(base, safePath(identity.path));
  const dir = roots[identity.root];
  if (dir === undefined) {
    throw new BinderyError("INPUT_INVALID", `${identity.path} is in the ${identity.root} package, but no ${identity.root} directory was given.`, {
      hint: `Pass the ${identity.root} package directory (flag or config).`,
    });
  }
  return join(dir, safePath(identity.path));
}
