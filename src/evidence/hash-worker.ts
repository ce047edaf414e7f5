/**
 * A hash worker: receives batches of file paths, answers with one digest (or error) per file, and
 * reports bytes done as it goes. One worker per core hashes different files in parallel.
 */
import { parentPort } from "node:worker_threads";
import { READ_BUFFER_BYTES, hashFileSync } from "./hash-file.js";

export interface HashTask {
  id: number;
  paths: string[];
}

export type HashWorkerMessage =
  | { type: "progress"; bytes: number }
  | { type: "done"; id: number; results: HashOutcome[] };

export type HashOutcome = { ok: true; sha256: string; size: number } | { ok: false; errno: string; message: string };

/** Progress is posted at most this often (in bytes) so messages stay cheap on big files. */
const PROGRESS_EVERY_BYTES = 32 * 1024 * 1024;

const port = parentPort;
if (port) {
  const buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  let pending = 0;
  const flush = () => {
    if (pending > 0) port.postMessage({ type: "progress", bytes: pending } satisfies HashWorkerMessage);
    pending = 0;
  };
  const onBytes = (bytes: number) => {
    pending += bytes;
    if (pending >= PROGRESS_EVERY_BYTES) flush();
  };
  port.on("message", (task: HashTask) => {
    const results = task.paths.map((path): HashOutcome => {
      try {
        return { ok: true, ...hashFileSync(path, buffer, onBytes) };
      } catch (error) {
        const errno = (error as NodeJS.ErrnoException).code ?? "EUNKNOWN";
        return { ok: false, errno, message: (error as Error).message };
      }
    });
    flush();
    port.postMessage({ type: "done", id: task.id, results } satisfies HashWorkerMessage);
  });
}
