/**
 * The tutorial, as a fixture: docs/tutorial.md's `sh` blocks, run exactly as written in bash from
 * an empty directory. No vitest in here: the suite's global setup runs it once before any test
 * file (test/support/global-setup.ts), and test/release/tutorial.test.ts runs it as a test.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CANARIES } from "./cli.js";

export const REPO = fileURLToPath(new URL("../..", import.meta.url));

/** The tutorial's shell commands: every ```sh block of docs/tutorial.md, in order. */
export function tutorialScript(): string {
  const text = readFileSync(join(REPO, "docs/tutorial.md"), "utf8");
  return [...text.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]).join("\n");
}

export interface TutorialRun {
  status: number | null;
  stdout: string;
  stderr: string;
  /** The project directory the tutorial built (sensors-release). */
  project: string;
}

/** Runs the tutorial in bash (-e: any failing command stops it) in `tmp`, an empty directory. */
export function runTutorialIn(tmp: string): TutorialRun {
  const result = spawnSync("bash", ["-euo", "pipefail", "-c", tutorialScript()], {
    cwd: tmp,
    encoding: "utf8",
    env: {
      PATH: process.env.PATH,
      HOME: tmp,
      TMPDIR: tmp,
      BINDERY_HOME: REPO,
      GIT_AUTHOR_NAME: "bindery tests",
      GIT_AUTHOR_EMAIL: "tests@example.org",
      GIT_COMMITTER_NAME: "bindery tests",
      GIT_COMMITTER_EMAIL: "tests@example.org",
      GIT_CONFIG_NOSYSTEM: "1",
      ...CANARIES,
    },
  });
  const made = readdirSync(tmp).find((name) => name.startsWith("tmp."));
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, project: join(tmp, made ?? "", "sensors-release") };
}
