/**
 * Streaming SHA-256 over many files: one worker thread per core, each hashing different files in
 * constant memory (one 2 MiB buffer per worker, whatever the file sizes).
 *
 * Large files are tasks of their own; small files are batched so ten thousand 4 KiB files cost a
 * few dozen messages, not ten thousand. Tasks are handed out largest first, so one big file does
 * not start last and leave the other cores idle. Jobs too small to repay a worker's start-up are
 * hashed inline with the same routine.
 */
import { availableParallelism } from "node:os";
import { statSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { BinderyError, inputError } from "./errors.js";
import { READ_BUFFER_BYTES, hashFileSync, type FileDigest } from "./hash-file.js";
import type { HashOutcome, HashTask, HashWorkerMessage } from "./hash-worker.js";

export type { FileDigest } from "./hash-file.js";

export interface HashInput {
  /** Where to read the file (absolute, or relative to the working directory). */
  path: string;
  /** Its size if already known (saves a stat); used for scheduling and progress only. */
  size?: number;
  /** How to name the file in an error message (default: `path`). */
  shown?: string;
}

export interface HashProgress {
  bytesDone: number;
  bytesTotal: number;
  filesDone: number;
  filesTotal: number;
}

export interface HashOptions {
  /** Called as bytes are hashed; the CLI renders it on a TTY. */
  onProgress?: (progress: HashProgress) => void;
  /** Worker threads to use at most (default: the number of cores). */
  concurrency?: number;
}

/** A file at least this large is a task of its own. */
const LARGE_FILE_BYTES = 8 * 1024 * 1024;
/** A batch of small files closes at this many files or bytes. */
const BATCH_FILES = 512;
const BATCH_BYTES = 16 * 1024 * 1024;
/** Below both of these the whole job is hashed inline: a worker would cost more than it saves. */
const INLINE_BYTES = 16 * 1024 * 1024;
const INLINE_FILES = 256;

/** Hashes every file, returning digests in input order. */
export async function hashFiles(inputs: readonly HashInput[], options: HashOptions = {}): Promise<FileDigest[]> {
  const sizes = inputs.map((input) => input.size ?? statSize(input));
  const bytesTotal = sizes.reduce((a, b) => a + b, 0);
  const progress: HashProgress = { bytesDone: 0, bytesTotal, filesDone: 0, filesTotal: inputs.length };
  const report = options.onProgress ? () => options.onProgress?.({ ...progress }) : () => undefined;

  const workers = Math.min(options.concurrency ?? availableParallelism(), inputs.length);
  if (workers <= 1 || (bytesTotal < INLINE_BYTES && inputs.length <= INLINE_FILES)) {
    return hashInline(inputs, progress, report);
  }
  return hashInWorkers(inputs, planTasks(sizes), workers, progress, report);
}

/** Hashes one file: a convenience over `hashFiles`. */
export async function hashFile(path: string, options: HashOptions = {}): Promise<FileDigest> {
  const [digest] = await hashFiles([{ path }], options);
  if (!digest) throw new BinderyError("INTERNAL", "hashing returned no result.");
  return digest;
}

function statSize(input: HashInput): number {
  try {
    return statSync(input.path).size;
  } catch (error) {
    throw inputError(error, input.shown ?? input.path);
  }
}

function hashInline(inputs: readonly HashInput[], progress: HashProgress, report: () => void): FileDigest[] {
  const buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  return inputs.map((input) => {
    try {
      const digest = hashFileSync(input.path, buffer, (bytes) => {
        progress.bytesDone += bytes;
      });
      progress.filesDone += 1;
      report();
      return digest;
    } catch (error) {
      throw inputError(error, input.shown ?? input.path);
    }
  });
}

/** Groups input indexes into tasks, largest first. */
function planTasks(sizes: readonly number[]): number[][] {
  const tasks: { indexes: number[]; bytes: number }[] = [];
  let batch: { indexes: number[]; bytes: number } = { indexes: [], bytes: 0 };
  sizes.forEach((size, index) => {
    if (size >= LARGE_FILE_BYTES) {
      tasks.push({ indexes: [index], bytes: size });
      return;
    }
    batch.indexes.push(index);
    batch.bytes += size;
    if (batch.indexes.length >= BATCH_FILES || batch.bytes >= BATCH_BYTES) {
      tasks.push(batch);
      batch = { indexes: [], bytes: 0 };
    }
  });
  if (batch.indexes.length > 0) tasks.push(batch);
  return tasks.sort((a, b) => b.bytes - a.bytes).map((task) => task.indexes);
}

function hashInWorkers(
  inputs: readonly HashInput[],
  tasks: number[][],
  workerCount: number,
  progress: HashProgress,
  report: () => void,
): Promise<FileDigest[]> {
  const results: FileDigest[] = new Array<FileDigest>(inputs.length);
  const pool = Array.from(
    { length: Math.min(workerCount, tasks.length) },
    () => new Worker(new URL("./hash-worker.js", import.meta.url)),
  );
  let next = 0;
  let running = 0;

  return new Promise<FileDigest[]>((resolve, reject) => {
    let settled = false;
    const finish = (error?: unknown) => {
      if (settled) return;
      settled = true;
      void Promise.all(pool.map((worker) => worker.terminate())).then(() =>
        error === undefined ? resolve(results) : reject(error),
      );
    };
    const dispatch = (worker: Worker) => {
      const indexes = tasks[next];
      if (indexes === undefined) {
        if (running === 0) finish();
        return;
      }
      const task: HashTask = { id: next, paths: indexes.map((i) => inputs[i]!.path) };
      next += 1;
      running += 1;
      worker.postMessage(task);
    };
    for (const worker of pool) {
      worker.on("message", (message: HashWorkerMessage) => {
        if (message.type === "progress") {
          progress.bytesDone += message.bytes;
          report();
          return;
        }
        running -= 1;
        const indexes = tasks[message.id]!;
        const failure = collect(message.results, indexes, inputs, results);
        if (failure) return finish(failure);
        progress.filesDone += indexes.length;
        report();
        dispatch(worker);
      });
      worker.on("error", (error) => finish(new BinderyError("INTERNAL", `a hash worker failed: ${error.message}`)));
      dispatch(worker);
    }
  });
}

/** Stores a task's digests; returns the error for the first file that could not be read. */
function collect(
  outcomes: readonly HashOutcome[],
  indexes: readonly number[],
  inputs: readonly HashInput[],
  results: FileDigest[],
): BinderyError | undefined {
  for (const [k, outcome] of outcomes.entries()) {
    const index = indexes[k]!;
    if (!outcome.ok) {
      const input = inputs[index]!;
      return inputError(Object.assign(new Error(outcome.message), { code: outcome.errno }), input.shown ?? input.path);
    }
    results[index] = { sha256: outcome.sha256, size: outcome.size };
  }
  return undefined;
}
