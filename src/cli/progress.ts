/**
 * Progress for long work, on stderr, only on a terminal and never in CI: a single line redrawn
 * at most ten times a second, cleared when the work ends.
 */
import { formatBytes } from "./format.js";

export interface ProgressEvent {
  bytesDone: number;
  bytesTotal: number;
  filesDone: number;
  filesTotal: number;
}

export interface ProgressRenderer {
  update(event: ProgressEvent): void;
  done(): void;
}

const REDRAW_MS = 100;

export function progressRenderer(label: string, quiet: boolean): ProgressRenderer | undefined {
  const stream = process.stderr;
  if (quiet || !stream.isTTY || process.env.CI) return undefined;
  const started = Date.now();
  let last = 0;
  let drawn = false;
  return {
    update(event) {
      const now = Date.now();
      if (now - last < REDRAW_MS && event.bytesDone < event.bytesTotal) return;
      last = now;
      const percent = event.bytesTotal === 0 ? 100 : Math.floor((event.bytesDone / event.bytesTotal) * 100);
      const seconds = Math.max((now - started) / 1000, 0.001);
      const rate = `${((event.bytesDone / seconds) / 1e6).toFixed(0)} MB/s`;
      stream.write(
        `\r\u001b[K${label} ${formatBytes(event.bytesDone)} / ${formatBytes(event.bytesTotal)} (${percent}%), ` +
          `${event.filesDone}/${event.filesTotal} files, ${rate}`,
      );
      drawn = true;
    },
    done() {
      if (drawn) stream.write("\r\u001b[K");
    },
  };
}
