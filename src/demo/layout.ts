/**
 * The demo package's layout: NAME=FILE options, the command's placeholders, the program files to
 * copy, and the clean slate (an earlier demo package's own files, and nothing else, are replaced).
 */
import { existsSync, statSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseJson } from "../evidence/artifact.js";
import { BinderyError } from "../evidence/errors.js";
import { pathWithin, safePath } from "../evidence/paths.js";
import { throwOnFindings, walkTree } from "../evidence/walk.js";
import { DEMO_FILES, DEMO_OWN_FILES, type OutputFile, type TerminalDemoManifest } from "./schema.js";

interface Named {
  name: string;
  file: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export function parseNamed(specs: readonly string[], flag: string): Named[] {
  const seen = new Set<string>();
  return specs.map((spec) => {
    const eq = spec.indexOf("=");
    const name = spec.slice(0, eq);
    const file = spec.slice(eq + 1);
    if (eq < 1 || file === "" || !NAME.test(name)) {
      throw new BinderyError("USAGE", `${flag} ${JSON.stringify(spec)} is not NAME=FILE (NAME: letters, digits, ., _ and -).`);
    }
    if (seen.has(name)) throw new BinderyError("USAGE", `${flag} names ${name} twice.`);
    seen.add(name);
    return { name, file };
  });
}

/** Checks the command's placeholders and returns a function that expands them. */
export function placeholders(argv: readonly string[], values: { model: string; output: string; inputs: Map<string, string>; outputs: Map<string, string> }): string[] {
  return argv.map((arg) =>
    arg.replace(/\{([a-z_]+)(?::([^{}]*))?\}/g, (whole, kind: string, name: string | undefined) => {
      if (kind === "model_dir" && name === undefined) return values.model;
      if (kind === "output_dir" && name === undefined) return values.output;
      const table = kind === "input" ? values.inputs : kind === "output" ? values.outputs : undefined;
      if (!table || name === undefined) return whole;
      const value = table.get(name);
      if (value === undefined) throw new BinderyError("USAGE", `the demo command uses ${whole}, but no --${kind} ${name}=FILE was given.`);
      return value;
    }),
  );
}

/** The files of an earlier demo package in `dir`, from its own records (manifest, else preflight). */
async function previousPackageFiles(dir: string): Promise<Set<string>> {
  const owned = new Set(DEMO_OWN_FILES);
  for (const name of [DEMO_FILES.manifest, DEMO_FILES.preflight]) {
    try {
      const raw = parseJson(await readFile(join(dir, name)), name) as Partial<TerminalDemoManifest>;
      for (const f of [...(raw.programs ?? []), ...(raw.input_files ?? []).map((i) => i.file)]) if (f?.path) owned.add(f.path);
      for (const o of (raw.output_files ?? []) as ({ path?: string } & Partial<OutputFile>)[]) {
        const path = o.file?.path ?? o.path;
        if (path) owned.add(path);
      }
    } catch {
      // Unreadable or malformed: only bindery's fixed names are known to be ours.
    }
  }
  return owned;
}

/** Empties an earlier demo package, refusing a directory that holds anything else. */
export async function clearOutputDir(dir: string, shown: string): Promise<void> {
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory()) throw new BinderyError("OUTPUT_EXISTS", `${shown} exists and is not a directory.`);
  const files = throwOnFindings(walkTree(dir, { policy: "filename" }), shown);
  const owned = await previousPackageFiles(dir);
  const foreign = files.filter((f) => !owned.has(f.path));
  if (foreign.length > 0) {
    throw new BinderyError(
      "OUTPUT_EXISTS",
      `${shown} holds ${foreign.length === 1 ? "a file" : `${foreign.length} files`} that no earlier demo package there recorded (${foreign.slice(0, 5).map((f) => f.path).join(", ")}${foreign.length > 5 ? ", ..." : ""}); bindery replaces only its own files.`,
      { hint: "Choose an empty or new --output-dir, or move those files away." },
    );
  }
  for (const file of files) await rm(file.abs, { force: true });
}

export async function filesOfProgram(cwd: string, given: string): Promise<{ path: string; abs: string }[]> {
  const abs = resolve(cwd, given);
  const rel = pathWithin(cwd, abs);
  if (rel === undefined || rel === "") {
    throw new BinderyError("USAGE", `--program ${given} is not inside the project directory (the working directory); programs are copied to the same relative paths, so they must live below it.`, {
      hint: "Run bindery from the project root.",
    });
  }
  if (!existsSync(abs)) throw new BinderyError("INPUT_NOT_FOUND", `--program ${given} does not exist.`);
  if (statSync(abs).isDirectory()) {
    return throwOnFindings(walkTree(abs), `--program ${given}`).map((f) => ({ path: safePath(`${rel}/${f.path}`), abs: f.abs }));
  }
  return [{ path: safePath(rel), abs }];
}
