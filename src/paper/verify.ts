/**
 * `bindery paper verify`: the draft against the evidence it cites. Every cited file is re-hashed,
 * paper.md and CITATION.cff are re-rendered from paper_package.json and the eval report, the model
 * card is re-rendered from the model package, and the draft must keep its Negative Findings,
 * Citation Metadata and Artifact Availability sections.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { z } from "zod";
import { readEvidence, type ArtifactDefinition } from "../evidence/artifact.js";
import { BinderyError, isBinderyError, type Finding } from "../evidence/errors.js";
import { finding, fixtureRule, generatorRule, identityRule, placeholderRule, publicTextRule, rerenderRule, runRules, uniqueFindings, verdictOf, type Rule, type Verdict } from "../evidence/rules/index.js";
import { verifyChecksums } from "../evidence/seal.js";
import { evalMetricsReport } from "../eval/aggregate.js";
import { efficiencyReport } from "../eval/efficiency.js";
import { MANIFEST_FILE, modelManifest } from "../model/manifest.js";
import { MODEL_FILES, modelPackageReport, renderModelCard } from "../model/package.js";
import type { ReleaseDirs } from "../release/set.js";
import { renderCitation, renderPaper, REQUIRED_SECTIONS, sectionOf } from "./render.js";
import { PAPER_FILES, paperPackageReport } from "./schema.js";

export interface VerifyPaperOptions extends ReleaseDirs {
  paperDir: string;
  release?: boolean;
  allowPlaceholders?: boolean;
}

/** Findings name files as `paper/...`, `model/...`: the release-set verifier lists them together. */
export async function verifyPaper(options: VerifyPaperOptions): Promise<Verdict> {
  const { paperDir } = options;
  if (!existsSync(paperDir)) throw new BinderyError("INPUT_NOT_FOUND", `directory ${paperDir} does not exist.`);
  const findings: Finding[] = [];
  const rules: Rule[] = [];
  const roots = { model: options.modelDir, dataset: options.datasetDir, demo: options.demoDir } as const;

  const sums = await verifyChecksums({ dir: paperDir }).catch((error: unknown) => {
    if (!isBinderyError(error)) throw error;
    findings.push(finding("MISSING_FILE", `paper/${PAPER_FILES.sums}`, `paper/${PAPER_FILES.sums} is missing or unreadable: ${error.message}`));
    return undefined;
  });
  if (sums) findings.push(...sums.findings.map((f) => ({ ...f, path: `paper/${f.path}` })));

  const shown = `paper/${PAPER_FILES.package}`;
  const { value: pkg, raw } = await readEvidence(paperPackageReport, join(paperDir, PAPER_FILES.package), shown, findings, { required: true, packageKind: "paper package" });
  const draftPath = join(paperDir, PAPER_FILES.draft);
  const draft = existsSync(draftPath) ? await readFile(draftPath, "utf8") : undefined;
  if (draft === undefined) findings.push(finding("MISSING_FILE", `paper/${PAPER_FILES.draft}`, `paper/${PAPER_FILES.draft} does not exist.`));
  for (const section of REQUIRED_SECTIONS) {
    if (draft !== undefined && sectionOf(draft, section) === undefined) {
      findings.push(finding("MISSING_SECTION", `paper/${PAPER_FILES.draft}`, `paper/${PAPER_FILES.draft} has no "## ${section}" section.`));
    }
  }
  if (raw !== undefined) {
    rules.push(generatorRule({ path: shown, document: raw, expected: paperPackageReport.generatedBy }));
    rules.push(publicTextRule({ path: shown, document: raw }));
    if (options.release) rules.push(fixtureRule({ path: shown, document: raw }));
  }
  if (draft !== undefined) rules.push(publicTextRule({ path: `paper/${PAPER_FILES.draft}`, text: draft }));

  if (pkg) {
    rules.push(placeholderRule({ path: shown, document: { metadata: pkg.metadata }, allowPlaceholders: options.allowPlaceholders ?? false }));
    rules.push(
      identityRule({
        expected: pkg.cites.map((c) => ({ ...c, path: `${c.root ?? "paper"}/${c.path}`, abs: join(c.root ? roots[c.root as keyof typeof roots] : paperDir, c.path) })),
        claimedBy: shown,
        concurrency: 1,
      }),
      identityRule({ expected: pkg.documents.map((d) => ({ ...d, path: `paper/${d.path}`, abs: join(paperDir, d.path) })), claimedBy: shown, concurrency: 1 }),
    );
    const evalReportPath = join(options.modelDir, MODEL_FILES.evalReport);
    if (existsSync(evalReportPath)) {
      const evalReport = await readFile(evalReportPath, "utf8");
      rules.push({
        rule: "re-render",
        async check() {
          try {
            return await rerenderRule({ path: `paper/${PAPER_FILES.draft}`, abs: draftPath, render: () => renderPaper(pkg, evalReport) }).check();
          } catch (error) {
            if (!isBinderyError(error)) throw error;
            return [finding(error.code, `model/${MODEL_FILES.evalReport}`, error.message)];
          }
        },
      });
    }
    rules.push(rerenderRule({ path: `paper/${PAPER_FILES.citation}`, abs: join(paperDir, PAPER_FILES.citation), render: () => renderCitation(pkg) }));
  }
  findings.push(...(await modelCardFindings(options.modelDir)));
  findings.push(...(await runRules(rules)).findings);
  return verdictOf(uniqueFindings(findings));
}

/** The model card re-rendered from the model package's JSON files (when they can be read). */
async function modelCardFindings(modelDir: string): Promise<Finding[]> {
  const unread: Finding[] = [];
  const read = async <S extends z.ZodType>(name: string, definition: ArtifactDefinition<S>) =>
    (await readEvidence(definition, join(modelDir, name), `model/${name}`, unread, { required: true, packageKind: "model package" })).value;
  const pkg = await read(MODEL_FILES.package, modelPackageReport);
  const manifest = await read(MANIFEST_FILE, modelManifest);
  const metrics = await read(MODEL_FILES.evalMetrics, evalMetricsReport);
  const efficiency = await read(MODEL_FILES.efficiency, efficiencyReport);
  if (!pkg || !manifest || !metrics || !efficiency) return unread;
  return rerenderRule({ path: `model/${MODEL_FILES.card}`, abs: join(modelDir, MODEL_FILES.card), render: () => renderModelCard(pkg, manifest, metrics, efficiency) }).check();
}
