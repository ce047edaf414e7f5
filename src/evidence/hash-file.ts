/**
 * Hashing one file in constant memory: a synchronous read loop into one reused buffer. It runs
 * inside the hash workers (where blocking is the point) and inline for jobs too small to be worth
 * starting a worker. Depends on nothing but node:crypto and node:fs so a worker starts fast.
 */
import { createHash } from "node:crypto";
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { NOT_REGULAR_FILE } from "./errors.js";

/** 2 MiB: large enough to reach the hash's speed, small enough to keep memory flat. */
export const READ_BUFFER_BYTES = 2 * 1024 * 1024;

export interface FileDigest {
  sha256: string;
  size: number;
}

/**
 * Hashes the file at `path` with `buffer` as scratch space; returns the raw 32-byte digest.
 * The file is opened non-blocking and checked to be regular *after* opening, so a path swapped
 * for a FIFO since it was listed is refused instead of hanging the read.
 */
export function hashFileRaw(
  path: string,
  buffer: Buffer,
  onBytes?: (bytes: number) => void,
): { digest: Buffer; size: number } {
  const fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    if (!fstatSync(fd).isFile()) {
      throw Object.assign(new Error(`${path} is not a regular file`), { code: NOT_REGULAR_FILE });
    }
    const hash = createHash("sha256");
    let size = 0;
    for (;;) {
      const read = readSync(fd, buffer, 0, buffer.length, null);
      if (read === 0) break;
      hash.update(buffer.subarray(0, read));
      size += read;
      onBytes?.(read);
    }
    return { digest: hash.digest(), size };
  } finally {
    closeSync(fd);
  }
}

/** `hashFileRaw` with the digest as lowercase hex. */
export function hashFileSync(path: string, buffer: Buffer, onBytes?: (bytes: number) => void): FileDigest {
  const { digest, size } = hashFileRaw(path, buffer, onBytes);
  return { sha256: digest.toString("hex"), size };
}
