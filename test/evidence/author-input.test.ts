import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineAuthorInput, readAuthorInput } from "../support/lib.js";
import { tempDir } from "../support/tmp.js";

const spec = defineAuthorInput(
  "bindery/widget-spec",
  z.object({ kind: z.literal("bindery/widget-spec"), name: z.string(), version: z.string().regex(/^\d+\.\d+\.\d+$/) }),
);

async function read(content: string) {
  const file = join(tempDir(), "spec.yaml");
  writeFileSync(file, content);
  return readAuthorInput(spec, file, { shown: "spec.yaml", path: "spec.yaml" });
}

describe("author inputs", () => {
  it("reads YAML and JSON, returning the identity of the bytes read", async () => {
    const yaml = "kind: bindery/widget-spec\nname: demo\nversion: 1.2.3\n";
    const fromYaml = await read(yaml);
    expect(fromYaml.value).toEqual({ kind: "bindery/widget-spec", name: "demo", version: "1.2.3" });
    expect(fromYaml.identity).toMatchObject({ path: "spec.yaml", size: yaml.length });
    expect((await read('{"kind": "bindery/widget-spec", "name": "demo", "version": "1.2.3"}')).value.name).toBe("demo");
  });

  it.each([
    ["a missing kind", "name: demo\nversion: 1.2.3\n", /has no kind; expected kind: bindery\/widget-spec/],
    ["another kind", "kind: bindery/other\nname: d\nversion: 1.0.0\n", /has kind "bindery\/other"/],
    ["a generated_by marker", "kind: bindery/widget-spec\ngenerated_by: bindery x\nname: d\nversion: 1.0.0\n", /carries generated_by/],
    ["a schema violation", "kind: bindery/widget-spec\nname: d\nversion: one\n", /spec\.yaml does not match its schema: version: /],
    ["broken YAML", "kind: [unclosed\n", /spec\.yaml is not valid YAML or JSON at line \d/],
    ["a duplicate key", "kind: bindery/widget-spec\nname: a\nname: b\nversion: 1.0.0\n", /not valid YAML or JSON/],
    ["a list", "- kind: bindery/widget-spec\n", /must be a mapping/],
  ])("refuses %s with INPUT_INVALID", async (_name, content, message) => {
    await expect(read(content)).rejects.toMatchObject({ code: "INPUT_INVALID", exitCode: 3, message });
  });

  it("names a missing file", async () => {
    await expect(readAuthorInput(spec, join(tempDir(), "nope.yaml"), { shown: "nope.yaml" })).rejects.toMatchObject({
      code: "INPUT_NOT_FOUND",
      message: "file nope.yaml does not exist.",
    });
  });
});
