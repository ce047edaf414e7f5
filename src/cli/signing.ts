/**
 * Sigstore on the command line: `bindery verify-signature` (offline verification of a bundle)
 * and `bindery trust update` (refresh the trusted root it uses). Sigstore packages are slow to
 * import: every action imports what it needs when it runs.
 */
import type { Command } from "commander";
import { withExamples, withOutputOptions } from "./common.js";
import { runCommand, type OutputFlags } from "./output.js";

interface VerifySignatureFlags extends OutputFlags {
  bundle: string;
  file?: string;
  digest?: string;
  identity?: string;
  identityRegexp?: boolean;
  issuer?: string;
  key?: string;
  trustedRoot?: string;
}

interface TrustUpdateFlags extends OutputFlags {
  mirror?: string;
  output?: string;
}

export function registerVerifySignature(program: Command): void {
  withExamples(
    withOutputOptions(
      program
        .command("verify-signature")
        .description("verify a Sigstore bundle offline: its signature, transparency-log entry and certificate chain against a trusted root, its signer, and that it covers the file")
        .requiredOption("--bundle <file>", "the Sigstore bundle (JSON): a message signature or a DSSE envelope around an in-toto statement")
        .option("--file <file>", "the signed file, streamed: a message signature's bytes, or a file whose digest must be a subject of the DSSE statement")
        .option("--digest <alg:hex>", "instead of --file, for a DSSE bundle: sha256:HEX or sha512:HEX that must be a subject of the statement")
        .option("--identity <id>", "keyless: the signer the certificate must name (its subject alternative name: an email or a URI)")
        .option("--identity-regexp", "match --identity as a regular expression against the whole identity")
        .option("--issuer <url>", "keyless: the OIDC issuer the certificate must name, e.g. https://token.actions.githubusercontent.com")
        .option("--key <public.pem>", "key pair: the signer's public key (PEM), instead of --identity and --issuer")
        .option("--trusted-root <file>", "a Sigstore trusted_root.json (default: the public-good root bindery ships)"),
    ),
    [
      "bindery verify-signature --bundle model.tar.sigstore.json --file model.tar --identity release@example.org --issuer https://accounts.google.com",
      "bindery verify-signature --bundle release.intoto.sigstore.json --digest \"sha256:$(sha256sum model.safetensors | cut -d' ' -f1)\" --identity 'https://github.com/example/sensors/.*' --identity-regexp --issuer https://token.actions.githubusercontent.com",
      "bindery verify-signature --bundle SHA256SUMS.sigstore.json --file SHA256SUMS --key release-key.pub.pem --json",
    ],
  ).action(async (flags: VerifySignatureFlags) => {
    await runCommand("bindery verify-signature", flags, async () => {
      const [{ checkVerifyOptions, parseDigest, shortDigest, verifyBundle }, { readFile, stat }, { BinderyError, inputError }] = await Promise.all([
        import("../signing/verify.js"),
        import("node:fs/promises"),
        import("../evidence/errors.js"),
      ]);
      // The command line first: nothing is read until it makes sense.
      checkVerifyOptions({ identity: flags.identity, issuer: flags.issuer, identityRegexp: flags.identityRegexp, publicKey: flags.key, data: flags.file, digest: flags.digest });
      const digest = flags.digest !== undefined ? parseDigest(flags.digest) : undefined;
      const text = await readFile(flags.bundle, "utf8").catch((error: unknown) => {
        throw inputError(error, flags.bundle, "bundle");
      });
      let bundle: unknown;
      try {
        bundle = JSON.parse(text);
      } catch (error) {
        throw new BinderyError("INPUT_INVALID", `bundle ${flags.bundle} is not JSON: ${(error as Error).message}.`, { cause: error });
      }
      if (flags.file !== undefined) {
        const info = await stat(flags.file).catch((error: unknown) => {
          throw inputError(error, flags.file!);
        });
        if (!info.isFile()) throw new BinderyError("INPUT_INVALID", `file ${flags.file} is not a regular file.`);
      }
      const publicKey =
        flags.key === undefined
          ? undefined
          : await readFile(flags.key, "utf8").catch((error: unknown) => {
              throw inputError(error, flags.key!, "public key");
            });
      const result = await verifyBundle({
        bundle,
        shown: flags.bundle,
        ...(flags.file !== undefined ? { data: { path: flags.file } } : {}),
        ...(digest ? { digest } : {}),
        ...(publicKey !== undefined ? { publicKey, publicKeyShown: `--key ${flags.key}` } : { identity: flags.identity!, issuer: flags.issuer!, identityRegexp: flags.identityRegexp ?? false }),
        ...(flags.trustedRoot !== undefined ? { trustedRoot: flags.trustedRoot } : {}),
      });
      const signed = `${flags.file ?? shortDigest(result.digest)}${result.kind === "dsse" && result.subject.name ? ` (${result.subject.name})` : ""}`;
      const signer = result.key ? `with key sha256:${result.key.sha256.slice(0, 16)}…` : `as ${result.identity} (${result.issuer})`;
      const logged = result.tlog ? `logged in Rekor at index ${result.tlog.log_index}` : "not logged in a transparency log";
      return { json: result, human: [`OK  ${flags.bundle} signed ${signed} ${signer}, ${logged}`] };
    });
  });
}

export function registerTrust(program: Command): void {
  const trust = program.command("trust").description("the Sigstore trusted root verify-signature checks bundles against (docs/signing.md)");
  withExamples(
    withOutputOptions(
      trust
        .command("update")
        .description("fetch the current Sigstore public-good trusted root through TUF and write it atomically (the one signing command that uses the network)")
        .option("--mirror <url>", "the TUF repository to fetch from (default: https://tuf-repo-cdn.sigstore.dev)")
        .option("--output <file>", "where to write the trusted root (default: trust/public-good/trusted_root.json)"),
    ),
    ["bindery trust update", "bindery trust update --output my-trust/trusted_root.json --json"],
  ).action(async (flags: TrustUpdateFlags) => {
    await runCommand("bindery trust update", flags, async () => {
      const { updateTrustedRoot } = await import("../signing/trust.js");
      const result = await updateTrustedRoot({
        ...(flags.mirror !== undefined ? { mirror: flags.mirror } : {}),
        ...(flags.output !== undefined ? { output: flags.output } : {}),
      });
      return {
        json: { ok: true, ...result },
        human: [
          `wrote ${result.output}: the trusted root from ${result.mirror} (${result.tlogs} transparency logs, ${result.ctlogs} CT logs, ${result.certificate_authorities} certificate authorities, ${result.timestamp_authorities} timestamp authorities), sha256 ${result.sha256}, ${result.changed ? "changed" : "unchanged"}`,
        ],
      };
    });
  });
}
