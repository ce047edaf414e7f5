/**
 * `bindery release audit`: the auditor's check, from the publication report alone (a file, or its
 * URL in the evidence release). It fetches the evidence the report binds from the evidence
 * release, checks every identity and the binding chain (publication → candidate → embedded plan;
 * replay → candidate; publish report → plan), then checks the public release again exactly as the
 * candidate did: file sets at the tag's commit, and every planned file downloaded anonymously and
 * hashed. Every problem is a finding naming its file.
 */
import { readFile } from "node:fs/promises";
import { z } from "zod";
import { parseArtifact, parseJson } from "../evidence/artifact.js";
import { prettyJson } from "../evidence/canonical-json.js";
import { buildReport, checkRowSchema, decide, defineReport, findingSchema, type CheckRow } from "../evidence/envelope.js";
import { BinderyError, inputError, type Finding } from "../evidence/errors.js";
import { identityOfBytes, identitySchema, type Identity } from "../evidence/identity.js";
import { finding } from "../evidence/rules/engine.js";
import { generatorProblem } from "../evidence/rules/generator.js";
import { hubPublishReport, hubReleasePlan } from "../hub/schema.js";
import { candidateReport } from "./candidate-schema.js";
import { auditSignatures, type ExpectedSigner } from "./audit-signatures.js";
import { publicChecks } from "./candidate.js";
import { EVIDENCE_NAMES, publicationReport } from "./publication.js";
import { cleanMachineDemoReport } from "./replay-schema.js";
import type { ArtifactDefinition } from "../evidence/artifact.js";

export const auditReport = defineReport({
  name: "release_audit_report.json",
  generatedBy: "bindery release audit",
  schemaVersion: "1.0.0",
  claimBoundary: "Re-checks, when it ran, that the public bytes and the published evidence are what the publication report binds; it trusts nothing else.",
  body: {
    ok: z.boolean(),
    checks: z.array(checkRowSchema),
    blockers: z.array(z.string()),
    publication: identitySchema,
    findings: z.array(findingSchema),
  },
});
export type AuditReport = z.output<typeof auditReport.schema>;

async function fetchBytes(source: string): Promise<Buffer> {
  if (/^https?:\/\//.test(source)) {
    const response = await fetch(source, { redirect: "follow" }).catch((error: unknown) => {
      throw new BinderyError("REMOTE_UNAVAILABLE", `could not fetch ${source}: ${(error as Error).message}`);
    });
    if (!response.ok) throw new BinderyError(response.status === 404 ? "INPUT_NOT_FOUND" : "REMOTE_UNAVAILABLE", `${source} answered HTTP ${response.status}.`, { exitCode: response.status === 404 ? 3 : 4 });
    return Buffer.from(await response.arrayBuffer());
  }
  try {
    return await readFile(source);
  } catch (error) {
    throw inputError(error, source);
  }
}

/** Parses `bytes` as a report of `definition`, a finding (not a throw) when it is not one. */
function asReport<S extends z.ZodType>(definition: ArtifactDefinition<S> & { generatedBy: string }, bytes: Buffer, shown: string, findings: Finding[]): z.output<S> | undefined {
  try {
    const raw = parseJson(bytes, shown);
    const problem = generatorProblem(raw, definition.generatedBy);
    if (problem) {
      findings.push(finding("FOREIGN_GENERATOR", shown, `${shown}: ${problem}`));
      return undefined;
    }
    return parseArtifact(definition, raw, shown);
  } catch (error) {
    findings.push(finding("INPUT_INVALID", shown, (error as Error).message));
    return undefined;
  }
}

export async function auditPublication(options: { publication: string; signer?: ExpectedSigner; env?: NodeJS.ProcessEnv }): Promise<AuditReport> {
  const pubBytes = await fetchBytes(options.publication);
  const raw = parseJson(pubBytes, options.publication);
  const problem = generatorProblem(raw, publicationReport.generatedBy);
  if (problem) throw new BinderyError("FOREIGN_GENERATOR", `${options.publication}: ${problem}`, { exitCode: 3 });
  const publication = parseArtifact(publicationReport, raw, options.publication);
  const findings: Finding[] = [];
  const rows: CheckRow[] = [];
  const row = (id: string, ok: boolean, detail: string, codes: string[] = []) => rows.push({ id, ok, detail, issue_refs: codes });
  const base = publication.evidence_release.assets_url;

  // The evidence the publication binds, fetched from the evidence release, each identity checked.
  const fetched = new Map<string, Buffer>();
  const bound: [keyof typeof EVIDENCE_NAMES, Identity][] = [
    ["plan", publication.plan],
    ["publish", publication.publish_report],
    ["candidate", publication.candidate],
    ["replay", publication.replay],
  ];
  for (const [key, identity] of bound) {
    const name = EVIDENCE_NAMES[key];
    try {
      const bytes = await fetchBytes(`${base}/${encodeURIComponent(name)}`);
      const now = identityOfBytes(name, bytes);
      if (now.sha256 !== identity.sha256 || now.size !== identity.size) {
        findings.push(finding("IDENTITY_MISMATCH", name, `${name} in the evidence release is sha256 ${now.sha256} (${now.size} bytes), but the publication report binds ${identity.sha256} (${identity.size} bytes).`));
      }
      fetched.set(key, bytes);
    } catch (error) {
      findings.push(finding("MISSING_FILE", name, `${name} could not be fetched from the evidence release: ${(error as Error).message}`));
    }
  }
  const evidenceProblems = findings.length;
  row("evidence", evidenceProblems === 0, evidenceProblems === 0 ? `the ${bound.length} reports the publication binds are in the evidence release, byte for byte.` : `${evidenceProblems} of the reports the publication binds are missing or changed in the evidence release.`, [...new Set(findings.map((f) => f.code))]);

  // The signatures, when the evidence release holds them, against the signer the auditor expects.
  const signed = await auditSignatures(base, options.signer ?? {}, fetchBytes);
  findings.push(...signed.findings);
  const who = options.signer?.publicKey ? "the given public key" : `${options.signer?.identity ?? "?"} (${options.signer?.issuer ?? "?"})`;
  row(
    "signatures",
    signed.findings.length === 0,
    !signed.present ? "the evidence release holds no signatures.json: nothing signed to check." : signed.findings.length === 0 ? `${signed.verified} signatures in signatures.json verify offline, signed by ${who}.` : `${signed.findings.length} problems with the signatures in signatures.json.`,
    [...new Set(signed.findings.map((f) => f.code))],
  );

  // The binding chain, from the fetched bytes.
  const plan = fetched.get("plan") && asReport(hubReleasePlan, fetched.get("plan")!, EVIDENCE_NAMES.plan, findings);
  const candidate = fetched.get("candidate") && asReport(candidateReport, fetched.get("candidate")!, EVIDENCE_NAMES.candidate, findings);
  const replay = fetched.get("replay") && asReport(cleanMachineDemoReport, fetched.get("replay")!, EVIDENCE_NAMES.replay, findings);
  const publish = fetched.get("publish") && asReport(hubPublishReport, fetched.get("publish")!, EVIDENCE_NAMES.publish, findings);
  const chain: Finding[] = [];
  if (candidate && fetched.get("plan")) {
    if (candidate.plan_identity.sha256 !== publication.plan.sha256 || prettyJson(candidate.plan) !== fetched.get("plan")!.toString("utf8")) {
      chain.push(finding("DISAGREEMENT", EVIDENCE_NAMES.candidate, `${EVIDENCE_NAMES.candidate} embeds plan ${candidate.plan_identity.sha256}, but the publication binds plan ${publication.plan.sha256}.`, { field: "/plan_identity" }));
    }
    if (!candidate.ready) chain.push(finding("REPORT_NOT_OK", EVIDENCE_NAMES.candidate, `${EVIDENCE_NAMES.candidate} is not ready.`, { field: "/ready" }));
  }
  if (replay && replay.candidate.sha256 !== publication.candidate.sha256) {
    chain.push(finding("DISAGREEMENT", EVIDENCE_NAMES.replay, `${EVIDENCE_NAMES.replay} replayed candidate report ${replay.candidate.sha256}, but the publication binds ${publication.candidate.sha256}.`, { field: "/candidate" }));
  }
  if (publish && publish.plan.sha256 !== publication.plan.sha256) {
    chain.push(finding("DISAGREEMENT", EVIDENCE_NAMES.publish, `${EVIDENCE_NAMES.publish} carried out plan ${publish.plan.sha256}, but the publication binds ${publication.plan.sha256}.`, { field: "/plan" }));
  }
  if (!publication.ok) chain.push(finding("REPORT_NOT_OK", EVIDENCE_NAMES.publication, `${EVIDENCE_NAMES.publication} itself is not ok: ${publication.blockers.join(" ")}`, { field: "/ok" }));
  findings.push(...chain);
  row("chain", chain.length === 0, chain.length === 0 ? "publication → candidate → plan, replay → candidate and publish report → plan all bind." : `${chain.length} links of the binding chain do not hold.`, [...new Set(chain.map((f) => f.code))]);

  // The public release, checked again from scratch: file sets at the tag, every file's bytes.
  if (plan) {
    const publicRows: { id: string; ok: boolean; detail: string }[] = [];
    const out = { links: [], hub: [], github: [], downloads: [] } as unknown as Parameters<typeof publicChecks>[4];
    await publicChecks(plan, undefined, new Map(), (id, ok, detail) => publicRows.push({ id, ok, detail }), out);
    for (const r of publicRows.filter((r) => r.id.startsWith("files:") || r.id.startsWith("bytes:") || r.id.startsWith("tag:"))) row(r.id, r.ok, r.detail);
    for (const h of out.hub) {
      for (const p of h.missing) findings.push(finding("MISSING_FILE", `${h.repo}/${p}`, `${p} is planned but not in ${h.repo} at ${h.tag}.`));
      for (const p of h.unexpected) findings.push(finding("EXTRA_FILE", `${h.repo}/${p}`, `${p} is in ${h.repo} at ${h.tag} but not planned.`));
    }
    for (const g of out.github) {
      for (const a of g.missing) findings.push(finding("MISSING_FILE", a, `${a} is planned but not in release ${g.tag}.`));
      for (const a of g.unexpected) findings.push(finding("EXTRA_FILE", a, `${a} is in release ${g.tag} but not planned.`));
    }
    for (const d of out.downloads.filter((x) => !x.ok)) {
      findings.push(finding("IDENTITY_MISMATCH", `${d.source.root}/${d.source.path}`, d.error ?? `${d.url} is not the planned bytes.`));
    }
  } else {
    row("public", false, "the plan could not be read from the evidence release, so the public release was not checked.");
  }

  const decision = decide(rows);
  return buildReport(auditReport, {
    inputs: [identityOfBytes(EVIDENCE_NAMES.publication, pubBytes)],
    body: { ok: decision.ok && findings.every((f) => f.severity !== "error"), checks: decision.checks, blockers: decision.blockers, publication: identityOfBytes(EVIDENCE_NAMES.publication, pubBytes), findings },
    ...(options.env ? { env: options.env } : {}),
  });
}
