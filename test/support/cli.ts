/**
 * Runs the real CLI (bin/bindery.js → dist/) in a child process. Every run has canary credentials
 * planted in its environment, and fails the test if any of them appears in what it printed.
 */
import { spawn, spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const BIN = fileURLToPath(new URL("../../bin/bindery.js", import.meta.url));

/** Fake credentials that must never be printed or written. */
export const CANARIES = {
  HF_TOKEN: "hf_canaryQ7xZpL3mN8vR2tY6wK1sD4fG9hJ0",
  GITHUB_TOKEN: "ghp_canaryB5nM2xC8vZ1aS4dF7gH0jK3lP6qW9e",
  SIGSTORE_ID_TOKEN: "eyJcanary.oidc.T0k3nVa1u3F0rT3st1ng",
} as const;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as the one JSON document `--json` promises. */
  json<T = unknown>(): T;
}

export interface CliOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/** The test process's environment without bindery's own knobs, plus the canaries, plus `extra`. */
function environment(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const { BINDERY_DEBUG: _debug, SOURCE_DATE_EPOCH: _epoch, ...inherited } = process.env;
  const env: NodeJS.ProcessEnv = { ...inherited, ...CANARIES, ...extra };
  for (const [key, value] of Object.entries(extra)) if (value === undefined) delete env[key];
  return env;
}

export function bindery(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? process.cwd(),
      env: environment(options.env),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      try {
        assertNoCanary(`bindery ${args.join(" ")} stdout`, stdout);
        assertNoCanary(`bindery ${args.join(" ")} stderr`, stderr);
      } catch (error) {
        reject(error as Error);
        return;
      }
      resolve({
        code: code ?? -1,
        stdout,
        stderr,
        json: <T>() => JSON.parse(stdout) as T,
      });
    });
  });
}

export function assertNoCanary(where: string, text: string): void {
  for (const [name, value] of Object.entries(CANARIES)) {
    if (text.includes(value)) throw new Error(`${where} leaks the ${name} canary`);
  }
}

/** Scans every file under `dir` for the canaries (outputs must never hold a credential). */
export function assertNoCanaryInTree(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const abs = join(dir, entry.name);
    if (entry.isDirectory()) assertNoCanaryInTree(abs);
    else if (entry.isFile() && statSync(abs).size < 64 * 1024 * 1024) assertNoCanary(abs, readFileSync(abs, "latin1"));
  }
}

/** Runs GNU `sha256sum` (the reference tool) and returns its exit code and output. */
export function sha256sum(args: readonly string[], cwd: string): { code: number; stdout: string; stderr: string } {
  const result = spawnSync("sha256sum", args, { cwd, encoding: "utf8" });
  if (result.error) throw result.error;
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}
