/**
 * Tool version probes: `ARGV --version`, first line of its output, recorded by reports that say
 * what a command ran with (`--probe python`). A missing tool is a result, not a crash.
 */
export interface ProbeResult {
  argv: string[];
  version: string | null;
  error: string | null;
}

export async function probeVersion(argv: readonly string[], env?: NodeJS.ProcessEnv): Promise<ProbeResult> {
  const { execa } = await import("execa");
  const result = await execa(argv[0]!, [...argv.slice(1), "--version"], { reject: false, stdin: "ignore", timeout: 30_000, ...(env ? { env } : {}) });
  if (result.failed) {
    return { argv: [...argv], version: null, error: result.exitCode === undefined ? "not installed or cannot start" : `--version exited with code ${result.exitCode}` };
  }
  const first = `${String(result.stdout)}\n${String(result.stderr)}`.trim().split("\n")[0] ?? "";
  return { argv: [...argv], version: first, error: null };
}
