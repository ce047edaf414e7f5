/**
 * The demo package's checks: SHA256SUMS, the manifest and preflight (bindery's, agreeing with each
 * other), every program, input and output against its identity and record summary, exactly the
 * files recorded and no others, the transcript re-rendered, the run's status, and (given the model
 * directory) the model the demo ran is the packaged one. Findings name files as `demo/...`.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { readEvidence } from "../evidence/artifact.js";
import { canonicalJson } from "../evidence/canonical-json.js";
import { BinderyError, isBinderyError, type Finding } from "../evidence/errors.js";
import { exactSetRule, finding, fixtureRule, generatorRule, identityRule, publicTextRule, rerenderRule, runRules, uniqueFindings, verdictOf, type Rule, type Verdict } from "../evidence/rules/index.js";
import { verifyChecksums } from "../evidence/seal.js";
import { walkTree } from "../evidence/walk.js";
import { MANIFEST_FILE } from "../model/manifest.js";
import { demoFileFindings } from "../release/set.js";
import { renderTranscript } from "./render.js";
import { DEMO_FILES, DEMO_OWN_FILES, runtimePreflightReport, terminalDemoManifest } from "./schema.js";

export interface VerifyDemoOptions {
  dir: string;
  /** The packaged model the demo must have run. */
  modelDir?: string;
  release?: boolean;
}

const P = "demo/";

export async function verifyDemo(options: VerifyDemoOptions): Promise<Verdict> {
  const { dir } = options;
  if (!existsSync(dir)) throw new BinderyError("INPUT_NOT_FOUND", `directory ${dir} does not exist.`);
  const findings: Finding[] = [];
  const rules: Rule[] = [];
  const prefixed = (list: Finding[]) => list.map((f) => ({ ...f, path: `${P}${f.path}` }));

  const sums = await verifyChecksums({ dir }).catch((error: unknown) => {
    if (!isBinderyError(error)) throw error;
    findings.push(finding("MISSING_FILE", `${P}${DEMO_FILES.sums}`, `${P}${DEMO_FILES.sums} is missing or unreadable: ${error.message}`));
    return undefined;
  });
  if (sums) findings.push(...prefixed(sums.findings));

  const manifestRead = await readEvidence(terminalDemoManifest, join(dir, DEMO_FILES.manifest), `${P}${DEMO_FILES.manifest}`, findings, { required: true, packageKind: "demo package" });
  const preflightRead = await readEvidence(runtimePreflightReport, join(dir, DEMO_FILES.preflight), `${P}${DEMO_FILES.preflight}`, findings, { required: true, packageKind: "demo package" });
  for (const [name, read] of [[DEMO_FILES.manifest, manifestRead], [DEMO_FILES.preflight, preflightRead]] as const) {
    if (read.raw === undefined) continue;
    rules.push(generatorRule({ path: `${P}${name}`, document: read.raw, expected: terminalDemoManifest.generatedBy }));
    rules.push(publicTextRule({ path: `${P}${name}`, document: read.raw }));
    if (options.release) rules.push(fixtureRule({ path: `${P}${name}`, document: read.raw }));
  }
  const transcriptPath = join(dir, DEMO_FILES.transcript);
  if (existsSync(transcriptPath)) rules.push(publicTextRule({ path: `${P}${DEMO_FILES.transcript}`, text: await readFile(transcriptPath, "utf8") }));

  const m = manifestRead.value;
  const pre = preflightRead.value;
  if (m) {
    const files = [...m.programs, ...m.input_files.map((f) => f.file), ...m.output_files.flatMap((f) => (f.file ? [f.file] : []))];
    rules.push(identityRule({ expected: [m.preflight, ...files].map((f) => ({ ...f, path: `${P}${f.path}`, abs: join(dir, f.path) })), claimedBy: `${P}${DEMO_FILES.manifest}`, concurrency: 1 }));
    const present = walkTree(dir, { policy: "filename" }).files.map((f) => f.path);
    rules.push(exactSetRule({ listing: `${P}${DEMO_FILES.manifest}`, listed: [...DEMO_OWN_FILES, ...files.map((f) => f.path)].map((p) => `${P}${p}`), present: present.map((p) => `${P}${p}`) }));
    rules.push(rerenderRule({ path: `${P}${DEMO_FILES.transcript}`, abs: transcriptPath, render: () => renderTranscript(m) }));
    findings.push(...(await demoFileFindings(dir, m, P)));
    if (m.status !== "ok") {
      findings.push(finding("RUN_FAILED", `${P}${DEMO_FILES.manifest}`, `the recorded demo run failed: ${m.problems.join(" ")}`, { field: "/status" }));
    }
    if (pre) {
      const agree = (field: string, a: unknown, b: unknown) => {
        if (canonicalJson(a) !== canonicalJson(b)) {
          findings.push(finding("DISAGREEMENT", `${P}${DEMO_FILES.manifest}`, `${P}${DEMO_FILES.manifest} and ${DEMO_FILES.preflight} disagree on ${field.slice(1).replace(/_/g, " ")}.`, { field }));
        }
      };
      agree("/model", m.model, pre.model);
      agree("/command", m.command, pre.command);
      agree("/programs", m.programs, pre.programs);
      agree("/input_files", m.input_files, pre.input_files);
      agree("/output_files", m.output_files.map((o) => o.name), pre.output_files.map((o) => o.name));
    }
    if (options.modelDir) {
      const manifestPath = join(options.modelDir, MANIFEST_FILE);
      rules.push(identityRule({ expected: [{ ...m.model.manifest, path: `model/${MANIFEST_FILE}`, abs: manifestPath }], claimedBy: `${P}${DEMO_FILES.manifest}`, concurrency: 1 }));
    }
  }
  findings.push(...(await runRules(rules)).findings);
  return verdictOf(uniqueFindings(findings));
}
