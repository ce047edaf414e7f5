/** `bindery sign | attest`: Sigstore bundles for a release's checksums and reports, and one attestation for all its files. */
import type { Command } from "commander";
import { withExamples, withOutputOptions } from "./common.js";
import { runCommand, type OutputFlags } from "./output.js";

interface SigningFlags extends OutputFlags {
  key?: string;
  fulcioUrl?: string;
  rekorUrl?: string;
  tsaUrl?: string;
}

interface SignFlags extends SigningFlags {
  fromPublication?: string;
  plan?: string;
  candidate?: string;
  publishReport?: string;
  replayReport?: string;
  index: string;
  revocations: string;
  outputDir: string;
  config?: string;
}

interface AttestFlags extends SigningFlags {
  publication: string;
  plan?: string;
  output: string;
}

function withSigningOptions(command: Command): Command {
  return command
    .option("--key <private.pem>", "sign with this private key (ECDSA P-256 or Ed25519): no Fulcio, no Rekor, for air-gapped releases")
    .option("--fulcio-url <url>", "keyless: the Fulcio CA (default: $SIGSTORE_FULCIO_URL, else https://fulcio.sigstore.dev)")
    .option("--rekor-url <url>", "keyless: the Rekor transparency log (default: $SIGSTORE_REKOR_URL, else https://rekor.sigstore.dev)")
    .option("--tsa-url <url>", "keyless: also timestamp with this RFC 3161 authority (default: $SIGSTORE_TSA_URL, else none)");
}

async function settingsOf(flags: SigningFlags) {
  const [{ signingSettings }, { readFile }, { inputError }] = await Promise.all([import("../signing/sign.js"), import("node:fs/promises"), import("../evidence/errors.js")]);
  const keyPem = flags.key === undefined ? undefined : await readFile(flags.key, "utf8").catch((error: unknown) => {
    throw inputError(error, flags.key!, "private key");
  });
  return signingSettings({
    ...(flags.key !== undefined ? { key: flags.key, keyPem: keyPem! } : {}),
    ...(flags.fulcioUrl ? { fulcioURL: flags.fulcioUrl } : {}),
    ...(flags.rekorUrl ? { rekorURL: flags.rekorUrl } : {}),
    ...(flags.tsaUrl ? { tsaURL: flags.tsaUrl } : {}),
  });
}

const signerLine = (s: { mode: string; identity: string; issuer: string | null }) => (s.mode === "key" ? `key ${s.identity.slice(0, 16)}…` : `${s.identity} (${s.issuer})`);

export function registerSign(program: Command): void {
  withExamples(
    withOutputOptions(
      withSigningOptions(
        program
          .command("sign")
          .description("sign files with Sigstore (keyless: an OIDC token, Fulcio and Rekor; or --key): one <name>.sigstore.json bundle each, listed in signatures.json; --from-publication signs a release's checksums and evidence")
          .argument("[files...]", "files to sign (or --from-publication)")
          .option("--from-publication <file>", "sign the release's evidence: this publication report, the plan, publish, candidate and replay reports it binds (beside it unless named), every SHA256SUMS and training_run_SHA256SUMS the plan published, and the release index and revocation list when present")
          .option("--plan <file>", "with --from-publication: the plan (default: beside the publication report)")
          .option("--candidate <file>", "with --from-publication: the candidate report (default: beside it)")
          .option("--publish-report <file>", "with --from-publication: the publish report (default: beside it)")
          .option("--replay-report <file>", "with --from-publication: the replay report (default: beside it)")
          .option("--index <file>", "with --from-publication: the release index, signed when present", "release_index.json")
          .option("--revocations <file>", "with --from-publication: the revocation list, signed when present", "revocations.json")
          .option("--config <file>", "bindery.yaml: package roots are relative to its directory (default: ./bindery.yaml when present)")
          .requiredOption("--output-dir <dir>", "where the bundles and signatures.json go"),
      ),
    ),
    [
      "SIGSTORE_ID_TOKEN=... bindery sign --from-publication evidence/publication_evidence_report.json --replay-report replay/clean_machine_demo_report.json --output-dir evidence/signatures",
      "bindery sign release/model/SHA256SUMS --key release-signing.pem --output-dir signatures",
    ],
  ).action(async (files: string[], flags: SignFlags) => {
    await runCommand("bindery sign", flags, async () => {
      const [{ publicationSet, filesSet, signAll }, { loadConfig }, { BinderyError }, { dirname }] = await Promise.all([import("../signing/signatures.js"), import("../config/config.js"), import("../evidence/errors.js"), import("node:path")]);
      if ((files.length > 0) === (flags.fromPublication !== undefined)) throw new BinderyError("USAGE", "name the files to sign, or --from-publication, not both and not neither.");
      const settings = await settingsOf(flags);
      const loaded = await loadConfig(flags.config);
      const set = flags.fromPublication
        ? await publicationSet({
            publication: flags.fromPublication,
            base: loaded ? dirname(loaded.file) : process.cwd(),
            index: flags.index,
            revocations: flags.revocations,
            ...(flags.plan ? { plan: flags.plan } : {}),
            ...(flags.candidate ? { candidate: flags.candidate } : {}),
            ...(flags.publishReport ? { publishReport: flags.publishReport } : {}),
            ...(flags.replayReport ? { replayReport: flags.replayReport } : {}),
          })
        : { release: null, files: filesSet(files) };
      const signatures = await signAll({ files: set.files, outputDir: flags.outputDir, settings, release: set.release });
      return {
        json: { ok: true, output_dir: flags.outputDir, signer: signatures.signer, signatures: signatures.signatures },
        human: [...signatures.signatures.map((s) => `SIGNED  ${s.label} -> ${flags.outputDir}/${s.bundle.path}`), `OK  ${signatures.signatures.length} signed by ${signerLine(signatures.signer)}; listed in ${flags.outputDir}/signatures.json`],
      };
    });
  });
}

export function registerAttest(program: Command): void {
  withExamples(
    withOutputOptions(
      withSigningOptions(
        program
          .command("attest")
          .description("sign one in-toto Statement v1 for the release as a DSSE bundle: every published file (root/path and sha256) as a subject, and the release (id, version, tag, commit, model id, repositories, plan and candidate) as the predicate")
          .requiredOption("--publication <file>", "publication_evidence_report.json")
          .option("--plan <file>", "the plan it binds (default: beside the publication report)")
          .requiredOption("--output <file>", "where the bundle goes, e.g. statement.sigstore.json"),
      ),
    ),
    ["SIGSTORE_ID_TOKEN=... bindery attest --publication evidence/publication_evidence_report.json --output evidence/signatures/statement.sigstore.json"],
  ).action(async (flags: AttestFlags) => {
    await runCommand("bindery attest", flags, async () => {
      const [{ releaseStatement, PAYLOAD_TYPE }, { signDsse }, { writeFileAtomic }] = await Promise.all([import("../signing/attest.js"), import("../signing/sign.js"), import("../evidence/atomic.js")]);
      const statement = await releaseStatement({ publication: flags.publication, ...(flags.plan ? { plan: flags.plan } : {}) });
      const signed = await signDsse(Buffer.from(JSON.stringify(statement)), PAYLOAD_TYPE, await settingsOf(flags));
      await writeFileAtomic(flags.output, `${JSON.stringify(signed.bundle, null, 2)}\n`);
      return {
        json: { ok: true, output: flags.output, signer: signed.signer, predicate_type: statement.predicateType, subjects: statement.subject.length, release: statement.predicate.release },
        human: [`OK  attested ${statement.subject.length} files of ${(statement.predicate.release as { id: string }).id}, signed by ${signerLine(signed.signer)}: ${flags.output}`],
      };
    });
  });
}
