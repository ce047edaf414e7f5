/**
 * A hash worker. For each job it takes the next file index from a shared atomic counter, hashes
 * that file, and writes the digest and size into shared memory: workers balance themselves file
 * by file, with no message per file and no need to know sizes in advance.
 */
import { parentPort } from "node:worker_threads";
import { READ_BUFFER_BYTES, hashFileRaw } from "./hash-file.js";

/** Shared layout of a job's control block (Int32Array). */
export const NEXT_INDEX = 0;
export const STOP = 1;

export interface HashJob {
  paths: readonly string[];
  /** Int32Array [next index, stop flag]. */
  control: SharedArrayBuffer;
  /** 32 bytes per file. */
  digests: SharedArrayBuffer;
  /** Float64Array: one size per file. */
  sizes: SharedArrayBuffer;
}

export type HashWorkerMessage =
  | { type: "progress"; bytes: number; files: number }
  | { type: "failed"; index: number; errno: string; message: string }
  | { type: "idle" };

/** Progress is posted at most this often, so messages stay cheap. */
const PROGRESS_EVERY_BYTES = 32 * 1024 * 1024;
const PROGRESS_EVERY_FILES = 256;

const port = parentPort;
if (port) {
  const buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  let bytes = 0;
  let files = 0;
  const flush = () => {
    if (bytes > 0 || files > 0) port.postMessage({ type: "progress", bytes, files } satisfies HashWorkerMessage);
    bytes = 0;
    files = 0;
  };
  const onBytes = (read: number) => {
    bytes += read;
    if (bytes >= PROGRESS_EVERY_BYTES) flush();
  };

  port.on("message", (job: HashJob) => {
    const control = new Int32Array(job.control);
    const digests = new Uint8Array(job.digests);
    const sizes = new Float64Array(job.sizes);
    for (;;) {
      if (Atomics.load(control, STOP) !== 0) break;
      const index = Atomics.add(control, NEXT_INDEX, 1);
      if (index >= job.paths.length) break;
      try {
        const { digest, size } = hashFileRaw(job.paths[index]!, buffer, onBytes);
        digests.set(digest, index * 32);
        sizes[index] = size;
      } catch (error) {
        Atomics.store(control, STOP, 1);
        const errno = (error as NodeJS.ErrnoException).code ?? "EUNKNOWN";
        port.postMessage({ type: "failed", index, errno, message: (error as Error).message } satisfies HashWorkerMessage);
        break;
      }
      files += 1;
      if (files >= PROGRESS_EVERY_FILES) flush();
    }
    flush();
    port.postMessage({ type: "idle" } satisfies HashWorkerMessage);
  });
}
