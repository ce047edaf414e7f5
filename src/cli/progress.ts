/**
 * Progress for long work, on stderr, only on a terminal and never in CI: a single line redrawn
 * at most ten times a second, cleared when the work ends.
 */
import { formatBytes } from "./format.js";

export interface ProgressEvent {
  bytesDone: number;
  /** Undefined when sizes were not known in advance: progress then counts files. */
  bytesTotal: number | undefined;
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
      const finished = event.filesDone === event.filesTotal;
      if (now - last < REDRAW_MS && !finished) return;
      last = now;
      const total = event.bytesTotal;
      const fraction = total === undefined ? event.filesDone / Math.max(event.filesTotal, 1) : event.bytesDone / Math.max(total, 1);
      const bytes = total === undefined ? formatBytes(event.bytesDone) : `${formatBytes(event.bytesDone)} / ${formatBytes(total)}`;
      const seconds = Math.max((now - started) / 1000, 0.001);
      const rate = `${(event.bytesDone / seconds / 1e6).toFixed(0)} MB/s`;
      stream.write(
        `\r\u001b[K${label} ${bytes} (${Math.floor(Math.min(fraction, 1) * 100)}%), ` +
          `${event.filesDone}/${event.filesTotal} files, ${rate}`,
      );
      drawn = true;
    },
    done() {
      if (drawn) stream.write("\r\u001b[K");
    },
  };
}
