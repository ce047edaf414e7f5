/**
 * The public-safe path rule: the only place that decides whether a path may appear in evidence.
 *
 * A public-safe path is POSIX, relative, NFC, and free of `..`, backslashes, NUL and control
 * characters, drive letters and home directories. Harmless spellings are normalized (`./a//b`
 * becomes `a/b`); anything else throws `UNSAFE_PATH` (the path could escape or be misread) or
 * `PRIVATE_PATH` (the path reveals the machine it was made on).
 *
 * Names that are not NFC are refused rather than normalized: on a byte-exact file system the
 * normalized name would not open the file it claims to name.
 */
import { homedir, tmpdir } from "node:os";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { BinderyError } from "./errors.js";

/**
 * - `public`: identities and every path written into an artifact.
 * - `filename`: a member of a SHA256SUMS file. A POSIX file name may hold a backslash, a newline,
 *   a carriage return or a tab, and GNU coreutils writes them (escaping the first three), so those
 *   are allowed; other control characters (escape sequences, bell, backspace) could disguise a name
 *   on a terminal and are refused, as in `public`.
 */
export type PathPolicy = "public" | "filename";

const CONTROL = /[\u0000-\u001f\u007f]/;
const CONTROL_BUT_TAB_LF_CR = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const DRIVE = /^[A-Za-z]:/;

/** Normalizes `input` to a public-safe relative path, or throws PRIVATE_PATH / UNSAFE_PATH. */
export function safePath(input: string, policy: PathPolicy = "public"): string {
  const shown = JSON.stringify(input);
  const unsafe = (why: string) => new BinderyError("UNSAFE_PATH", `path ${shown} is not public-safe: ${why}.`);
  const revealing = (why: string) =>
    new BinderyError("PRIVATE_PATH", `path ${shown} is not public-safe: ${why}; use a path relative to the package.`);

  if (input.length === 0) throw unsafe("it is empty");
  if (input.includes("\u0000")) throw unsafe("it contains a NUL byte");
  if (input.startsWith("~")) throw revealing("it names a home directory");
  if (input.startsWith("/")) throw revealing("it is absolute");
  if (input.startsWith("\\\\")) throw revealing("it is a UNC network path");
  if (DRIVE.test(input)) throw revealing("it starts with a drive letter");
  if (policy === "public") {
    if (input.includes("\\")) throw unsafe("it contains a backslash (use `/` as the separator)");
    if (CONTROL.test(input)) throw unsafe("it contains a control character");
  } else if (CONTROL_BUT_TAB_LF_CR.test(input)) {
    throw unsafe("it contains a control character other than tab, newline or carriage return");
  }
  // ASCII is always NFC; only other text pays for ICU's normalization.
  if (!ASCII.test(input) && input.normalize("NFC") !== input) {
    throw unsafe("it is not in Unicode NFC form (rename the file)");
  }
  if (!NEEDS_NORMALIZING.test(input)) return input;

  const segments: string[] = [];
  for (const segment of input.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") throw unsafe("it contains a `..` segment");
    segments.push(segment);
  }
  if (segments.length === 0) throw unsafe("it names no file");
  return segments.join("/");
}

const ASCII = /^[\u0000-\u007f]*$/;
/** An empty, `.` or `..` segment anywhere: the only inputs the slow path changes or refuses. */
const NEEDS_NORMALIZING = /(?:^|\/)\.{0,2}(?:\/|$)/;

/**
 * Where `target` lies under `base`, as a `/`-separated relative path: `""` when it is `base`
 * itself, undefined when it lies outside. The one "is this inside that directory" check.
 */
export function pathWithin(base: string, target: string): string | undefined {
  const rel = relative(resolve(base), resolve(target));
  if (rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return undefined;
  return sep === "/" ? rel : rel.split(sep).join("/");
}

/** True when `safePath` would accept `input` unchanged or normalized. */
export function isSafePath(input: string, policy: PathPolicy = "public"): boolean {
  try {
    safePath(input, policy);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Private paths inside free text (messages, notes, command lines): the public-text rule.

/** URLs are public by nature and exempt; `file:` URLs are local paths and are not. */
const URL_SPAN = /\b(?!file:)[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`)\]]*/gi;
/** A path starts where the previous character cannot continue a word or a relative path. */
const BOUNDARY = String.raw`(?:^|(?<=[^A-Za-z0-9._~-]))`;
const PRIVATE_IN_TEXT: readonly RegExp[] = [
  // Home directories: ~/x, ~user/x, /home/user, /Users/user, /root. (A bare "~5%" means "about".)
  new RegExp(String.raw`${BOUNDARY}~[A-Za-z0-9._-]*/`),
  new RegExp(String.raw`${BOUNDARY}/(?:home|Users)/[^/\s]+`),
  new RegExp(String.raw`${BOUNDARY}/root(?:/|\b)`),
  // Temporary directories on Linux and macOS.
  new RegExp(String.raw`${BOUNDARY}/(?:tmp|var/tmp|var/folders|private/var|private/tmp|dev/shm|run/user)(?:/|\b)`),
  // Windows drive paths and UNC shares.
  new RegExp(String.raw`${BOUNDARY}[A-Za-z]:[\\/]`),
  /\\\\[A-Za-z0-9._-]+\\/,
];

function liveMachinePaths(): string[] {
  const paths = [homedir(), tmpdir(), process.cwd()];
  // "/" or a one-segment path like "/w" would match far too much prose.
  return paths.filter((p) => p.split(/[\\/]/).filter(Boolean).length >= 2);
}

/**
 * Returns the first private path found in `text`, or undefined. URLs are exempt. A string that
 * is itself an absolute path is private; inside prose, only paths under home, temp and drive
 * roots (and this machine's own home, temp and working directories) count, so that wording such
 * as "POST /api/repos/create" is not a finding.
 */
export function findPrivatePath(text: string): string | undefined {
  const withoutUrls = text.replace(URL_SPAN, " ");
  const whole = withoutUrls.trim();
  if (/^\/[^\s/]/.test(whole) && !/\s/.test(whole)) return whole;
  if (/^~(?:[A-Za-z0-9._-]*\/|$)|^[A-Za-z]:[\\/]|^\\\\/.test(whole) && !/\s/.test(whole)) return whole;
  for (const pattern of PRIVATE_IN_TEXT) {
    const match = pattern.exec(withoutUrls);
    if (match) return excerpt(withoutUrls, match.index);
  }
  for (const live of liveMachinePaths()) {
    const at = withoutUrls.indexOf(live);
    if (at >= 0) return excerpt(withoutUrls, at);
  }
  return undefined;
}

function excerpt(text: string, at: number): string {
  const rest = text.slice(at);
  const end = rest.search(/[\s"'`<>)]/);
  return end === -1 ? rest : rest.slice(0, end);
}

// ---------------------------------------------------------------------------------------------
// Ordering: paths sort by their UTF-8 bytes, as `LC_ALL=C sort` does, on every platform.

export function comparePaths(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/**
 * Sorts `items` by the UTF-8 bytes of `key(item)`. JavaScript compares UTF-16 code units, which
 * agrees with UTF-8 byte order except around surrogate pairs (characters above U+FFFF), so only
 * a list holding such a character pays for byte comparisons.
 */
export function sortByPath<T>(items: readonly T[], key: (item: T) => string): T[] {
  const keyed = items.map((item) => ({ item, key: key(item) }));
  if (keyed.some((k) => SURROGATE.test(k.key))) {
    return keyed
      .map(({ item, key: k }) => ({ item, bytes: Buffer.from(k, "utf8") }))
      .sort((a, b) => Buffer.compare(a.bytes, b.bytes))
      .map(({ item }) => item);
  }
  return keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map(({ item }) => item);
}

const SURROGATE = /[\ud800-\udfff]/;
