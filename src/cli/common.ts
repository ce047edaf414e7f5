/** Options every command shares, and the help text conventions. */
import type { Command } from "commander";

export function withOutputOptions(command: Command): Command {
  return command
    .option("--json", "print exactly one JSON document on stdout")
    .option("-q, --quiet", "print nothing on success (errors still go to stderr)");
}

/** Adds an "Examples:" section to a command's help. */
export function withExamples(command: Command, examples: readonly string[]): Command {
  return command.addHelpText("after", `\nExamples:\n${examples.map((e) => `  $ ${e}`).join("\n")}\n`);
}

/** Commander collects a repeatable option into an array with this. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** The release settings' flags: every key of bindery.yaml, overriding the file. */
export function withSettingsOptions(command: Command): Command {
  return command
    .option("--config <file>", "bindery.yaml (default: ./bindery.yaml when present); every key below overrides it")
    .option("--release-id <id>", "release.id, e.g. sensors-v0.1.0-r1")
    .option("--release-version <version>", "release.version, e.g. 0.1.0")
    .option("--dataset-dir <dir>", "packages.dataset")
    .option("--run-dir <dir>", "packages.training: the packaged training run")
    .option("--model-dir <dir>", "packages.model")
    .option("--demo-dir <dir>", "packages.demo")
    .option("--paper-dir <dir>", "packages.paper")
    .option("--model-repo <id>", "hub.model_repo, e.g. example/sensors-fault")
    .option("--dataset-repo <id>", "hub.dataset_repo")
    .option("--github-repo <owner/repo>", "github.repo")
    .option("--tag <tag>", "github.tag: the release tag, on the Hub and GitHub")
    .option("--evidence-tag <tag>", "github.evidence_tag (default: <tag>-evidence)")
    .option("--paper-url <url>", "paper_url")
    .option("--issue-ref <id=ref>", "add to issue_refs (repeatable)", collect);
}

/** The flags that name the signer a release's signatures must come from (over bindery.yaml's signing). */
export interface SignerFlags {
  signerIdentity?: string;
  signerIssuer?: string;
  signerIdentityRegexp?: boolean;
  signerKey?: string;
  trustedRoot?: string;
}

export function withSignerOptions(command: Command, when = ""): Command {
  return command
    .option("--signer-identity <id>", `${when}who must have signed the evidence (overrides signing.identity in bindery.yaml)`)
    .option("--signer-issuer <url>", `${when}the OIDC issuer of that identity (overrides signing.issuer)`)
    .option("--signer-identity-regexp", `${when}match --signer-identity as a regular expression over the whole identity`)
    .option("--signer-key <public.pem>", `${when}key-pair signatures: the public key that must have signed them`)
    .option("--trusted-root <file>", `${when}verify against this trusted_root.json instead of the public-good root bindery ships`);
}

/** The signer the flags name (the key file read), to put over the config's. */
export async function signerFromFlags(flags: SignerFlags): Promise<import("../release/audit-signatures.js").ExpectedSigner> {
  const [{ readFile }, { inputError }] = await Promise.all([import("node:fs/promises"), import("../evidence/errors.js")]);
  const publicKey = flags.signerKey === undefined ? undefined : await readFile(flags.signerKey, "utf8").catch((error: unknown) => {
    throw inputError(error, flags.signerKey!, "public key");
  });
  return {
    ...(flags.signerIdentity ? { identity: flags.signerIdentity } : {}),
    ...(flags.signerIssuer ? { issuer: flags.signerIssuer } : {}),
    ...(flags.signerIdentityRegexp ? { identityRegexp: true } : {}),
    ...(publicKey !== undefined ? { publicKey } : {}),
    ...(flags.trustedRoot ? { trustedRoot: flags.trustedRoot } : {}),
  };
}
