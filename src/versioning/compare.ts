/**
 * Version order (semver precedence, pre-releases included) and the compatibility a version number
 * promises between two releases: IDENTICAL, COMPATIBLE (patch differs), UPGRADE_RECOMMENDED (minor
 * differs, or only the pre-release), INCOMPATIBLE (major differs). Before 1.0 the MINOR number is
 * the one that may break: by default bindery's policy is that pre-1.0 MINOR bumps are strictly
 * additive (UPGRADE_RECOMMENDED); `breaking` treats them as INCOMPATIBLE.
 */
import type { Version } from "./pins.js";

export type Compatibility = "IDENTICAL" | "COMPATIBLE" | "UPGRADE_RECOMMENDED" | "INCOMPATIBLE";
export type Pre1Policy = "additive" | "breaking";

/** Semver precedence: -1, 0 or 1. A pre-release sorts before its release; identifiers compare numerically, then lexically. */
export function compareVersions(a: Version, b: Version): number {
  for (const key of ["major", "minor", "patch"] as const) if (a[key] !== b[key]) return a[key] < b[key] ? -1 : 1;
  if (a.prerelease.length === 0 || b.prerelease.length === 0) return a.prerelease.length === b.prerelease.length ? 0 : a.prerelease.length === 0 ? 1 : -1;
  for (let i = 0; i < Math.max(a.prerelease.length, b.prerelease.length); i += 1) {
    const x = a.prerelease[i];
    const y = b.prerelease[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (x === y) continue;
    if (typeof x === "number" && typeof y === "number") return x < y ? -1 : 1;
    if (typeof x === "number") return -1;
    if (typeof y === "number") return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

export interface CompatibilityResult {
  level: Compatibility;
  /** -1 when a is older than b, 0 when equal, 1 when newer. */
  order: number;
  reason: string;
}

export function compatibility(a: Version, b: Version, policy: Pre1Policy = "additive"): CompatibilityResult {
  const order = compareVersions(a, b);
  if (order === 0) return { level: "IDENTICAL", order, reason: "the same version" };
  if (a.major !== b.major) return { level: "INCOMPATIBLE", order, reason: `MAJOR differs (${a.major} and ${b.major}): breaking changes are allowed` };
  if (a.minor !== b.minor) {
    if (a.major === 0 && policy === "breaking") return { level: "INCOMPATIBLE", order, reason: `before 1.0, MINOR differs (0.${a.minor} and 0.${b.minor}) and the policy treats pre-1.0 MINOR bumps as breaking` };
    return { level: "UPGRADE_RECOMMENDED", order, reason: `MINOR differs (${a.major}.${a.minor} and ${b.major}.${b.minor}): additions only${a.major === 0 ? " (the pre-1.0 policy: MINOR bumps are strictly additive)" : ""}` };
  }
  if (a.patch !== b.patch) return { level: "COMPATIBLE", order, reason: `PATCH differs (${a.patch} and ${b.patch}): fixes only, the same outputs on a fixed input` };
  return { level: "UPGRADE_RECOMMENDED", order, reason: "only the pre-release differs: a pre-release promises nothing, move to the release" };
}
