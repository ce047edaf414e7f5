/**
 * Builds the tutorial's project once for the whole run: fourteen test files start from it, and
 * running the tutorial in each cost about a minute and a half of the suite. Each test still gets
 * its own copy (releaseProject). When the tutorial fails here, tests fall back to running it
 * themselves, so test/release/tutorial.test.ts reports the failure where it belongs.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { runTutorialIn } from "./tutorial.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** The tutorial's finished project, or null when it did not build. */
    tutorialProject: string | null;
  }
}

export default function setup(project: TestProject): () => void {
  const dir = mkdtempSync(join(tmpdir(), "bindery-tutorial-once-"));
  const run = runTutorialIn(dir);
  project.provide("tutorialProject", run.status === 0 ? run.project : null);
  return () => rmSync(dir, { recursive: true, force: true });
}
