import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { BinderyError, defineArtifact, parseArtifact, readArtifact } from "../support/lib.js";
import { tempDir } from "../support/tmp.js";

/** A synthetic artifact now at MAJOR 3, with a migration from each older MAJOR. */
const widget = defineArtifact({
  name: "widget.json",
  schemaVersion: "3.1.0",
  schema: z.object({
    schema_version: z.string(),
    weights: z.array(z.object({ path: z.string() })),
    label: z.string(),
    note: z.string().optional(),
  }),
  extensions: ["sharding"],
  migrations: {
    // MAJOR 1 → 2: `files` (names) became `weights` (objects).
    1: ({ files, ...rest }) => ({ ...rest, weights: (files as string[]).map((path) => ({ path })) }),
    // MAJOR 2 → 3: `title` was renamed `label`.
    2: ({ title, ...rest }) => ({ ...rest, label: title }),
  },
});

function code(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(BinderyError);
    return (error as BinderyError).code;
  }
  return "accepted";
}

const current = { schema_version: "3.1.0", weights: [{ path: "w.bin" }], label: "x" };

describe("the schema loader contract", () => {
  it("accepts the same MAJOR, any MINOR or PATCH, and ignores unknown optional fields", () => {
    const newer = { ...current, schema_version: "3.9.2", colour: "blue", weights: [{ path: "w.bin", shard: 1 }] };
    expect(parseArtifact(widget, newer, "w.json")).toEqual({ schema_version: "3.9.2", weights: [{ path: "w.bin" }], label: "x" });
    expect(parseArtifact(widget, { ...current, schema_version: "3.0.0" }, "w.json").label).toBe("x");
  });

  it("refuses a newer MAJOR with SCHEMA_COMPAT", () => {
    expect(code(() => parseArtifact(widget, { ...current, schema_version: "4.0.0" }, "w.json"))).toBe("SCHEMA_COMPAT");
    expect(() => parseArtifact(widget, { ...current, schema_version: "4.0.0" }, "w.json")).toThrow(/written by a newer bindery/);
  });

  it("migrates an older MAJOR one step at a time through the registry", () => {
    const v1 = { schema_version: "1.4.0", files: ["a.bin", "b.bin"], title: "old" };
    expect(parseArtifact(widget, v1, "w.json")).toEqual({
      schema_version: "3.0.0",
      weights: [{ path: "a.bin" }, { path: "b.bin" }],
      label: "old",
    });
    expect(parseArtifact(widget, { schema_version: "2.0.0", weights: [], title: "t" }, "w.json").label).toBe("t");
  });

  it("refuses an older MAJOR with no migration with SCHEMA_COMPAT", () => {
    expect(code(() => parseArtifact(widget, { ...current, schema_version: "0.9.0" }, "w.json"))).toBe("SCHEMA_COMPAT");
  });

  it("refuses an unknown required extension with SCHEMA_COMPAT, and accepts a known one", () => {
    expect(code(() => parseArtifact(widget, { ...current, required_extensions: ["erasure-v2"] }, "w.json"))).toBe(
      "SCHEMA_COMPAT",
    );
    expect(() => parseArtifact(widget, { ...current, required_extensions: ["erasure-v2"] }, "w.json")).toThrow(
      /requires extension "erasure-v2"/,
    );
    expect(code(() => parseArtifact(widget, { ...current, required_extensions: ["sharding"] }, "w.json"))).toBe("accepted");
  });

  it("refuses a missing required field, a missing or malformed schema_version, and non-objects with INPUT_INVALID", () => {
    const { label: _label, ...noLabel } = current;
    expect(code(() => parseArtifact(widget, noLabel, "w.json"))).toBe("INPUT_INVALID");
    expect(() => parseArtifact(widget, noLabel, "w.json")).toThrow(/w\.json \(widget\.json\) does not match its schema: label: /);
    expect(code(() => parseArtifact(widget, { ...current, schema_version: "v3" }, "w.json"))).toBe("INPUT_INVALID");
    expect(code(() => parseArtifact(widget, { weights: [], label: "x" }, "w.json"))).toBe("INPUT_INVALID");
    expect(code(() => parseArtifact(widget, [current], "w.json"))).toBe("INPUT_INVALID");
  });

  it("reads files: missing is INPUT_NOT_FOUND, bad JSON is INPUT_INVALID, and the exact bytes come back", async () => {
    const dir = tempDir();
    const file = join(dir, "w.json");
    await expect(readArtifact(widget, file, "w.json")).rejects.toMatchObject({ code: "INPUT_NOT_FOUND" });
    writeFileSync(file, "{ nope");
    await expect(readArtifact(widget, file, "w.json")).rejects.toMatchObject({ code: "INPUT_INVALID", message: /not valid JSON/ });
    writeFileSync(file, JSON.stringify(current));
    const read = await readArtifact(widget, file, "w.json");
    expect(read.bytes.toString()).toBe(JSON.stringify(current));
  });
});
