/**
 * Agreement rule: a fact that several artifacts state (release id, dataset snapshot, model id,
 * commit) must be the same in all of them. The first source is the reference; each source that
 * differs from it is a finding on that source.
 */
import { canonicalJson } from "../canonical-json.js";
import { finding, type Finding, type Rule } from "./engine.js";

export interface AgreementSource {
  /** The artifact stating the value. */
  path: string;
  /** JSON pointer of the field in it, e.g. `/model_id`. */
  field?: string;
  value: unknown;
}

export interface AgreementOptions {
  /** What must agree, for messages: `model id`, `dataset snapshot`. */
  fact: string;
  sources: readonly AgreementSource[];
}

export function agreementRule(options: AgreementOptions): Rule {
  return {
    rule: "agreement",
    check() {
      const [reference, ...others] = options.sources;
      if (!reference) return [];
      const want = canonicalJson(reference.value ?? null);
      const findings: Finding[] = [];
      for (const source of others) {
        if (canonicalJson(source.value ?? null) === want) continue;
        findings.push(
          finding(
            "DISAGREEMENT",
            source.path,
            `${source.path} says the ${options.fact} is ${show(source.value)}, but ${reference.path} says ${show(reference.value)}.`,
            source.field === undefined ? {} : { field: source.field },
          ),
        );
      }
      return findings;
    },
  };
}

function show(value: unknown): string {
  return value === undefined ? "missing" : canonicalJson(value);
}
