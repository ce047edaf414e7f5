/**
 * The one place the CLI writes: human text or exactly one JSON document on stdout, errors as one
 * paragraph on stderr with their code, exit codes per docs/exit-codes.md, and every byte passed
 * through the secret redactor. No stack trace unless BINDERY_DEBUG=1.
 */
import { BinderyError, ExitCode, isBinderyError, type Finding } from "../evidence/errors.js";
import { verificationError } from "../evidence/rules/engine.js";
import { redactSecrets } from "../evidence/secrets.js";
import { progressRenderer, type ProgressEvent } from "./progress.js";

export interface OutputFlags {
  json?: boolean;
  quiet?: boolean;
}

export interface Context {
  flags: OutputFlags;
  /** A progress callback when progress should be shown (a TTY, not CI, not --quiet). */
  onProgress?: (event: ProgressEvent) => void;
}

export interface Outcome {
  /** The --json document. */
  json: unknown;
  /** Human lines for stdout (suppressed by --quiet). */
  human: string[];
  /** Set when the command ran but its answer is "no": printed after the output, sets the exit code. */
  failure?: BinderyError;
}

function write(stream: NodeJS.WriteStream, text: string): void {
  stream.write(redactSecrets(text));
}

/** Runs one command's work and prints its outcome; sets process.exitCode. */
export async function runCommand(
  command: string,
  flags: OutputFlags,
  work: (context: Context) => Promise<Outcome>,
  progressLabel = "hashing",
): Promise<void> {
  const progress = progressRenderer(progressLabel, flags.quiet ?? false);
  const context: Context = { flags, ...(progress ? { onProgress: (e: ProgressEvent) => progress.update(e) } : {}) };
  let outcome: Outcome;
  try {
    outcome = await work(context);
  } catch (error) {
    progress?.done();
    process.exitCode = reportError(command, error, flags);
    return;
  }
  progress?.done();
  if (flags.json) write(process.stdout, `${JSON.stringify(outcome.json, null, 2)}\n`);
  else if (!flags.quiet && outcome.human.length > 0) write(process.stdout, `${outcome.human.join("\n")}\n`);
  if (outcome.failure) {
    write(process.stderr, `${paragraph(command, outcome.failure)}\n`);
    process.exitCode = outcome.failure.exitCode;
  } else {
    process.exitCode = ExitCode.ok;
  }
}

/** Prints an error (as a paragraph on stderr, and as a JSON document under --json); returns the exit code. */
export function reportError(command: string, error: unknown, flags: OutputFlags): number {
  const failure = isBinderyError(error)
    ? error
    : new BinderyError("INTERNAL", `internal error: ${String((error as Error)?.message ?? error).replace(/\.+$/, "")}.`, {
        hint: "This is a bug in bindery; rerun with BINDERY_DEBUG=1 and report the output.",
        cause: error,
      });
  if (flags.json) {
    const document = {
      ok: false,
      error: {
        code: failure.code,
        exit_code: failure.exitCode,
        message: failure.message,
        ...(failure.hint ? { hint: failure.hint } : {}),
        findings: failure.findings,
      },
    };
    write(process.stdout, `${JSON.stringify(document, null, 2)}\n`);
  }
  const findings = failure.findings.length > 1 ? `\n${failure.findings.map(findingLine).map((l) => `  ${l}`).join("\n")}` : "";
  write(process.stderr, `${paragraph(command, failure)}${findings}\n`);
  if (process.env.BINDERY_DEBUG === "1") {
    const stack = (failure.cause as Error | undefined)?.stack ?? failure.stack;
    if (stack) write(process.stderr, `${stack}\n`);
  }
  return failure.exitCode;
}

function paragraph(command: string, error: BinderyError): string {
  return oneLine(`${command}: ${error.code}: ${error.message}${error.hint ? ` ${error.hint}` : ""}`);
}

/** One finding as one human line: `CODE  message` (the message names the file). */
export function findingLine(finding: Finding): string {
  const tag = finding.severity === "warning" ? `${finding.code} (warning)` : finding.code;
  return oneLine(`${tag}  ${finding.message}`);
}

/**
 * Escapes control characters (a file may be named with a newline or a terminal escape sequence),
 * so one message stays one line and cannot repaint the user's terminal.
 */
export function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]/g, (c) => {
    const named: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };
    return named[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`;
  });
}

/** A verifier's outcome: every finding listed, then OK or FAIL; a "no" exits 1 (VERIFICATION_FAILED). */
export function verdictOutcome(subject: string, verdict: { ok: boolean; findings: Finding[] }, okLine: string, json: Record<string, unknown> = {}): Outcome {
  return {
    json: { ok: verdict.ok, ...json, findings: verdict.findings },
    human: verdict.ok ? [`OK  ${okLine}`, ...verdict.findings.map(findingLine)] : [...verdict.findings.map(findingLine), `FAIL  ${subject}`],
    ...(verdict.ok ? {} : { failure: verificationError(subject, verdict) }),
  };
}
