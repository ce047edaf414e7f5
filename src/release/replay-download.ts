/**
 * The replay's downloads: every planned file fetched anonymously from its public URL into
 * `<output>/<root>/<path>`, hashed while it streams, and compared with the plan's sha256 and size.
 * A source planned twice (the model card as README.md) is fetched twice and written once; a run
 * file published once from the model package's copy is placed in the run package too.
 */
import { copyFile, mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { downloadAndHash } from "../hub/download.js";
import type { RetryPolicy } from "../hub/http.js";
import type { PlannedDownload } from "./replay-admit.js";
import type { ReplayDownload } from "./replay-schema.js";

export interface DownloadProgress {
  bytesDone: number;
  bytesTotal: number | undefined;
  filesDone: number;
  filesTotal: number;
}

/** Downloads in flight at once: enough to hide latency, few enough to be polite to a platform. */
const IN_FLIGHT = 4;

export async function downloadPlanned(
  planned: readonly PlannedDownload[],
  outputDir: string,
  options: { retry?: RetryPolicy; onProgress?: (event: DownloadProgress) => void } = {},
): Promise<ReplayDownload[]> {
  const rows: ReplayDownload[] = new Array(planned.length);
  const bytesTotal = planned.reduce((sum, p) => sum + p.source.size, 0);
  let next = 0;
  let filesDone = 0;
  let bytesDone = 0;
  const worker = async () => {
    while (next < planned.length) {
      const index = next;
      next += 1;
      const p = planned[index]!;
      const got = await downloadAndHash(p.url, { ...(p.write ? { to: join(outputDir, p.path) } : {}), ...(options.retry ? { retry: options.retry } : {}) });
      if (p.write && got.error === null) {
        for (const copy of p.copies) {
          await mkdir(dirname(join(outputDir, copy)), { recursive: true });
          await copyFile(join(outputDir, p.path), join(outputDir, copy));
        }
      }
      rows[index] = rowOf(p, got);
      filesDone += 1;
      bytesDone += got.size ?? 0;
      options.onProgress?.({ bytesDone, bytesTotal, filesDone, filesTotal: planned.length });
    }
  };
  await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, planned.length) }, worker));
  return rows;
}

function rowOf(p: PlannedDownload, got: Awaited<ReturnType<typeof downloadAndHash>>): ReplayDownload {
  const written = p.write && got.error === null;
  const base = { url: p.url, source: p.source, written, copies: written ? p.copies : [], status: got.status };
  if (got.error !== null || got.sha256 === null || got.size === null) {
    return { ...base, file: null, ok: false, error: `${p.path}: the download failed (${got.error ?? "no bytes"}).` };
  }
  const file = { path: p.path, sha256: got.sha256, size: got.size };
  const ok = got.sha256 === p.source.sha256 && got.size === p.source.size;
  const error = ok ? null : `${p.path}: the public bytes at ${p.url} are sha256 ${got.sha256} (${got.size} bytes), but the plan says sha256 ${p.source.sha256} (${p.source.size} bytes).`;
  return { ...base, file, ok, error };
}

/**
 * Whether a failed download is the platform's fault (no answer, a 5xx or 429 that outlasted the
 * retries, a body that kept breaking off) rather than its answer (a 404, other bytes).
 */
export function remoteFailure(row: ReplayDownload): boolean {
  const answered = row.status >= 400 && row.status < 500 && row.status !== 429;
  return !row.ok && row.file === null && !answered;
}

/** The code a failed download raises: the platform did not answer, the file is not there, or it is other bytes. */
export function downloadCode(row: ReplayDownload): "REMOTE_UNAVAILABLE" | "MISSING_FILE" | "IDENTITY_MISMATCH" {
  return remoteFailure(row) ? "REMOTE_UNAVAILABLE" : row.file === null ? "MISSING_FILE" : "IDENTITY_MISMATCH";
}
