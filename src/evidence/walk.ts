/**
 * A safe directory walk: every regular file below a root, sorted by path, each named by a
 * checked relative path. Symbolic links are followed only while they stay inside the root;
 * special files (FIFOs, sockets, devices) are refused, since reading one can block or lie.
 *
 * Problems are returned as findings, all of them, so a verifier can list every one; a caller
 * that builds something throws on the first with `throwOnFindings`.
 */
import { lstatSync, readdirSync, realpathSync, statSync, type Dirent, type Stats } from "node:fs";
import { sep } from "node:path";
import { BinderyError, errnoCode, inputError, type Finding } from "./errors.js";
import { compileGlobs } from "./glob.js";
import { pathWithin, safePath, sortByPath, type PathPolicy } from "./paths.js";

export interface WalkedFile {
  /** Relative to the root, `/`-separated, checked by the path rule. */
  path: string;
  /** Where to read it. */
  abs: string;
  /** Only with `sizes: true` (one stat per file; the hasher does not need it). */
  size?: number;
}

export interface WalkOptions {
  /** Glob patterns to leave out (see glob.ts). */
  exclude?: readonly string[];
  /** Exact relative paths to leave out, e.g. the checksum file being written or checked. */
  skip?: readonly string[];
  /** The path rule names must pass (default `public`). */
  policy?: PathPolicy;
  /** Stat every file for its size (default false: the directory entry's type is enough). */
  sizes?: boolean;
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
    const entries = readdirSync(dir, { withFileTypes: true });
    const undecodable = entries.some((e) => e.name.includes("\uFFFD")) ? undecodableNames(dir) : undefined;
    for (const entry of entries) {
      const rel = relDir === "" ? entry.name : `${relDir}/${entry.name}`;
      if (skip.has(rel) || excluded(rel)) continue;
      const bytes = undecodable?.get(entry.name);
      if (bytes !== undefined) {
        problem("UNSAFE_PATH", rel, `${JSON.stringify(rel)} is not valid UTF-8 (bytes ${bytes}); rename it.`);
        continue;
      }
      try {
        safePath(rel, policy);
      } catch (error) {
        const rejected = error as BinderyError;
        problem(rejected.code, rel, rejected.message);
        continue;
      }
      // `dir` is a resolved real path and a name holds no separator: plain concatenation is
      // exact, and path.join would re-normalize the whole path for every entry.
      const abs = `${dir}${sep}${entry.name}`;
      // The directory entry's type saves a stat per file; a few file systems do not report it.
      let stats: Stats | Dirent = entry.isFile() || entry.isDirectory() || entry.isSymbolicLink() ? entry : lstatSync(abs);
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
        files.push(options.sizes ? { path: rel, abs, size: statSync(abs).size } : { path: rel, abs });
      } else {
        problem("SPECIAL_FILE", rel, `${rel} is a ${kindOf(stats)}, not a regular file; remove it or --exclude it.`);
      }
    }
  };
  visit(rootReal, "", new Set([rootReal]));
  return { files: sortByPath(files, (f) => f.path), findings: sortByPath(findings, (f) => f.path) };
}

const UTF8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Node decodes file names as UTF-8, replacing invalid bytes with U+FFFD, so such a name cannot be
 * opened or published under its real name. Where a name shows U+FFFD, the directory is read
 * again as bytes to tell a real U+FFFD from a broken name: lossy name → the name's bytes in hex.
 */
function undecodableNames(dir: string): Map<string, string> {
  const broken = new Map<string, string>();
  for (const bytes of readdirSync(dir, { encoding: "buffer" })) {
    try {
      UTF8.decode(bytes);
    } catch {
      broken.set(bytes.toString("utf8"), bytes.toString("hex"));
    }
  }
  return broken;
}

/** Throws the walk's findings as one error (the first finding's code; every finding attached). */
export function throwOnFindings(result: WalkResult, root: string): WalkedFile[] {
  const [first, ...rest] = result.findings;
  if (!first) return result.files;
  const more = rest.length > 0 ? ` (and ${rest.length} more problem${rest.length === 1 ? "" : "s"}).` : "";
  const message = more ? `${root}: ${first.message.replace(/\.$/, "")}${more}` : `${root}: ${first.message}`;
  throw new BinderyError(first.code, message, { findings: result.findings });
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
  if (pathWithin(rootReal, real) === undefined) return "points outside the directory";
  return { real, stats: statSync(real) };
}

function kindOf(stats: Stats | Dirent): string {
  if (stats.isFIFO()) return "FIFO";
  if (stats.isSocket()) return "socket";
  if (stats.isBlockDevice() || stats.isCharacterDevice()) return "device";
  return "special file";
}
