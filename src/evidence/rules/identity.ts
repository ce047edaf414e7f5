/** Identity rule: the bytes on disk are the bytes an identity (or a checksum line) names. */
import { existsSync } from "node:fs";
import { hashFiles, type FileDigest, type HashOptions } from "../hashing.js";
import { finding, type Finding, type Rule } from "./engine.js";

export interface Expectation {
  /** The name findings use (public-safe). */
  path: string;
  sha256: string;
  /** Checked when known; a checksum line carries no size. */
  size?: number;
  /** Where the bytes are on this machine. */
  abs: string;
  /** How messages name it, when more than its path helps (e.g. `shards/shard-00004.bin (shard 4)`). */
  label?: string;
}

export interface IdentityRuleOptions extends HashOptions {
  expected: readonly Expectation[];
  /** `IDENTITY_MISMATCH` for identities in artifacts, `CHECKSUM_MISMATCH` for checksum files. */
  code?: "IDENTITY_MISMATCH" | "CHECKSUM_MISMATCH";
  /** Which file made the claim, for messages (e.g. `SHA256SUMS`; default "its identity"). */
  claimedBy?: string;
  /** Digests already taken this run, by `abs`: those files are not read again. */
  known?: ReadonlyMap<string, FileDigest>;
}

export function identityRule(options: IdentityRuleOptions): Rule {
  return {
    rule: "identity",
    async check() {
      const findings: Finding[] = [];
      const known = options.known ?? new Map<string, FileDigest>();
      const present = options.expected.filter((e) => {
        if (known.has(e.abs) || existsSync(e.abs)) return true;
        findings.push(finding("MISSING_FILE", e.path, `${e.label ?? e.path} is named by ${claimant(options)} but does not exist.`));
        return false;
      });
      const unknown = present.filter((e) => !known.has(e.abs));
      const hashed = await hashFiles(
        unknown.map((e) => ({ path: e.abs, shown: e.path })),
        options,
      );
      const fresh = new Map(unknown.map((e, i) => [e.abs, hashed[i]!]));
      const digests = present.map((e) => known.get(e.abs) ?? fresh.get(e.abs)!);
      const code = options.code ?? "IDENTITY_MISMATCH";
      present.forEach((e, i) => {
        const actual = digests[i]!;
        if (e.size !== undefined && actual.size !== e.size) {
          findings.push(finding(code, e.path, `${e.label ?? e.path} is ${actual.size} bytes, but ${claimant(options)} says ${e.size}.`));
        } else if (actual.sha256 !== e.sha256.toLowerCase()) {
          findings.push(
            finding(code, e.path, `${e.label ?? e.path} has sha256 ${actual.sha256}, but ${claimant(options)} says ${e.sha256.toLowerCase()}.`),
          );
        }
      });
      return findings;
    },
  };
}

function claimant(options: IdentityRuleOptions): string {
  return options.claimedBy ?? "its identity";
}
