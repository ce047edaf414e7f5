/**
 * Streaming SHA-256 over many files: one worker thread per core, each hashing different files in
 * constant memory (one 2 MiB buffer per worker, whatever the file sizes).
 *
 * Workers take files one at a time from a shared atomic counter and write digests into shared
 * memory, so the load balances itself file by file without knowing sizes in advance and without
 * a message per file. A pool can be started before its files are known (workers boot while the
 * caller walks a directory). Jobs too small to repay a worker are hashed inline, by the same
 * routine.
 */
import { statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { BinderyError, inputError } from "./errors.js";
import { READ_BUFFER_BYTES, hashFileSync, type FileDigest } from "./hash-file.js";
import { NEXT_INDEX, STOP, type HashJob, type HashWorkerMessage } from "./hash-worker.js";

export { READ_BUFFER_BYTES, type FileDigest } from "./hash-file.js";

export interface HashInput {
  /** Where to read the file (absolute, or relative to the working directory). */
  path: string;
  /** Its size if already known; used for the progress total and the inline decision only. */
  size?: number;
  /** How to name the file in an error message (default: `path`). */
  shown?: string;
}

export interface HashProgress {
  bytesDone: number;
  /** Undefined when the sizes were not known in advance. */
  bytesTotal: number | undefined;
  filesDone: number;
  filesTotal: number;
}

export interface HashOptions {
  /** Called as bytes are hashed; the CLI renders it on a terminal. */
  onProgress?: (progress: HashProgress) => void;
  /** Worker threads to use at most (default: the number of cores). */
  concurrency?: number;
  /** A pool started earlier (see `HashPool.start`); the caller closes it. */
  pool?: HashPool;
}

/** A job is hashed inline when it has at most this many files and, their sizes known, fewer bytes. */
const INLINE_FILES = 64;
const INLINE_BYTES = 8 * 1024 * 1024;

/** Hashes every file, returning digests in input order. */
export async function hashFiles(inputs: readonly HashInput[], options: HashOptions = {}): Promise<FileDigest[]> {
  const { sizes, inline } = survey(inputs);
  if (inline || options.concurrency === 1) return hashInline(inputs, sizes, options.onProgress);
  if (options.pool) return options.pool.hash(inputs, options);
  const pool = HashPool.start(options.concurrency);
  try {
    return await pool.hash(inputs, options);
  } finally {
    await pool.close();
  }
}

/** Hashes one file: a convenience over `hashFiles`. */
export async function hashFile(path: string, options: HashOptions = {}): Promise<FileDigest> {
  const [digest] = await hashFiles([{ path }], options);
  if (!digest) throw new BinderyError("INTERNAL", "hashing returned no result.");
  return digest;
}

/** Sizes where known (a few files are stat-ed, which is cheap), and whether to stay inline. */
function survey(inputs: readonly HashInput[]): { sizes: (number | undefined)[]; inline: boolean } {
  const few = inputs.length <= INLINE_FILES;
  const sizes = inputs.map((input) => input.size ?? (few ? statSize(input) : undefined));
  const known = sizes.every((size) => size !== undefined);
  const bytes = known ? sizes.reduce<number>((sum, size) => sum + (size ?? 0), 0) : Infinity;
  return { sizes, inline: few && bytes < INLINE_BYTES };
}

function totalOf(sizes: readonly (number | undefined)[]): number | undefined {
  let total = 0;
  for (const size of sizes) {
    if (size === undefined) return undefined;
    total += size;
  }
  return total;
}

function statSize(input: HashInput): number {
  try {
    return statSync(input.path).size;
  } catch (error) {
    throw inputError(error, input.shown ?? input.path);
  }
}

function hashInline(
  inputs: readonly HashInput[],
  sizes: readonly (number | undefined)[],
  onProgress: HashOptions["onProgress"],
): FileDigest[] {
  const buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  const progress: HashProgress = { bytesDone: 0, bytesTotal: totalOf(sizes), filesDone: 0, filesTotal: inputs.length };
  const report = () => onProgress?.({ ...progress });
  return inputs.map((input) => {
    try {
      const digest = hashFileSync(input.path, buffer, (bytes) => {
        progress.bytesDone += bytes;
        report();
      });
      progress.filesDone += 1;
      report();
      return digest;
    } catch (error) {
      throw inputError(error, input.shown ?? input.path);
    }
  });
}

/** A set of hash workers; start it early, hash one job at a time, close it when done. */
export class HashPool {
  readonly #workers: Worker[];
  #busy = false;

  private constructor(workers: Worker[]) {
    this.#workers = workers;
  }

  /** Starts the workers now; they boot on their own threads while the caller goes on. */
  static start(concurrency: number = availableParallelism()): HashPool {
    const count = Math.max(1, Math.min(concurrency, availableParallelism()));
    return new HashPool(
      Array.from(
        { length: count },
        // The worker needs only Node's builtins: it must not inherit the parent's flags
        // (--input-type, loaders, --cpu-prof...), some of which stop a worker from starting.
        () => new Worker(new URL("./hash-worker.js", import.meta.url), { execArgv: [] }),
      ),
    );
  }

  async hash(inputs: readonly HashInput[], options: Omit<HashOptions, "pool"> = {}): Promise<FileDigest[]> {
    const { sizes, inline } = survey(inputs);
    if (inline) return hashInline(inputs, sizes, options.onProgress);
    if (this.#busy) throw new BinderyError("INTERNAL", "a hash pool runs one job at a time.");
    this.#busy = true;
    try {
      return await this.#run(inputs, sizes, options.onProgress);
    } finally {
      this.#busy = false;
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map((worker) => worker.terminate()));
  }

  #run(
    inputs: readonly HashInput[],
    sizes: readonly (number | undefined)[],
    onProgress: HashOptions["onProgress"],
  ): Promise<FileDigest[]> {
    const count = inputs.length;
    const job: HashJob = {
      paths: inputs.map((input) => input.path),
      control: new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT),
      digests: new SharedArrayBuffer(Math.max(1, count * 32)),
      sizes: new SharedArrayBuffer(Math.max(1, count) * Float64Array.BYTES_PER_ELEMENT),
    };
    const workers = this.#workers.slice(0, Math.max(1, Math.min(this.#workers.length, count)));
    const progress: HashProgress = { bytesDone: 0, bytesTotal: totalOf(sizes), filesDone: 0, filesTotal: count };

    return new Promise<FileDigest[]>((resolve, reject) => {
      let idle = 0;
      let failure: BinderyError | undefined;
      const listeners: [Worker, (message: HashWorkerMessage) => void, (error: Error) => void][] = [];
      const settle = () => {
        for (const [worker, onMessage, onError] of listeners) {
          worker.off("message", onMessage);
          worker.off("error", onError);
        }
        if (failure) return reject(failure);
        resolve(digestsOf(job, count));
      };
      for (const worker of workers) {
        const onMessage = (message: HashWorkerMessage) => {
          if (message.type === "progress") {
            progress.bytesDone += message.bytes;
            progress.filesDone += message.files;
            onProgress?.({ ...progress });
          } else if (message.type === "failed") {
            const input = inputs[message.index]!;
            const cause = Object.assign(new Error(message.message), { code: message.errno });
            failure ??= inputError(cause, input.shown ?? input.path);
          } else if (++idle === workers.length) {
            settle();
          }
        };
        const onError = (error: Error) => {
          Atomics.store(new Int32Array(job.control), STOP, 1);
          failure ??= new BinderyError("INTERNAL", `a hash worker failed: ${error.message}`, { cause: error });
          if (++idle === workers.length) settle();
        };
        worker.on("message", onMessage);
        worker.on("error", onError);
        listeners.push([worker, onMessage, onError]);
        worker.postMessage(job);
      }
    });
  }
}

function digestsOf(job: HashJob, count: number): FileDigest[] {
  const digests = Buffer.from(job.digests);
  const sizes = new Float64Array(job.sizes);
  const next = new Int32Array(job.control)[NEXT_INDEX]!;
  if (next < count) throw new BinderyError("INTERNAL", "the hash workers stopped before every file was hashed.");
  return Array.from({ length: count }, (_, i) => ({
    sha256: digests.toString("hex", i * 32, i * 32 + 32),
    size: sizes[i]!,
  }));
}
