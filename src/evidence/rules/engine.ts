/**
 * The verification rule engine. Every verifier is a list of rules over the artifacts it reads;
 * the engine runs them all and returns every finding, never just the first. Rules are generic
 * (identity, re-render, exact set, agreement, generator, public text, placeholder), so a new
 * artifact declares which rules apply instead of hand-writing field checks.
 */
import { BinderyError, type Finding } from "../errors.js";

export type { Finding } from "../errors.js";

export interface Rule {
  /** The rule's kind, e.g. `identity`, `re-render`: for logs and grouping. */
  readonly rule: string;
  check(): Finding[] | Promise<Finding[]>;
}

export interface Verdict {
  /** True when no finding is an error (warnings do not fail). */
  ok: boolean;
  findings: Finding[];
}

/** Runs every rule in order (rules may share the hash pool, so not concurrently). */
export async function runRules(rules: Iterable<Rule>): Promise<Verdict> {
  const findings: Finding[] = [];
  for (const rule of rules) findings.push(...(await rule.check()));
  return verdictOf(findings);
}

export function verdictOf(findings: Finding[]): Verdict {
  return { ok: !findings.some((f) => f.severity === "error"), findings };
}

/** The error a command throws for a failed verdict: exit 1, every finding attached. */
export function verificationError(subject: string, verdict: Verdict): BinderyError {
  const errors = verdict.findings.filter((f) => f.severity === "error");
  const codes = [...new Set(errors.map((f) => f.code))].join(", ");
  return new BinderyError(
    "VERIFICATION_FAILED",
    `${subject}: ${errors.length} problem${errors.length === 1 ? "" : "s"} found (${codes}).`,
    { findings: verdict.findings },
  );
}

/** A finding with severity `error`; the common case, spelled briefly. */
export function finding(code: Finding["code"], path: string, message: string, extra: Pick<Finding, "field" | "line"> = {}): Finding {
  return { code, severity: "error", path, message, ...extra };
}

/** A finding that informs without failing (a yanked release, a fallback taken). */
export function warning(code: Finding["code"], path: string, message: string, extra: Pick<Finding, "field" | "line"> = {}): Finding {
  return { ...finding(code, path, message, extra), severity: "warning" };
}

/** Findings without repeats: the same condition reached by two routes is listed once. */
export function uniqueFindings(findings: readonly Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.code}\u0000${f.path}\u0000${f.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
