/**
 * What an npm release of a project actually contains: `npm pack --dry-run --json` (run with
 * execa), checked against the paths a release cannot do without.
 */
import { BinderyError } from "../evidence/errors.js";

/** bindery's own release-critical paths: a directory ends with `/`. */
export const DEFAULT_REQUIRED = ["bin/", "dist/", "docs/", "rfcs/", "configs/", "README.md", "CHANGELOG.md"] as const;

export interface PackCheck {
  ok: boolean;
  name: string;
  version: string;
  files: number;
  size: number;
  missing: string[];
}

export async function packCheck(options: { cwd?: string; require?: readonly string[] } = {}): Promise<PackCheck> {
  const { execa } = await import("execa");
  const result = await execa("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: options.cwd ?? process.cwd(), reject: false, stdin: "ignore" });
  if (result.exitCode !== 0) {
    throw new BinderyError("COMMAND_FAILED", `npm pack --dry-run failed (exit ${result.exitCode ?? "none"}): ${String(result.stderr).split("\n").filter((l) => !/^npm warn/i.test(l)).slice(-3).join(" ").trim() || "no message"}`);
  }
  let listing: { name: string; version: string; size: number; files: { path: string }[] }[];
  try {
    listing = JSON.parse(String(result.stdout));
  } catch {
    throw new BinderyError("COMMAND_FAILED", "npm pack --dry-run --json did not print JSON.");
  }
  const pack = listing[0]!;
  const paths = pack.files.map((f) => f.path);
  const required = options.require && options.require.length > 0 ? options.require : DEFAULT_REQUIRED;
  const missing = required.filter((r) => (r.endsWith("/") ? !paths.some((p) => p.startsWith(r)) : !paths.includes(r)));
  return { ok: missing.length === 0, name: pack.name, version: pack.version, files: paths.length, size: pack.size, missing };
}
