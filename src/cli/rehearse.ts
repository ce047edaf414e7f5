/** `bindery rehearse`: the whole release chain on the bundled example, offline, against the loopback emulators. */
import type { Command } from "commander";
import { withExamples, withOutputOptions } from "./common.js";
import { runCommand, type OutputFlags } from "./output.js";

interface RehearseFlags extends OutputFlags {
  example?: string;
  workdir?: string;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1).padStart(5)} s`;

export function registerRehearse(program: Command): void {
  withExamples(
    withOutputOptions(
      program
        .command("rehearse")
        .description("run the whole release chain on the bundled example, offline, against loopback Hub and GitHub emulators: dataset to publication report, audit and the release index (docs/commands/release.md)")
        .option("--example <dir>", "the example project (default: the bundled configs/example)")
        .option("--workdir <dir>", "an empty or new directory for the rehearsal (default: a new temporary directory)"),
    ),
    ["bindery rehearse", "bindery rehearse --workdir rehearsal --json"],
  ).action(async (flags: RehearseFlags) => {
    await runCommand("bindery rehearse", flags, async () => {
      const [{ rehearse }, { BinderyError }] = await Promise.all([import("../release/rehearse.js"), import("../evidence/errors.js")]);
      const live = !flags.json && !flags.quiet;
      const result = await rehearse({
        ...(flags.example ? { example: flags.example } : {}),
        ...(flags.workdir ? { workdir: flags.workdir } : {}),
        ...(live ? { onStep: (s, i, n) => process.stderr.write(`[${String(i + 1).padStart(2)}/${n}] ${s.ok ? "OK  " : "FAIL"} ${seconds(s.duration_ms)}  ${s.name}\n`) } : {}),
      });
      const total = result.steps.reduce((sum, s) => sum + s.duration_ms, 0);
      const failed = result.steps.find((s) => !s.ok);
      return {
        json: { ok: result.ok, workdir: result.workdir, steps: result.steps, artifacts: result.artifacts, duration_ms: total },
        human: [
          ...result.steps.map((s) => `${s.ok ? "OK  " : "FAIL"} ${seconds(s.duration_ms)}  ${s.name}: ${s.argv.join(" ")}`),
          ...(failed?.output ? ["", failed.output] : []),
          "",
          `Artifacts, in ${result.workdir}:`,
          ...result.artifacts.map((a) => `  ${a}`),
          "",
          result.ok ? `OK  the example release went from dataset spec to a passing audit and an update by its pin in ${(total / 1000).toFixed(1)} s, offline` : `FAIL  the rehearsal stopped at: ${failed?.name ?? "an unfinished step"}`,
        ],
        ...(result.ok ? {} : { failure: new BinderyError("VERIFICATION_FAILED", `the rehearsal failed at "${failed?.name ?? "?"}" (exit ${failed?.exit_code ?? "?"}); its output is above, and the work directory ${result.workdir} is kept.`) }),
      };
    });
  });
}
