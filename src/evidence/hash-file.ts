/**
 * Hashing one file in constant memory: a synchronous read loop into one reused buffer. It runs
 * inside the hash workers (where blocking is the point) and inline for jobs too small to be worth
 * starting a worker. Depends on nothing but node:crypto and node:fs so a worker starts fast.
 */
import { createHash } from "node:crypto";
import { closeSync, openSync, readSync } from "node:fs";

/** 2 MiB: large enough to reach the hash's speed, small enough to keep memory flat. */
export const READ_BUFFER_BYTES = 2 * 1024 * 1024;

export interface FileDigest {
  sha256: string;
  size: number;
}

/**
 * Hashes the file at `path` with `buffer` as scratch space. `onBytes` is told of every chunk
 * read, so a caller can report progress on large files.
 */
export function hashFileSync(path: string, buffer: Buffer, onBytes?: (bytes: number) => void): FileDigest {
  const hash = createHash("sha256");
  const fd = openSync(path, "r");
  let size = 0;
  try {
    for (;;) {
      const read = readSync(fd, buffer, 0, buffer.length, null);
      if (read === 0) break;
      hash.update(buffer.subarray(0, read));
      size += read;
      onBytes?.(read);
    }
  } finally {
    closeSync(fd);
  }
  return { sha256: hash.digest("hex"), size };
}
