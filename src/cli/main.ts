/**
 * The CLI entry: commander wiring only. Start-up loads commander and the command definitions;
 * each command imports the modules that do its work when it runs, so `bindery --help` stays fast.
 */
import { Command, CommanderError } from "commander";
import { BinderyError, ExitCode } from "../evidence/errors.js";
import { TOOL_VERSION } from "../evidence/tool.js";
import { registerChecksums } from "./checksums.js";
import { registerDataset } from "./dataset.js";
import { registerDemo } from "./demo.js";
import { registerPaper } from "./paper.js";
import { registerVerify } from "./verify.js";
import { registerEfficiency, registerEval } from "./eval.js";
import { registerHash } from "./hash.js";
import { registerHub } from "./hub.js";
import { registerEmulate } from "./emulate.js";
import { registerRelease } from "./release.js";
import { registerRehearse } from "./rehearse.js";
import { registerVersion } from "./version.js";
import { registerChangelog } from "./changelog.js";
import { registerPack } from "./pack.js";
import { registerContract } from "./contract.js";
import { registerIndex, registerYank } from "./release-index.js";
import { registerResolve } from "./resolve.js";
import { registerTrust, registerVerifySignature } from "./signing.js";
import { registerAttest, registerSign } from "./sign.js";
import { registerGate } from "./gate.js";
import { registerScope } from "./scope.js";
import { registerModel } from "./model.js";
import { registerTraining } from "./training.js";
import { registerSuite } from "./suite.js";
import { reportError } from "./output.js";

const EXIT_CODES_HELP = `
Exit codes:
  0   ok
  1   verification failed: the evidence says no (every finding is listed)
  2   usage: unknown command or option, missing argument
  3   bad input: a missing or malformed file, an unsafe path
  4   remote: a network or platform error
  70  internal: a bug in bindery (rerun with BINDERY_DEBUG=1 and report it)

Every command takes --json (one JSON document on stdout) and --quiet.
Docs: docs/commands/, docs/exit-codes.md.
`;

export function buildProgram(): Command {
  const program = new Command("bindery")
    .description("Cut evidence-bound releases of machine-learning work: checksummed packages, plans, proof.")
    .version(TOOL_VERSION, "-V, --version", "print the bindery version")
    .helpOption("-h, --help", "show help for a command")
    .addHelpText("after", EXIT_CODES_HELP)
    .showSuggestionAfterError(true)
    .exitOverride()
    // Commander's own error text is replaced by ours (same words, our format and exit code).
    .configureOutput({ outputError: () => undefined });
  registerChecksums(program);
  registerDataset(program);
  registerHash(program);
  registerModel(program);
  registerEval(program);
  registerEfficiency(program);
  registerSuite(program);
  registerTraining(program);
  registerDemo(program);
  registerPaper(program);
  registerVerify(program);
  registerHub(program);
  registerEmulate(program);
  registerRelease(program);
  registerRehearse(program);
  registerVersion(program);
  registerChangelog(program);
  registerPack(program);
  registerContract(program);
  registerIndex(program);
  registerResolve(program);
  registerYank(program);
  registerVerifySignature(program);
  registerTrust(program);
  registerSign(program);
  registerAttest(program);
  registerGate(program);
  registerScope(program);
  return program;
}

export async function main(argv: readonly string[] = process.argv): Promise<void> {
  quietOnClosedPipes();
  const program = buildProgram();
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    process.exitCode = handleParseError(error, argv, program);
  }
}

function handleParseError(error: unknown, argv: readonly string[], program: Command): number {
  const flags = { json: argv.includes("--json") };
  if (!(error instanceof CommanderError)) return reportError("bindery", error, flags);
  // --help, `help <command>` and --version end parsing with exit code 0; the help shown for a
  // bare noun (`bindery checksums`) is a usage error.
  if (error.code === "commander.helpDisplayed" || error.code === "commander.version") return ExitCode.ok;
  if (error.code === "commander.help") return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  const message = error.message.replace(/^error: /, "").replace(/\s*\n\s*/g, " ");
  const command = commandPath(program, argv);
  return reportError(
    command,
    new BinderyError("USAGE", message.endsWith(".") ? message : `${message}.`, {
      hint: `Run \`${command} --help\` for usage.`,
    }),
    flags,
  );
}

/** The deepest known command the argv names (`bindery checksums verify`), for messages and hints. */
function commandPath(program: Command, argv: readonly string[]): string {
  const words = [program.name()];
  let current = program;
  for (const arg of argv.slice(2)) {
    const sub = current.commands.find((c) => c.name() === arg || c.aliases().includes(arg));
    if (!sub) break;
    words.push(sub.name());
    current = sub;
  }
  return words.join(" ");
}

/**
 * `bindery ... --help | head` closes stdout early; a write then fails with EPIPE. That is the
 * reader saying "enough", not an error: exit quietly instead of printing a stack trace.
 */
function quietOnClosedPipes(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
      throw error;
    });
  }
}
