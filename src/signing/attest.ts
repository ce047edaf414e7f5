/**
 * `bindery attest`: one in-toto Statement v1 for a whole release. Its subjects are every file the
 * release published (named root/path, with its sha256), and its predicate says which release they
 * are: id, version, tag, commit, model id, repositories, and the identities of the plan and the
 * candidate report that proved them public. Signed as a DSSE bundle, it lets anyone check that
 * given bytes are bytes the release attested, with `bindery verify-signature --digest`.
 */
import { readReport } from "../evidence/envelope.js";
import { BinderyError } from "../evidence/errors.js";
import { hubReleasePlan } from "../hub/schema.js";
import { MANIFEST_FILE } from "../model/manifest.js";
import { EVIDENCE_NAMES, publicationReport } from "../release/publication.js";
import { identityOfBytes } from "../evidence/identity.js";
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";

export const STATEMENT_TYPE = "https://in-toto.io/Statement/v1";
export const PAYLOAD_TYPE = "application/vnd.in-toto+json";
export const PREDICATE_TYPE = "urn:bindery:predicate:release:v1";

export interface Statement {
  _type: typeof STATEMENT_TYPE;
  subject: { name: string; digest: { sha256: string } }[];
  predicateType: string;
  predicate: Record<string, unknown>;
}

export async function releaseStatement(options: { publication: string; plan?: string }): Promise<Statement> {
  const { value: publication, bytes } = await readReport(publicationReport, options.publication);
  const planFile = options.plan ?? join(dirname(options.publication), EVIDENCE_NAMES.plan);
  const planBytes = await readFile(planFile).catch(() => {
    throw new BinderyError("INPUT_NOT_FOUND", `the plan ${planFile} does not exist; pass --plan with the plan the publication report binds.`);
  });
  const planId = identityOfBytes(EVIDENCE_NAMES.plan, planBytes);
  if (planId.sha256 !== publication.plan.sha256) {
    throw new BinderyError("IDENTITY_MISMATCH", `${planFile} is sha256 ${planId.sha256}, but the publication report binds the plan ${publication.plan.sha256}.`, { exitCode: 1 });
  }
  const { value: plan } = await readReport(hubReleasePlan, planFile);
  const subjects = new Map<string, string>();
  for (const f of publication.files) subjects.set(`${f.source.root ?? "release"}/${f.source.path}`, f.source.sha256);
  const manifest = plan.entries.find((e) => e.target.platform === "hub" && e.target.repo_type === "model" && e.target.path === MANIFEST_FILE);
  return {
    _type: STATEMENT_TYPE,
    subject: [...subjects].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, sha256]) => ({ name, digest: { sha256 } })),
    predicateType: PREDICATE_TYPE,
    predicate: {
      release: { id: publication.release.id, version: publication.release.version, tag: publication.release.tag, commit: plan.release.commit },
      model_id: manifest?.source.sha256 ?? null,
      repositories: [...plan.repos.map((r) => ({ platform: "hub", type: r.repo_type, repo: r.repo, url: r.url })), ...plan.releases.map((r) => ({ platform: "github", type: "release", repo: r.repo, url: r.url }))],
      plan: publication.plan,
      candidate: publication.candidate,
      publication: identityOfBytes(EVIDENCE_NAMES.publication, bytes),
    },
  };
}
