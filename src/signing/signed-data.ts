/**
 * What a bundle signed, and the bytes it is checked against: digests given on the command line,
 * files read once in 2 MiB chunks (hashing and checking a signature as they stream), and the
 * subjects of an in-toto statement in a DSSE envelope.
 */
import { createHash, createVerify, verify as cryptoVerify, type KeyObject } from "node:crypto";
import { constants } from "node:fs";
import { open } from "node:fs/promises";
import type { Bundle } from "@sigstore/bundle";
import { BinderyError, NOT_REGULAR_FILE, inputError } from "../evidence/errors.js";

export type DigestAlgorithm = "sha256" | "sha384" | "sha512";

export interface Digest {
  algorithm: DigestAlgorithm;
  /** Lowercase hexadecimal. */
  hex: string;
}

/** The bytes a bundle is checked against: in memory, or a file streamed from disk. */
export type SignedData = Buffer | { path: string; shown?: string };

const IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json";
const HEX_LENGTH: Record<DigestAlgorithm, number> = { sha256: 64, sha384: 96, sha512: 128 };
const READ_BYTES = 2 * 1024 * 1024;

/** `sha256:HEX` or `sha512:HEX` from the command line; anything else is a usage error. */
export function parseDigest(text: string, flag = "--digest"): { algorithm: "sha256" | "sha512"; hex: string } {
  const match = /^(sha256|sha512):([0-9a-fA-F]+)$/.exec(text.trim());
  const algorithm = match?.[1] as "sha256" | "sha512" | undefined;
  const hex = match?.[2];
  if (!algorithm || !hex || hex.length !== HEX_LENGTH[algorithm]) {
    throw new BinderyError("USAGE", `${flag} ${JSON.stringify(text)} is not ALG:HEX, with ALG sha256 (64 hex digits) or sha512 (128 hex digits).`);
  }
  return { algorithm, hex: hex.toLowerCase() };
}

/** Abbreviates a digest for a human line: sha512:7bea9f6e7ff3…cd1f258b36. */
export function shortDigest(digest: Digest): string {
  return `${digest.algorithm}:${digest.hex.slice(0, 12)}…${digest.hex.slice(-10)}`;
}

export function nodeHash(algorithm: number, HashAlgorithm: { SHA2_256: number; SHA2_384: number; SHA2_512: number; HASH_ALGORITHM_UNSPECIFIED: number }): DigestAlgorithm | undefined {
  if (algorithm === HashAlgorithm.SHA2_256 || algorithm === HashAlgorithm.HASH_ALGORITHM_UNSPECIFIED) return "sha256";
  if (algorithm === HashAlgorithm.SHA2_384) return "sha384";
  if (algorithm === HashAlgorithm.SHA2_512) return "sha512";
  return undefined;
}

export function dataShown(data: SignedData | undefined, digest: Digest | undefined): string {
  if (data === undefined) return digest ? `digest ${digest.algorithm}:${digest.hex}` : "the signed bytes";
  return Buffer.isBuffer(data) ? "the signed bytes" : `file ${data.shown ?? data.path}`;
}

/** `file x (sha512:…)`, or `digest sha512:…` when the digest was given. */
export function withDigest(what: string, digest: Digest): string {
  return what.startsWith("digest ") ? what : `${what} (${digest.algorithm}:${digest.hex})`;
}

/**
 * Reads the signed bytes once, in 2 MiB chunks: their digests (for each algorithm asked), and
 * whether `signature` verifies over them with `key` (when given). Ed25519 signs the message
 * itself, not a digest of it, so an Ed25519 check reads the whole file into memory.
 */
export async function readSigned(
  data: SignedData,
  algorithms: readonly DigestAlgorithm[],
  check?: { key: KeyObject; algorithm: DigestAlgorithm; signature: Buffer },
): Promise<{ digests: Map<DigestAlgorithm, string>; verified: boolean }> {
  const pure = check !== undefined && (check.key.asymmetricKeyType === "ed25519" || check.key.asymmetricKeyType === "ed448");
  const hashes = algorithms.map((a) => [a, createHash(a)] as const);
  const verifier = check && !pure ? createVerify(check.algorithm) : undefined;
  const whole: Buffer[] = [];
  const update = (chunk: Buffer) => {
    for (const [, hash] of hashes) hash.update(chunk);
    verifier?.update(chunk);
    if (pure) whole.push(chunk);
  };
  if (Buffer.isBuffer(data)) {
    update(data);
  } else {
    const shown = data.shown ?? data.path;
    try {
      const handle = await open(data.path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
      try {
        if (!(await handle.stat()).isFile()) throw Object.assign(new Error(`${shown} is not a regular file`), { code: NOT_REGULAR_FILE });
        const buffer = Buffer.allocUnsafe(READ_BYTES);
        for (;;) {
          const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
          if (bytesRead === 0) break;
          // Ed25519 keeps the chunks, so they must not share the scratch buffer.
          update(pure ? Buffer.from(buffer.subarray(0, bytesRead)) : buffer.subarray(0, bytesRead));
        }
      } finally {
        await handle.close();
      }
    } catch (error) {
      throw inputError(error, shown);
    }
  }
  let verified = false;
  if (check) {
    try {
      verified = pure ? cryptoVerify(null, Buffer.concat(whole), check.key, check.signature) : verifier!.verify(check.key, check.signature);
    } catch {
      verified = false;
    }
  }
  return { digests: new Map(hashes.map(([a, hash]) => [a, hash.digest("hex")])), verified };
}

export interface Statement {
  subjects: { name: string; digest: Record<string, string> }[];
}

export function parseStatement(bundle: Bundle, shown: string): Statement {
  if (bundle.content.$case !== "dsseEnvelope") throw new Error("not a DSSE bundle");
  const envelope = bundle.content.dsseEnvelope;
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    throw new BinderyError("INPUT_INVALID", `bundle ${shown} signs a DSSE payload of type ${JSON.stringify(envelope.payloadType)}, not an in-toto statement (${IN_TOTO_PAYLOAD_TYPE}): it names no subject a file could be checked against.`);
  }
  let statement: { subject?: unknown };
  try {
    statement = JSON.parse(Buffer.from(envelope.payload).toString("utf8")) as { subject?: unknown };
  } catch (error) {
    throw new BinderyError("INPUT_INVALID", `bundle ${shown} signs an in-toto payload that is not JSON: ${(error as Error).message}.`, { cause: error });
  }
  const subjects: Statement["subjects"] = [];
  for (const s of Array.isArray(statement?.subject) ? (statement.subject as unknown[]) : []) {
    if (typeof s !== "object" || s === null) continue;
    const { name, digest } = s as { name?: unknown; digest?: unknown };
    const digests: Record<string, string> = {};
    if (typeof digest === "object" && digest !== null) {
      for (const [alg, hex] of Object.entries(digest)) if (typeof hex === "string") digests[alg] = hex.toLowerCase();
    }
    subjects.push({ name: typeof name === "string" ? name : "", digest: digests });
  }
  return { subjects };
}

export function describeSubjects(subjects: Statement["subjects"]): string {
  if (subjects.length === 0) return "it has no subjects";
  const shown = subjects.slice(0, 5).map((s) => `${s.name || "(unnamed)"} (${Object.entries(s.digest).map(([a, h]) => `${a}:${h}`).join(", ") || "no digest"})`);
  return `its subjects are ${shown.join("; ")}${subjects.length > 5 ? `; and ${subjects.length - 5} more` : ""}`;
}
