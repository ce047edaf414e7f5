import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BinderyError, hashFile, hashFiles, READ_BUFFER_BYTES, type HashProgress } from "../support/lib.js";
import { tempDir } from "../support/tmp.js";

const sha = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** Deterministic, non-repeating content so a misplaced chunk changes the digest. */
function content(size: number, seed: number): Buffer {
  const out = Buffer.alloc(size);
  let x = seed * 2654435761;
  for (let i = 0; i < size; i += 1) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

describe("hashFiles: the worker-pool hasher", () => {
  it("matches node:crypto on sizes around the read buffer and on empty files", async () => {
    const dir = tempDir();
    const sizes = [0, 1, READ_BUFFER_BYTES - 1, READ_BUFFER_BYTES, READ_BUFFER_BYTES + 1, 9 * 1024 * 1024 + 3];
    const files = sizes.map((size, i) => {
      const path = join(dir, `f${i}`);
      const bytes = content(size, i + 1);
      writeFileSync(path, bytes);
      return { path, expected: { sha256: sha(bytes), size } };
    });
    // Large enough to use workers, and the same answers inline (one worker).
    for (const concurrency of [undefined, 1]) {
      const digests = await hashFiles(files.map(({ path }) => ({ path })), concurrency ? { concurrency } : {});
      expect(digests).toEqual(files.map((f) => f.expected));
    }
  });

  it("batches many small files across workers and returns results in input order", async () => {
    const dir = tempDir();
    const files = Array.from({ length: 1500 }, (_, i) => {
      const path = join(dir, `small-${i}`);
      const bytes = content(1 + ((i * 37) % 5000), i);
      writeFileSync(path, bytes);
      return { path, expected: sha(bytes) };
    });
    const digests = await hashFiles(files.map(({ path }) => ({ path })), { concurrency: 2 });
    expect(digests.map((d) => d.sha256)).toEqual(files.map((f) => f.expected));
  });

  it("reports progress that only grows and ends at the total", async () => {
    const dir = tempDir();
    const paths = [40, 3, 20].map((mib, i) => {
      const path = join(dir, `p${i}`);
      writeFileSync(path, content(mib * 1024 * 1024, i));
      return { path };
    });
    const events: HashProgress[] = [];
    await hashFiles(paths, { onProgress: (p) => events.push(p) });
    const total = 63 * 1024 * 1024;
    expect(events.length).toBeGreaterThan(1);
    for (let i = 1; i < events.length; i += 1) {
      expect(events[i]!.bytesDone).toBeGreaterThanOrEqual(events[i - 1]!.bytesDone);
      expect(events[i]!.filesDone).toBeGreaterThanOrEqual(events[i - 1]!.filesDone);
    }
    expect(events.at(-1)).toEqual({ bytesDone: total, bytesTotal: total, filesDone: 3, filesTotal: 3 });
  });

  it("names a file that cannot be read, in workers and inline", async () => {
    const dir = tempDir();
    const present = join(dir, "present");
    writeFileSync(present, content(20 * 1024 * 1024, 9));
    for (const concurrency of [2, 1]) {
      const attempt = hashFiles(
        [{ path: present }, { path: join(dir, "gone"), size: 20 * 1024 * 1024, shown: "gone" }],
        { concurrency },
      );
      await expect(attempt).rejects.toThrow(BinderyError);
      await expect(attempt).rejects.toMatchObject({ code: "INPUT_NOT_FOUND", message: "file gone does not exist." });
    }
    await expect(hashFile(join(dir, "nope"))).rejects.toMatchObject({ code: "INPUT_NOT_FOUND" });
  });
});
