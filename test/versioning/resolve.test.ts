/**
 * Resolution, table-driven: exact, latest, fallback, strict refusal, hash mismatch, yanked,
 * cross-MAJOR refusal and the default when the index cannot be reached, each with its reason.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bindery } from "../support/cli.js";
import { isBinderyError, parsePin, prettyJson, resolvePin, type ResolveOptions } from "../support/lib.js";
import { id, INDEX } from "../support/versioning.js";
import { tempDir } from "../support/tmp.js";

type Want = { by: string; release: string; reason: RegExp; warnings: string[] } | { code: string; message: RegExp };
const table: [string, string, ResolveOptions, Want][] = [
  ["exact", "sensors@0.1.1", {}, { by: "exact", release: "sensors-v0.1.1-r1", reason: /^exact: 0\.1\.1 is sensors-v0\.1\.1-r1$/, warnings: [] }],
  ["exact, PEP 440 spelling", "sensors@v2.1.0rc1", {}, { by: "exact", release: "sensors-v2.1.0-rc.1-r1", reason: /^exact: 2\.1\.0-rc\.1 is sensors-v2\.1\.0-rc\.1-r1$/, warnings: [] }],
  ["exact with its model id", `sensors@0.1.1+sha256:${id(2)}`, {}, { by: "exact", release: "sensors-v0.1.1-r1", reason: /its model id is the pinned one/, warnings: [] }],
  ["hash mismatch", `sensors@0.1.1+sha256:${id(1)}`, {}, { code: "PIN_MISMATCH", message: new RegExp(`binds sensors-v0\\.1\\.1-r1 to model id ${id(2)}, not the pinned ${id(1)}`) }],
  ["a model id alone", `sensors+sha256:${id(6)}`, {}, { by: "model_id", release: "sensors-v1.1.0-r1", reason: new RegExp(`^model id: ${id(6)} is sensors-v1\\.1\\.0-r1$`), warnings: [] }],
  ["a release id", "sensors-v1.0.0-r1", {}, { by: "release_id", release: "sensors-v1.0.0-r1", reason: /^release id: sensors-v1\.0\.0-r1 is in the index$/, warnings: [] }],
  ["latest: no yanked release, no pre-release", "sensors", {}, { by: "latest", release: "sensors-v2.0.0-r1", reason: /^latest: 2\.0\.0 is the newest stable release that is not yanked \(skipped: 2\.0\.1 is yanked, 2\.1\.0-rc\.1 is a pre-release\)$/, warnings: [] }],
  ["latest, with a revocation list", "sensors", { revoked: [{ model_id: id(7), release_id: "sensors-v2.0.0-r1", model_version: "2.0.0", reason: "revoked", upgrade_to: null, date: "2026-03-01" }] }, { by: "latest", release: "sensors-v1.1.0-r1", reason: /^latest: 1\.1\.0 is the newest stable release that is not yanked \(skipped: 2\.0\.0 is yanked, 2\.0\.1 is yanked, 2\.1\.0-rc\.1 is a pre-release\)$/, warnings: [] }],
  ["yanked, pinned exactly", "sensors@0.2.0", {}, { by: "exact", release: "sensors-v0.2.0-r1", reason: /^exact: 0\.2\.0 is sensors-v0\.2\.0-r1 \(yanked, but pinned exactly\)$/, warnings: ["MODEL_YANKED"] }],
  ["yanked, by release id", "sensors-v2.0.1-r1", {}, { by: "release_id", release: "sensors-v2.0.1-r1", reason: /\(yanked, but pinned exactly\)$/, warnings: ["MODEL_YANKED"] }],
  ["strict refusal (the default)", "sensors@1.0.5", {}, { code: "NOT_RESOLVED", message: /sensors@1\.0\.5: 1\.0\.5 is not in the index .*\(releases: 0\.1\.0, 0\.1\.1, 0\.2\.0, 0\.2\.1, 1\.0\.0, 1\.1\.0, 2\.0\.0, 2\.0\.1, 2\.1\.0-rc\.1\)\.$/ }],
  ["fallback within the MAJOR", "sensors@1.0.5", { allowFallback: true }, { by: "fallback", release: "sensors-v1.1.0-r1", reason: /^fallback: 1\.1\.0 is the highest release compatible with 1\.0\.5 \(MINOR differs \(1\.0 and 1\.1\): additions only\)$/, warnings: ["VERSION_FALLBACK"] }],
  ["fallback passes over a yanked release", "sensors@0.1.5", { allowFallback: true }, { by: "fallback", release: "sensors-v0.2.1-r1", reason: /^fallback: 0\.2\.1 is the highest release compatible with 0\.1\.5/, warnings: ["VERSION_FALLBACK"] }],
  ["fallback never goes to an older release", "sensors@1.2.0", { allowFallback: true }, { code: "NOT_RESOLVED", message: /1\.2\.0 is not in the index.*the only newer releases are not compatible with it \(MAJOR differs \(1 and 2\): breaking changes are allowed\): 2\.0\.0\.$/ }],
  ["cross-MAJOR with --force", "sensors@1.2.0", { force: true }, { by: "forced", release: "sensors-v2.0.0-r1", reason: /^forced: no compatible release, and --force took 2\.0\.0 across the boundary \(MAJOR differs \(1 and 2\)/, warnings: ["VERSION_FALLBACK"] }],
  ["a pre-release falls back to a newer pre-release", "sensors@2.1.0-beta.1", { allowFallback: true }, { by: "fallback", release: "sensors-v2.1.0-rc.1-r1", reason: /^fallback: 2\.1\.0-rc\.1 is the highest release compatible with 2\.1\.0-beta\.1 \(only the pre-release differs/, warnings: ["VERSION_FALLBACK"] }],
  ["a stable pin never falls back to a pre-release", "sensors@2.0.5", { allowFallback: true }, { code: "NOT_RESOLVED", message: /no newer stable release that is not yanked exists to fall back to/ }],
  ["pre-1.0 MINOR as breaking", "sensors@0.1.5", { allowFallback: true, pre1Policy: "breaking" }, { code: "NOT_RESOLVED", message: /not compatible with it \(before 1\.0, MINOR differs \(0\.1 and 0\.2\)/ }],
  ["a model id pins bytes, never a fallback", `sensors@1.0.5+sha256:${id(6)}`, { allowFallback: true }, { code: "NOT_RESOLVED", message: /a pin with a model id resolves only to those bytes/ }],
  ["another model's name", "lines@0.1.0", {}, { code: "NOT_RESOLVED", message: /lists releases of sensors, not lines/ }],
];

describe("resolution against a release index", () => {
  it.each(table)("%s: %s", (_name, pin, options, want) => {
    const attempt = () => resolvePin(INDEX, parsePin(pin), options);
    if ("code" in want) {
      let error: unknown;
      try {
        attempt();
      } catch (e) {
        error = e;
      }
      expect(isBinderyError(error), String(error)).toBe(true);
      expect((error as { code: string }).code).toBe(want.code);
      expect((error as Error).message).toMatch(want.message);
      return;
    }
    const r = attempt();
    expect(r.by).toBe(want.by);
    expect(r.entry?.release_id).toBe(want.release);
    expect(r.reason).toMatch(want.reason);
    expect(r.warnings.map((w) => w.code)).toEqual(want.warnings);
    expect(r.warnings.every((w) => w.severity === "warning")).toBe(true);
    expect(r.pin).toBe(`sensors@${r.entry!.model_version}+sha256:${r.entry!.model_id}`);
  });
});

describe("bindery resolve", () => {
  let server: Server;
  let origin: string;
  beforeAll(async () => {
    // /index: the index; /down: a platform that keeps failing; /garbage: not an index.
    server = createServer((req, res) => {
      if (req.url === "/index") res.writeHead(200, { "content-type": "application/json" }).end(prettyJson(INDEX));
      else if (req.url === "/down") res.writeHead(503).end("unavailable");
      else if (req.url === "/garbage") res.writeHead(200).end("<html>not json</html>");
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const env = { BINDERY_RETRY_BASE_MS: "1" };

  it("resolves from a URL and prints the release with its reason", async () => {
    const r = await bindery(["resolve", "sensors@0.2.0", "--index", `${origin}/index`], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`sensors@0.2.0+sha256:${id(3)}  sensors-v0.2.0-r1`);
    expect(r.stdout).toContain("exact: 0.2.0 is sensors-v0.2.0-r1 (yanked, but pinned exactly)");
    expect(r.stdout).toMatch(/MODEL_YANKED \(warning\)  sensors-v0\.2\.0-r1 .* was yanked: the scaler saw the test split; upgrade to 0\.2\.1/);
  });

  it("resolves from a file, with --json", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "release_index.json"), prettyJson(INDEX));
    const r = await bindery(["resolve", "sensors@1.0.5", "--index", "release_index.json", "--allow-fallback", "--json"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const doc = r.json<{ resolved: Record<string, unknown>; warnings: { code: string }[] }>();
    expect(doc.resolved).toMatchObject({ version: "1.1.0", release_id: "sensors-v1.1.0-r1", model_id: id(6), by: "fallback", yanked: false });
    expect(doc.warnings.map((w) => w.code)).toEqual(["VERSION_FALLBACK"]);
  });

  it("refuses what it cannot resolve with exit 1 and the reason", async () => {
    const r = await bindery(["resolve", "sensors@1.0.5", "--index", `${origin}/index`], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^bindery resolve: NOT_RESOLVED: sensors@1\.0\.5: 1\.0\.5 is not in the index .* Pass --allow-fallback to take the highest compatible release of MAJOR 1\.\n$/);
    const mismatch = await bindery(["resolve", `sensors@0.1.1+sha256:${id(1)}`, "--index", `${origin}/index`], { env });
    expect(mismatch.code).toBe(1);
    expect(mismatch.stderr).toMatch(/PIN_MISMATCH: .* not the pinned/);
  });

  it("takes --default when the index cannot be reached, and fails without it (exit 4)", async () => {
    const taken = await bindery(["resolve", "sensors", "--index", `${origin}/down`, "--default", "0.1.0", "--json"], { env });
    expect(taken.code, taken.stderr).toBe(0);
    const doc = taken.json<{ resolved: Record<string, unknown>; warnings: { code: string; message: string }[] }>();
    expect(doc.resolved).toMatchObject({ pin: "sensors@0.1.0", version: "0.1.0", model_id: null, by: "default" });
    expect(doc.resolved.reason).toMatch(/^default: the index http:\/\/127\.0\.0\.1:\d+\/down could not be read \(answered HTTP 503\), so the default 0\.1\.0 was taken; its model id is not known$/);
    expect(doc.warnings.map((w) => w.code)).toEqual(["VERSION_FALLBACK"]);

    const missing = await bindery(["resolve", "sensors", "--index", `${origin}/nothing-here`, "--default", "0.1.0"], { env });
    expect(missing.code, missing.stderr).toBe(0);
    expect(missing.stdout).toContain("could not be read (answered HTTP 404)");

    const failed = await bindery(["resolve", "sensors", "--index", `${origin}/down`], { env });
    expect(failed.code).toBe(4);
    expect(failed.stderr).toMatch(/^bindery resolve: REMOTE_UNAVAILABLE: the index http:\/\/127\.0\.0\.1:\d+\/down answered HTTP 503\.\n$/);
  });

  it("never papers over an index that was reached but is not one", async () => {
    const r = await bindery(["resolve", "sensors", "--index", `${origin}/garbage`, "--default", "0.1.0"], { env });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/INPUT_INVALID: http:\/\/127\.0\.0\.1:\d+\/garbage is not valid JSON/);
  });

  it("refuses contradictory flags and a bad --default before reading anything", async () => {
    const both = await bindery(["resolve", "sensors", "--index", "x.json", "--strict", "--allow-fallback"]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/USAGE: --strict refuses what --allow-fallback and --force allow/);
    const bad = await bindery(["resolve", "sensors", "--index", "x.json", "--default", "latest"]);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/INPUT_INVALID: "latest" is not a version/);
  });
});
