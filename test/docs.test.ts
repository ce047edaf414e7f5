/** The docs and project files promise things; these tests keep the promises true. */
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { errorCodes, jsonSchemas, prettyJson } from "./support/lib.js";

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), "utf8");

describe("documentation stays in step with the code", () => {
  it("docs/exit-codes.md lists every error code with its exit code, and every command", () => {
    const doc = read("docs/exit-codes.md");
    for (const [code, [exit]] of Object.entries(errorCodes)) {
      expect(doc, `${code} is not documented`).toMatch(new RegExp(`\`${code}\`[^\\n]*\\b${exit}\\b`));
    }
    for (const command of [
      "bindery checksums write",
      "bindery checksums verify",
      "bindery hash",
      "bindery dataset snapshot",
      "bindery dataset package",
      "bindery dataset integrity",
      "bindery dataset verify",
      "bindery model manifest",
      "bindery training preflight",
      "bindery training run",
      "bindery training package",
      "bindery training check-resume",
      "bindery eval aggregate",
      "bindery eval report",
      "bindery efficiency report",
      "bindery suite",
      "bindery model package",
      "bindery model verify",
      "bindery demo run",
      "bindery demo verify",
      "bindery paper draft",
      "bindery paper verify",
      "bindery verify",
      "bindery hub plan",
      "bindery emulate",
      "bindery hub publish",
      "bindery release candidate",
      "bindery release replay",
      "bindery release publication",
      "bindery release audit",
      "bindery rehearse",
      "bindery version parse",
      "bindery version compare",
      "bindery changelog check",
      "bindery changelog draft",
      "bindery release bump",
      "bindery pack check",
      "bindery index add",
      "bindery index publish",
      "bindery resolve",
      "bindery update",
      "bindery yank",
      "bindery sign",
      "bindery attest",
      "bindery gate",
      "bindery scope accept",
      "bindery contract snapshot",
      "bindery contract check",
      "bindery verify-signature",
      "bindery trust update",
    ]) {
      expect(doc).toContain(command);
    }
  });

  it("docs/schemas/ holds exactly the JSON Schemas the zod schemas export (run `npm run schemas`)", () => {
    for (const [file, schema] of jsonSchemas()) {
      const path = `docs/schemas/${file}`;
      expect(existsSync(new URL(`../${path}`, import.meta.url)), `${path} is missing`).toBe(true);
      expect(read(path), `${path} drifted from its zod schema`).toBe(prettyJson(schema));
    }
  });

  it("the README opens with the two set-up commands, and CI runs exactly them", () => {
    const readme = read("README.md");
    const setup = readme.indexOf("npm ci");
    expect(setup).toBeGreaterThan(-1);
    expect(readme.indexOf("npm test")).toBeGreaterThan(setup);
    expect(readme.slice(0, 1200)).toContain("npm test");
    const ci = read(".ci/run");
    expect(ci).toMatch(/^npm ci$/m);
    expect(ci).toMatch(/^npm test$/m);
  });

  it("CHANGELOG.md keeps an [Unreleased] section (Keep a Changelog)", () => {
    expect(read("CHANGELOG.md")).toMatch(/^## \[Unreleased\]$/m);
  });
});
