/**
 * A safe directory walk: every regular file below a root, sorted by path, each named by a
 * checked relative path. Symbolic links are followed only while they stay inside the root;
 * special files (FIFOs, sockets, devices) are refused, since reading one can block or lie.
 *
 * Problems are returned as findings, all of them, so a verifier can list every one; a caller
 * that builds something throws on the first with `throwOnFindings`.
 */
import { lstatSync, readdirSync, realpathSync, statSync, type Stats } from "node:fs";
import { join, sep } from "node:path";
import { BinderyError, errnoCode, inputError, type Finding } from "./errors.js";
import { compileGlobs } from "./glob.js";
import { safePath, sortByPath, type PathPolicy } from "./paths.js";

export interface WalkedFile {
  /** Relative to the root, `/`-separated, checked by the path rule. */
  path: string;
  /** Where to read it. */
  abs: string;
  size: number;
}

export interface WalkOptions {
  /** Glob patterns to leave out (see glob.ts). */
  exclude?: readonly string[];
  /** Exact relative paths to leave out, e.g. the checksum file being written or checked. */
  skip?: readonly string[];
  /** The path rule names must pass (default `public`). */
  policy?: PathPolicy;
}

export interface WalkResult {
  files: WalkedFile[];
  findings: Finding[];
}

export function walkTree(root: string, options: WalkOptions = {}): WalkResult {
  const rootReal = realDirectory(root);
  const excluded = compileGlobs(options.exclude ?? []);
  const skip = new Set(options.skip ?? []);
  const policy = options.policy ?? "public";
  const files: WalkedFile[] = [];
  const findings: Finding[] = [];
  const problem = (code: Finding["code"], path: string, message: string) =>
    findings.push({ code, severity: "error", path, message });

  const visit = (dir: string, relDir: string, ancestors: ReadonlySet<string>) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const rel = relDir === "" ? entry.name : `${relDir}/${entry.name}`;
      if (skip.has(rel) || excluded(rel)) continue;
      try {
        safePath(rel, policy);
      } catch (error) {
        const rejected = error as BinderyError;
        problem(rejected.code, rel, rejected.message);
        continue;
      }
      const abs = join(dir, entry.name);
      let stats = lstatSync(abs);
      let real = abs;
      if (stats.isSymbolicLink()) {
        const target = resolveLink(abs, rootReal);
        if (typeof target === "string") {
          problem("SYMLINK_ESCAPE", rel, `${rel} is a symbolic link that ${target}.`);
          continue;
        }
        ({ real, stats } = target);
      }
      if (stats.isDirectory()) {
        const key = realpathSync(real);
        if (ancestors.has(key)) {
          problem("SYMLINK_ESCAPE", rel, `${rel} is a symbolic link that loops back to one of its own parents.`);
          continue;
        }
        visit(abs, rel, new Set([...ancestors, key]));
      } else if (stats.isFile()) {
        files.push({ path: rel, abs, size: stats.size });
      } else {
        problem("SPECIAL_FILE", rel, `${rel} is a ${kindOf(stats)}, not a regular file; remove it or --exclude it.`);
      }
    }
  };
  visit(rootReal, "", new Set([rootReal]));
  return { files: sortByPath(files, (f) => f.path), findings: sortByPath(findings, (f) => f.path) };
}

/** Throws the walk's findings as one error (the first finding's code; every finding attached). */
export function throwOnFindings(result: WalkResult, root: string): WalkedFile[] {
  const [first, ...rest] = result.findings;
  if (!first) return result.files;
  const more = rest.length > 0 ? ` (and ${rest.length} more problem${rest.length === 1 ? "" : "s"})` : "";
  throw new BinderyError(first.code, `${root}: ${first.message}${more}`, { findings: result.findings });
}

function realDirectory(root: string): string {
  let stats: Stats;
  try {
    stats = statSync(root);
  } catch (error) {
    throw inputError(error, root, "directory");
  }
  if (!stats.isDirectory()) throw new BinderyError("INPUT_INVALID", `${root} is not a directory.`);
  return realpathSync(root);
}

/** Resolves a link inside the root, or says (as a clause) why it cannot be followed. */
function resolveLink(abs: string, rootReal: string): { real: string; stats: Stats } | string {
  let real: string;
  try {
    real = realpathSync(abs);
  } catch (error) {
    return errnoCode(error) === "ELOOP" ? "loops" : "dangles (its target does not exist)";
  }
  if (real !== rootReal && !real.startsWith(rootReal + sep)) return "points outside the directory";
  return { real, stats: statSync(real) };
}

function kindOf(stats: Stats): string {
  if (stats.isFIFO()) return "FIFO";
  if (stats.isSocket()) return "socket";
  if (stats.isBlockDevice() || stats.isCharacterDevice()) return "device";
  return "special file";
}
