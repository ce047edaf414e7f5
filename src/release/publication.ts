/**
 * `bindery release publication`: one record that binds the plan, the publish report, the
 * release-candidate report and the clean-machine replay by identity, and cross-checks them: the
 * candidate embeds this plan, the replay replayed this candidate's exact bytes, and every file's
 * planned, published, candidate-downloaded and replay-downloaded identities agree. Any
 * disagreement is an issue, with its tracker references from bindery.yaml.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { z } from "zod";
import { canonicalJson, prettyJson } from "../evidence/canonical-json.js";
import { buildReport, checkRowSchema, decide, defineReport, readReport, type CheckRow } from "../evidence/envelope.js";
import { inputError } from "../evidence/errors.js";
import { identityOfBytes, identitySchema, rootedIdentitySchema } from "../evidence/identity.js";
import { hubPublishReport, hubReleasePlan, type HubReleasePlan } from "../hub/schema.js";
import { candidateReport } from "./candidate-schema.js";
import { cleanMachineDemoReport } from "./replay-schema.js";

export const PUBLICATION_FILE = "publication_evidence_report.json";

/** The evidence files' canonical names: how the publication report names them, and their asset names. */
export const EVIDENCE_NAMES = {
  plan: "hub_release_plan.json",
  publish: "hub_publish_report.json",
  candidate: "release_candidate_report.json",
  replay: "clean_machine_demo_report.json",
  publication: PUBLICATION_FILE,
} as const;

export const publicationReport = defineReport({
  name: PUBLICATION_FILE,
  generatedBy: "bindery release publication",
  schemaVersion: "1.0.0",
  claimBoundary:
    "Binds the plan, the publish report, the candidate report and the replay report by identity and checks that they agree file by file; it proves no more than those reports do.",
  body: {
    ok: z.boolean(),
    checks: z.array(checkRowSchema),
    blockers: z.array(z.string()),
    issues: z.array(z.object({ id: z.string(), detail: z.string(), issue_refs: z.array(z.string()) })).describe("Every disagreement, with its tracker references"),
    release: z.object({ id: z.string(), version: z.string(), tag: z.string(), evidence_tag: z.string() }),
    evidence_release: z
      .object({ repo: z.string(), tag: z.string(), assets_url: z.string().describe("Where the evidence assets download from: ASSETS_URL/NAME") })
      .describe("The separate GitHub release the evidence is published to (--upload), where an auditor fetches it"),
    plan: identitySchema,
    publish_report: identitySchema,
    candidate: identitySchema,
    replay: identitySchema,
    files: z.array(
      z.object({
        source: rootedIdentitySchema.describe("The planned identity"),
        url: z.string(),
        published: z.string().nullable().describe("The publish report's outcome"),
        candidate: z.string().nullable().describe("The sha256 the candidate downloaded"),
        replay: z.string().nullable().describe("The sha256 the replay downloaded"),
        agree: z.boolean(),
      }),
    ),
  },
});
export type PublicationReport = z.output<typeof publicationReport.schema>;

export interface PublicationOptions {
  plan: string;
  candidate: string;
  publishReport: string;
  replay: string;
  issueRefs?: Record<string, string[]>;
  env?: NodeJS.ProcessEnv;
}

async function bytesOf(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    throw inputError(error, file);
  }
}

export async function releasePublication(options: PublicationOptions): Promise<PublicationReport> {
  const plan = await readReport(hubReleasePlan, options.plan, options.plan);
  const publish = await readReport(hubPublishReport, options.publishReport, options.publishReport);
  const candidate = await readReport(candidateReport, options.candidate, options.candidate);
  const replay = await readReport(cleanMachineDemoReport, options.replay, options.replay);
  // Named by their canonical names, which are also their asset names in the evidence release.
  const planId = identityOfBytes(EVIDENCE_NAMES.plan, plan.bytes);
  const publishId = identityOfBytes(EVIDENCE_NAMES.publish, publish.bytes);
  const candidateId = identityOfBytes(EVIDENCE_NAMES.candidate, candidate.bytes);
  const replayId = identityOfBytes(EVIDENCE_NAMES.replay, await bytesOf(options.replay));

  const rows: CheckRow[] = [];
  const row = (rowId: string, ok: boolean, detail: string) => rows.push({ id: rowId, ok, detail, issue_refs: options.issueRefs?.[rowId] ?? [] });
  const c = candidate.value;
  const embedded = prettyJson(c.plan);
  row(
    "bind:plan",
    c.plan_identity.sha256 === planId.sha256 && embedded === plan.bytes.toString("utf8"),
    c.plan_identity.sha256 === planId.sha256 ? (embedded === plan.bytes.toString("utf8") ? "the candidate embeds this plan, byte for byte." : "the candidate names this plan, but its embedded copy differs from it.") : `the candidate embeds plan ${c.plan_identity.sha256}, not this plan (${planId.sha256}).`,
  );
  row(
    "bind:publish-report",
    publish.value.plan.sha256 === planId.sha256 && (c.publish_report === null || c.publish_report.sha256 === publishId.sha256),
    publish.value.plan.sha256 !== planId.sha256 ? `the publish report carried out plan ${publish.value.plan.sha256}, not this plan.` : c.publish_report && c.publish_report.sha256 !== publishId.sha256 ? `the candidate bound publish report ${c.publish_report.sha256}, not this one (${publishId.sha256}).` : "the publish report carried out this plan, and the candidate bound it.",
  );
  row(
    "bind:replay",
    replay.value.candidate.sha256 === candidateId.sha256,
    replay.value.candidate.sha256 === candidateId.sha256 ? "the replay replayed this candidate report's exact bytes." : `the replay replayed candidate report ${replay.value.candidate.sha256}, but this one is ${candidateId.sha256}: the candidate report was changed after the replay.`,
  );
  row("publish", publish.value.ok, publish.value.ok ? "publishing completed." : `publishing did not complete: ${publish.value.errors.length} errors.`);
  const failedRows = c.checks.filter((r) => !r.ok);
  row("candidate", c.ready && failedRows.length === 0 && c.blockers.length === 0, c.ready && failedRows.length === 0 && c.blockers.length === 0 ? "the candidate is ready: every readiness row ok, no blockers." : `the candidate is not ready: ${failedRows.map((r) => r.id).join(", ") || `${c.blockers.length} blockers`}.`);
  row("replay", replay.value.ok, replay.value.ok ? "the clean-machine replay passed." : `the replay says no: ${replay.value.blockers.join(" ")}`);

  // File by file: planned, published, downloaded by the candidate, downloaded by the replay.
  const key = (root: string | undefined, path: string, url: string) => `${root}\u0000${path}\u0000${url}`;
  const published = new Map(publish.value.files.filter((f) => f.source).map((f) => [`${f.source!.root}\u0000${f.source!.path}\u0000${f.target?.platform === "hub" ? f.target.path : f.target?.platform === "github" ? f.target.asset : ""}`, f]));
  const fromCandidate = new Map(c.downloads.map((d) => [key(d.source.root, d.source.path, d.url), d]));
  const fromReplay = new Map(replay.value.downloads.map((d) => [key(d.source.root, d.source.path, d.url), d]));
  const files: PublicationReport["files"] = plan.value.entries.map((e) => {
    const target = e.target.platform === "hub" ? e.target.path : e.target.asset;
    const pub = published.get(`${e.source.root}\u0000${e.source.path}\u0000${target}`);
    const cand = fromCandidate.get(key(e.source.root, e.source.path, e.url));
    const rep = fromReplay.get(key(e.source.root, e.source.path, e.url));
    const pubOk = pub !== undefined && (pub.outcome === "uploaded" || pub.outcome === "already_present") && pub.source?.sha256 === e.source.sha256;
    const agree = pubOk && cand?.sha256 === e.source.sha256 && rep?.file?.sha256 === e.source.sha256;
    return { source: e.source, url: e.url, published: pub?.outcome ?? null, candidate: cand?.sha256 ?? null, replay: rep?.file?.sha256 ?? null, agree };
  });
  const disagree = files.filter((f) => !f.agree);
  row("files", disagree.length === 0, disagree.length === 0 ? `all ${files.length} files: planned, published, downloaded by the candidate and by the replay, with one identity each.` : `${disagree.length} of ${files.length} files disagree between the plan, the publish report, the candidate and the replay: ${disagree.slice(0, 5).map((f) => `${f.source.root}/${f.source.path}`).join(", ")}${disagree.length > 5 ? ", ..." : ""}.`);

  const decision = decide(rows);
  return buildReport(publicationReport, {
    inputs: [planId, publishId, candidateId, replayId],
    body: {
      ...decision,
      issues: rows.filter((r) => !r.ok).map((r) => ({ id: r.id, detail: r.detail, issue_refs: r.issue_refs })),
      release: { id: plan.value.release.id, version: plan.value.release.version, tag: plan.value.release.tag, evidence_tag: plan.value.release.evidence_tag },
      evidence_release: evidenceRelease(plan.value),
      plan: planId,
      publish_report: publishId,
      candidate: candidateId,
      replay: replayId,
      files,
    },
    ...(options.env ? { env: options.env } : {}),
  });
}

/**
 * Keeps the recorded time of an earlier report at `file` when the new one says the same thing
 * otherwise, so an unchanged publication re-renders byte for byte (and signatures over it hold).
 */
export async function keepRecordedTime(file: string, report: PublicationReport): Promise<void> {
  if (!existsSync(file)) return;
  let earlier: PublicationReport;
  try {
    earlier = (await readReport(publicationReport, file)).value;
  } catch {
    return; // not a publication report: it is replaced
  }
  const withoutTime = (r: PublicationReport) => canonicalJson({ ...r, generated_at: "" });
  if (withoutTime(earlier) === withoutTime(report)) report.generated_at = earlier.generated_at;
}

/** The evidence release: the plan's GitHub repository, at the evidence tag. */
export function evidenceRelease(plan: HubReleasePlan): PublicationReport["evidence_release"] {
  const repo = plan.releases[0]?.repo ?? "";
  const tag = plan.release.evidence_tag;
  return { repo, tag, assets_url: `${plan.endpoints.github_web}/${repo}/releases/download/${encodeURIComponent(tag)}` };
}
