/**
 * One error class for the whole tool, with a stable code and a documented exit code.
 *
 * Exit codes are a public contract (docs/exit-codes.md):
 *   0 ok · 1 verification failed · 2 usage · 3 bad input · 4 remote · 70 internal bug.
 */

export const ExitCode = {
  ok: 0,
  verificationFailed: 1,
  usage: 2,
  badInput: 3,
  remote: 4,
  internal: 70,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * Every stable code bindery emits, as an error or as a verifier finding, with the exit code it
 * maps to when it ends a command and one line of meaning. docs/exit-codes.md lists them all (a
 * test keeps the two in step).
 */
export const errorCodes = {
  USAGE: [ExitCode.usage, "the command line is wrong: unknown command or option, missing argument"],
  INPUT_NOT_FOUND: [ExitCode.badInput, "a file or directory named on the command line does not exist"],
  INPUT_INVALID: [ExitCode.badInput, "an input file is malformed or fails its schema"],
  SCHEMA_COMPAT: [ExitCode.badInput, "an artifact's schema_version MAJOR or a required extension is not supported"],
  PRIVATE_PATH: [ExitCode.badInput, "an absolute path, home directory or temp directory where a public-safe path is required"],
  UNSAFE_PATH: [ExitCode.badInput, "a path with `..`, a backslash, a NUL or control character, or a name that is not NFC"],
  SYMLINK_ESCAPE: [ExitCode.badInput, "a symbolic link resolves outside the directory being walked, dangles, or loops"],
  SPECIAL_FILE: [ExitCode.badInput, "a FIFO, socket or device file inside a directory being walked"],
  MALFORMED_SUMS_LINE: [ExitCode.verificationFailed, "a SHA256SUMS line is not in GNU coreutils format"],
  BAD_DIGEST: [ExitCode.verificationFailed, "a digest is not 64 hexadecimal characters"],
  DUPLICATE_PATH: [ExitCode.verificationFailed, "the same path is listed twice"],
  CHECKSUM_MISMATCH: [ExitCode.verificationFailed, "a file's SHA-256 differs from the one its checksum file records"],
  IDENTITY_MISMATCH: [ExitCode.verificationFailed, "a file's sha256 or size differs from the identity that names it"],
  MISSING_FILE: [ExitCode.verificationFailed, "a listed file is not present"],
  EXTRA_FILE: [ExitCode.verificationFailed, "a present file is not listed"],
  STALE_RENDER: [ExitCode.verificationFailed, "a derived file (card, report, draft) differs from its re-render"],
  DISAGREEMENT: [ExitCode.verificationFailed, "a field that must agree across artifacts differs"],
  FOREIGN_GENERATOR: [ExitCode.verificationFailed, "generated_by is missing or is not the expected bindery command"],
  PLACEHOLDER_TEXT: [ExitCode.verificationFailed, "release text holds placeholder wording (TODO, TBD, lorem ipsum, ...)"],
  OUTPUT_EXISTS: [ExitCode.badInput, "an output directory holds files bindery did not write (or is not empty and --overwrite was not given)"],
  COMMAND_FAILED: [ExitCode.badInput, "a command bindery ran for the user (a build, training or demo command) failed or could not start"],
  COUNT_MISMATCH: [ExitCode.verificationFailed, "a record count differs from the count declared or recorded for it"],
  SPLIT_LEAKAGE: [ExitCode.verificationFailed, "more comparable keys are shared between two splits than the metadata allows"],
  NO_COMPARABLE_KEYS: [ExitCode.verificationFailed, "two splits cannot be compared for leakage: a split has no record with the key fields"],
  MISSING_EVIDENCE: [ExitCode.verificationFailed, "a report the evidence (or --release) requires is not referenced"],
  REPORT_NOT_OK: [ExitCode.verificationFailed, "a report bound into the evidence records a failed check (ok: false)"],
  DIRTY_WORKTREE: [ExitCode.badInput, "the git work tree has uncommitted changes (or is not a git work tree) and --allow-dirty was not given"],
  ACCELERATOR_UNAVAILABLE: [ExitCode.verificationFailed, "a required accelerator, device memory or probed tool is not available"],
  RUN_FAILED: [ExitCode.verificationFailed, "a recorded training or demo run did not exit 0, or a demo did not write exactly its declared outputs"],
  EVIDENCE_CHANGED: [ExitCode.verificationFailed, "a file bindery pinned before running a command (a preflight report, a program, an input) changed while it ran"],
  SECRET_LEAK: [ExitCode.verificationFailed, "a file a command wrote holds the value of a credential (HF_TOKEN, GITHUB_TOKEN, ...)"],
  MISSING_SECTION: [ExitCode.verificationFailed, "a generated document lacks a section it must have (paper.md: Negative Findings, Citation Metadata, Artifact Availability)"],
  MISSING_METRIC: [ExitCode.verificationFailed, "a metric the evaluation requires (--require NAME:SPLIT) is not reported"],
  MISSING_NEGATIVE_FINDINGS: [ExitCode.verificationFailed, "an evaluation reports no negative finding"],
  BASELINE_INVALID: [ExitCode.verificationFailed, "a baseline comparison is incomplete, its delta is not value minus baseline, or the baseline was evaluated on other items"],
  CI_INVALID: [ExitCode.verificationFailed, "a metric's confidence interval is half given, or does not contain its value"],
  UNCITED_METRIC: [ExitCode.verificationFailed, "no conclusion cites a metric's name, split and formatted value"],
  FIXTURE_EVIDENCE: [ExitCode.verificationFailed, "evidence marked as fixture evidence (fixture: true) where a release is verified"],
  MERKLE_MISMATCH: [ExitCode.verificationFailed, "a Merkle root differs from the one its leaves (shard digests) give"],
  PLAN_LIMIT: [ExitCode.verificationFailed, "a release plan exceeds a platform limit (files per repository or folder, file or asset size, assets per release)"],
  REMOTE_UNAVAILABLE: [ExitCode.remote, "a platform (the Hub, GitHub) could not be reached, or answered with an error bindery cannot act on"],
  CREDENTIALS_MISSING: [ExitCode.badInput, "a command that writes to a platform has no credential in the environment (HF_TOKEN, GITHUB_TOKEN)"],
  PUBLISH_FAILED: [ExitCode.remote, "publishing did not complete: a file, commit, tag or release failed; the report lists every error"],
  CHANGELOG_INVALID: [ExitCode.verificationFailed, "CHANGELOG.md breaks Keep a Changelog: section order, headings, kinds of change, dates, empty or repeated sections, or a missing release"],
  PACK_INCOMPLETE: [ExitCode.verificationFailed, "the npm package lacks a release-critical path (bin/, dist/, docs/, rfcs/, configs/, README, CHANGELOG, or one named with --require)"],
  CONTRACT_BREAKING: [ExitCode.verificationFailed, "bindery's public contract (commands, flags, error and exit codes, artifact schemas) changed in a breaking way without a version bump that allows it"],
  NOT_RESOLVED: [ExitCode.verificationFailed, "a pin cannot be resolved from the release index: no such release, only yanked ones, or a refusal to cross a MAJOR version"],
  PIN_MISMATCH: [ExitCode.verificationFailed, "a pinned model id differs from the release's: the index binds the version to other bytes, or a fetched manifest is not the pinned one"],
  MODEL_YANKED: [ExitCode.verificationFailed, "a warning: the release was yanked (its reason and upgrade path are given); its bytes still verify, and resolution picks it only when pinned exactly"],
  VERSION_FALLBACK: [ExitCode.verificationFailed, "a warning: resolution chose another version than the one asked for (--allow-fallback, --force, or --default when the index cannot be reached)"],
  SIGNATURE_INVALID: [ExitCode.verificationFailed, "a Sigstore bundle does not verify: its signature, its transparency-log entry or inclusion proof, or its timestamp is wrong, or the signed bytes changed"],
  SIGNATURE_UNTRUSTED: [ExitCode.verificationFailed, "a Sigstore bundle's certificate chain, transparency log or key is not in the trusted root (or is not the key given)"],
  SIGNER_MISMATCH: [ExitCode.verificationFailed, "a bundle was signed by another identity or OIDC issuer than the one required"],
  DIGEST_NOT_SUBJECT: [ExitCode.verificationFailed, "a file's digest is not among the subjects of the in-toto statement in a DSSE bundle"],
  SIGNING_FAILED: [ExitCode.remote, "signing did not complete: the identity token, Fulcio, Rekor or the timestamp authority failed"],
  TARGET_NOT_MET: [ExitCode.verificationFailed, "a metric is outside a target's threshold (bindery.yaml targets: NAME:SPLIT min/max)"],
  VERIFICATION_FAILED: [ExitCode.verificationFailed, "a verifier found one or more problems; each is listed with its own code"],
  INTERNAL: [ExitCode.internal, "a bug in bindery: please report it with BINDERY_DEBUG=1 output"],
} as const satisfies Record<string, readonly [ExitCode, string]>;

export type ErrorCode = keyof typeof errorCodes;

export function exitCodeOf(code: ErrorCode): ExitCode {
  return errorCodes[code][0];
}

export interface BinderyErrorOptions {
  /** Overrides the code's default exit code (e.g. a path rule broken inside evidence under verification is exit 1). */
  exitCode?: ExitCode;
  /** One sentence telling the user what to do next. */
  hint?: string;
  /** Every finding behind a verification failure, so the CLI can list them all. */
  findings?: readonly Finding[];
  cause?: unknown;
}

/** A finding of a verifier. Defined here (not in rules/) so errors can carry them without a cycle. */
export interface Finding {
  code: ErrorCode;
  severity: "error" | "warning";
  /** The file the finding is about, public-safe and relative to what was verified. */
  path: string;
  message: string;
  /** A JSON pointer into the file, when the finding is about one field. */
  field?: string;
  /** A 1-based line number, when the finding is about one line of a text file. */
  line?: number;
}

export class BinderyError extends Error {
  override readonly name = "BinderyError";
  readonly code: ErrorCode;
  readonly exitCode: ExitCode;
  readonly hint: string | undefined;
  readonly findings: readonly Finding[];

  constructor(code: ErrorCode, message: string, options: BinderyErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.exitCode = options.exitCode ?? exitCodeOf(code);
    this.hint = options.hint;
    this.findings = options.findings ?? [];
  }
}

export function isBinderyError(error: unknown): error is BinderyError {
  return error instanceof BinderyError;
}

/** Node's own errors carry a `code` such as ENOENT; narrow to read it safely. */
export function errnoCode(error: unknown): string | undefined {
  if (typeof error === "object" && error !== null && "code" in error) {
    const code = (error as { code: unknown }).code;
    return typeof code === "string" ? code : undefined;
  }
  return undefined;
}

/** The errno-style code the hasher gives a path that is not a regular file (a FIFO, socket, device). */
export const NOT_REGULAR_FILE = "ENOTREGULAR";

/**
 * Turns a file-system error on a named input into a BinderyError, so a missing or unreadable
 * file is a clean "bad input" and never a stack trace. `shown` is how the file is named to the
 * user (as they gave it).
 */
export function inputError(error: unknown, shown: string, what = "file"): BinderyError {
  if (isBinderyError(error)) return error;
  switch (errnoCode(error)) {
    case "ENOENT":
    case "ENOTDIR":
      return new BinderyError("INPUT_NOT_FOUND", `${what} ${shown} does not exist.`, { cause: error });
    case "EACCES":
    case "EPERM":
      return new BinderyError("INPUT_NOT_FOUND", `${what} ${shown} cannot be read: permission denied.`, { cause: error });
    case "EISDIR":
      return new BinderyError("INPUT_INVALID", `${what} ${shown} is a directory, not a file.`, { cause: error });
    case NOT_REGULAR_FILE:
      return new BinderyError("INPUT_INVALID", `${what} ${shown} is not a regular file.`, { cause: error });
    default:
      return new BinderyError("INTERNAL", `reading ${what} ${shown} failed: ${String(error)}`, { cause: error });
  }
}
