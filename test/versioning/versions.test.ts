/** Pins, version order and compatibility: table-driven, through the library and the CLI. */
import { describe, expect, it } from "vitest";
import { bindery } from "../support/cli.js";
import { compareVersions, compatibility, formatPin, formatVersion, parsePin, parseVersion } from "../support/lib.js";

const ID = "a".repeat(64);

describe("pins", () => {
  const valid: [string, string, { name: string; version: string | null; revision: number | null; modelId: string | null }][] = [
    ["sensors@0.1.0", "sensors@0.1.0", { name: "sensors", version: "0.1.0", revision: null, modelId: null }],
    ["sensors@v0.1.0", "sensors@0.1.0", { name: "sensors", version: "0.1.0", revision: null, modelId: null }],
    [`sensors@0.1.0+sha256:${ID}`, `sensors@0.1.0+sha256:${ID}`, { name: "sensors", version: "0.1.0", revision: null, modelId: ID }],
    ["sensors@0.1.0rc1", "sensors@0.1.0-rc.1", { name: "sensors", version: "0.1.0-rc.1", revision: null, modelId: null }],
    ["sensors@0.1.0a1", "sensors@0.1.0-alpha.1", { name: "sensors", version: "0.1.0-alpha.1", revision: null, modelId: null }],
    ["sensors@1.2.3b4", "sensors@1.2.3-beta.4", { name: "sensors", version: "1.2.3-beta.4", revision: null, modelId: null }],
    ["sensors@1.0.0-rc.1+build.5", "sensors@1.0.0-rc.1", { name: "sensors", version: "1.0.0-rc.1", revision: null, modelId: null }],
    ["example/sensors-fault@2.0.0", "example/sensors-fault@2.0.0", { name: "example/sensors-fault", version: "2.0.0", revision: null, modelId: null }],
    ["sensors", "sensors", { name: "sensors", version: null, revision: null, modelId: null }],
    [`sensors+sha256:${ID}`, `sensors+sha256:${ID}`, { name: "sensors", version: null, revision: null, modelId: ID }],
    ["sensors-v0.1.0-r1", "sensors-v0.1.0-r1", { name: "sensors", version: "0.1.0", revision: 1, modelId: null }],
    [`sensors-v1.0.0-rc.2-r3+sha256:${ID}`, `sensors-v1.0.0-rc.2-r3+sha256:${ID}`, { name: "sensors", version: "1.0.0-rc.2", revision: 3, modelId: ID }],
  ];
  it.each(valid)("parses %s as %s", (text, canonical, expected) => {
    const pin = parsePin(text);
    expect({ name: pin.name, version: pin.version ? formatVersion(pin.version) : null, revision: pin.revision, modelId: pin.modelId }).toEqual(expected);
    expect(formatPin(pin)).toBe(canonical);
    expect(formatPin(parsePin(canonical))).toBe(canonical);
  });

  const invalid: [string, RegExp][] = [
    ["sensors@", /"" is not a version/],
    ["sensors@1.2", /"1\.2" is not a version/],
    ["sensors@01.2.3", /is not a version/],
    ["sensors@1.2.3rc", /is not a version/],
    [`sensors@1.0.0+sha256:${"A".repeat(64)}`, /64 lowercase hexadecimal digits/],
    ["sensors@1.0.0+sha256:abc", /64 lowercase hexadecimal digits/],
    [`sensors@1.0.0+sha1:${"a".repeat(40)}`, /only \+sha256: model ids are accepted/],
    ["-sensors@1.0.0", /the name "-sensors" must be/],
    ["a/b/c@1.0.0", /the name "a\/b\/c" must be/],
    ["", /the name "" must be/],
  ];
  it.each(invalid)("refuses %j", (text, message) => {
    expect(() => parsePin(text)).toThrow(message);
    try {
      parsePin(text);
    } catch (error) {
      expect((error as { code: string }).code).toBe("INPUT_INVALID");
    }
  });
});

describe("version order and compatibility", () => {
  it("orders pre-releases as semver does", () => {
    const ordered = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.1.0", "2.0.0"];
    const shuffled = [...ordered].reverse();
    expect(shuffled.map(parseVersion).sort(compareVersions).map(formatVersion)).toEqual(ordered);
    expect(compareVersions(parseVersion("0.1.0rc1"), parseVersion("0.1.0-rc.1"))).toBe(0);
  });

  const levels: [string, string, "additive" | "breaking", string, RegExp][] = [
    ["1.2.3", "v1.2.3", "additive", "IDENTICAL", /the same version/],
    ["1.2.3", "1.2.4", "additive", "COMPATIBLE", /PATCH differs \(3 and 4\)/],
    ["1.2.3", "1.3.0", "additive", "UPGRADE_RECOMMENDED", /MINOR differs \(1\.2 and 1\.3\): additions only$/],
    ["1.2.3", "2.0.0", "additive", "INCOMPATIBLE", /MAJOR differs \(1 and 2\)/],
    ["0.1.0", "0.2.0", "additive", "UPGRADE_RECOMMENDED", /pre-1\.0 policy: MINOR bumps are strictly additive/],
    ["0.1.0", "0.2.0", "breaking", "INCOMPATIBLE", /policy treats pre-1\.0 MINOR bumps as breaking/],
    ["0.1.0", "0.1.1", "breaking", "COMPATIBLE", /PATCH differs/],
    ["1.0.0-rc.1", "1.0.0", "additive", "UPGRADE_RECOMMENDED", /only the pre-release differs/],
    ["1.9.9", "2.0.0-rc.1", "additive", "INCOMPATIBLE", /MAJOR differs/],
  ];
  it.each(levels)("%s vs %s (%s): %s", (a, b, policy, level, reason) => {
    const result = compatibility(parseVersion(a), parseVersion(b), policy);
    expect(result.level).toBe(level);
    expect(result.reason).toMatch(reason);
    expect(result.order).toBe(compareVersions(parseVersion(a), parseVersion(b)));
  });
});

describe("bindery version", () => {
  it("parses and compares from the command line", async () => {
    const parsed = await bindery(["version", "parse", `sensors@v0.1.0rc1+sha256:${ID}`, "--json"]);
    expect(parsed.code).toBe(0);
    expect(parsed.json()).toEqual({ ok: true, canonical: `sensors@0.1.0-rc.1+sha256:${ID}`, name: "sensors", version: "0.1.0-rc.1", prerelease: ["rc", 1], revision: null, model_id: ID });
    const compared = await bindery(["version", "compare", "0.1.0", "0.2.0", "--pre1-policy", "breaking"]);
    expect(compared.code).toBe(0);
    expect(compared.stdout).toBe("INCOMPATIBLE  0.1.0 < 0.2.0: before 1.0, MINOR differs (0.1 and 0.2) and the policy treats pre-1.0 MINOR bumps as breaking\n");
    const bad = await bindery(["version", "parse", "sensors@1.2", "--json"]);
    expect(bad.code).toBe(3);
    expect(bad.json<{ error: { code: string } }>().error.code).toBe("INPUT_INVALID");
  });
});
