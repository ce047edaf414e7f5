/** Exact-set rule: the files a listing names are exactly the files present, each named. */
import { sortByPath } from "../paths.js";
import { finding, type Finding, type Rule } from "./engine.js";

export interface ExactSetOptions {
  /** The listing's name for messages, e.g. `SHA256SUMS` or `the plan`. */
  listing: string;
  listed: readonly string[];
  present: readonly string[];
  /** Present files the listing does not name are allowed (default false: strict). */
  allowExtra?: boolean;
}

export function exactSetRule(options: ExactSetOptions): Rule {
  return {
    rule: "exact-set",
    check() {
      const listed = new Set(options.listed);
      const present = new Set(options.present);
      const findings: Finding[] = [];
      for (const path of sortByPath([...listed], (p) => p)) {
        if (!present.has(path)) {
          findings.push(finding("MISSING_FILE", path, `${path} is listed in ${options.listing} but not present.`));
        }
      }
      if (!options.allowExtra) {
        for (const path of sortByPath([...present], (p) => p)) {
          if (!listed.has(path)) {
            findings.push(finding("EXTRA_FILE", path, `${path} is present but not listed in ${options.listing}.`));
          }
        }
      }
      return findings;
    },
  };
}
