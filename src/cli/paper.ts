/** `bindery paper draft | verify`: a draft generated from the release's evidence, and its check. */
import type { Command } from "commander";
import { withExamples, withOutputOptions } from "./common.js";
import { plural } from "./format.js";
import { findingLine, runCommand, verdictOutcome, type OutputFlags } from "./output.js";

interface DirFlags extends OutputFlags {
  modelDir: string;
  datasetDir: string;
  demoDir: string;
  paperDir: string;
}

interface DraftFlags extends DirFlags {
  metadata: string;
}

interface VerifyFlags extends DirFlags {
  release?: boolean;
  allowPlaceholders?: boolean;
}

const dirs = (command: Command) =>
  command
    .requiredOption("--model-dir <dir>", "the model package")
    .requiredOption("--dataset-dir <dir>", "the dataset package")
    .requiredOption("--demo-dir <dir>", "the demo package")
    .requiredOption("--paper-dir <dir>", "the paper directory: paper.md, CITATION.cff, paper_package.json, SHA256SUMS");

export function registerPaper(program: Command): void {
  const paper = program.command("paper").description("paper drafts generated from the release's evidence (docs/commands/paper.md)");

  withExamples(
    withOutputOptions(
      dirs(paper.command("draft").description("render paper.md and CITATION.cff from the model, dataset and demo evidence; write paper_package.json and SHA256SUMS")).requiredOption(
        "--metadata <file>",
        "the paper metadata (kind: bindery/paper-metadata): title, authors, abstract, license, repository",
      ),
    ),
    ["bindery paper draft --model-dir release/model --dataset-dir release/dataset --demo-dir release/demo --metadata paper.yaml --paper-dir release/paper"],
  ).action(async (flags: DraftFlags) => {
    await runCommand("bindery paper draft", flags, async () => {
      const [{ paperDraft }, { paperMetadata }, { readAuthorInput }, { verificationError }] = await Promise.all([
        import("../paper/draft.js"),
        import("../paper/schema.js"),
        import("../evidence/author-input.js"),
        import("../evidence/rules/engine.js"),
      ]);
      const metadata = (await readAuthorInput(paperMetadata, flags.metadata)).value;
      const result = await paperDraft({ modelDir: flags.modelDir, datasetDir: flags.datasetDir, demoDir: flags.demoDir, paperDir: flags.paperDir, metadata });
      if (!result.ok) {
        return {
          json: { ok: false, findings: result.findings },
          human: [...result.findings.map(findingLine), "FAIL  the evidence does not hold together; nothing was written"],
          failure: verificationError(flags.paperDir, { ok: false, findings: result.findings }),
        };
      }
      const pkg = result.package!;
      return {
        json: { ok: true, release_id: pkg.release_id, generated_at: pkg.generated_at, reused_generated_time: result.reused, cites: pkg.cites.length, files: result.files },
        human: [
          `wrote ${flags.paperDir}/paper.md (Generated: ${pkg.generated_at}${result.reused ? ", kept: the draft's inputs did not change" : ""}), CITATION.cff, paper_package.json citing ${plural(pkg.cites.length, "evidence file")}, SHA256SUMS`,
        ],
      };
    });
  });

  withExamples(
    withOutputOptions(
      dirs(paper.command("verify").description("re-render the draft, CITATION.cff and the model card; re-hash everything the draft cites; list every finding (exit 1)"))
        .option("--release", "also refuse fixture evidence")
        .option("--allow-placeholders", "report placeholder wording (TODO, TBD, ...) as a warning"),
    ),
    ["bindery paper verify --model-dir release/model --dataset-dir release/dataset --demo-dir release/demo --paper-dir release/paper"],
  ).action(async (flags: VerifyFlags) => {
    await runCommand("bindery paper verify", flags, async () => {
      const { verifyPaper } = await import("../paper/verify.js");
      const verdict = await verifyPaper({ ...flags, release: flags.release ?? false, allowPlaceholders: flags.allowPlaceholders ?? false });
      return verdictOutcome(flags.paperDir, verdict, `${flags.paperDir}: the draft is the render of its evidence`);
    });
  });
}
