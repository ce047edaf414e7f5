/**
 * Glob patterns for exclusions (`--exclude`), matched against public-safe relative paths.
 *
 * - `*` matches within one path segment, `?` one character of a segment, `[abc]` / `[!abc]` a
 *   character class, `{a,b}` either alternative, `**` any number of whole segments.
 * - A pattern without `/` matches a file or directory name at any depth (`*.tmp`, `.git`).
 * - A pattern with `/` is anchored at the walk's root (`logs/**`, `cache/*.bin`); a leading `/`
 *   is allowed and means the same.
 * - Excluding a directory excludes everything below it.
 */

export type PathMatcher = (path: string) => boolean;

export function compileGlobs(patterns: readonly string[]): PathMatcher {
  const matchers = patterns.map(compileGlob);
  return (path) => matchers.some((match) => match(path));
}

export function compileGlob(pattern: string): PathMatcher {
  const trimmed = pattern.replace(/\/+$/, "");
  if (!trimmed.includes("/")) {
    const name = new RegExp(`^${translate(trimmed)}$`);
    return (path) => path.split("/").some((segment) => name.test(segment));
  }
  const anchored = new RegExp(`^${translate(trimmed.replace(/^\/+/, ""))}(?:/.*)?$`, "s");
  return (path) => anchored.test(path);
}

function translate(glob: string): string {
  let out = "";
  for (let i = 0; i < glob.length; i += 1) {
    const c = glob[i]!;
    if (c === "*") {
      if (glob[i + 1] === "*") {
        const atStart = i === 0 || glob[i - 1] === "/";
        const atEnd = i + 2 === glob.length || glob[i + 2] === "/";
        if (atStart && atEnd) {
          // `**/` is zero or more segments; a trailing `**` is everything below.
          if (glob[i + 2] === "/") {
            out += "(?:[^/]*/)*";
            i += 2;
          } else {
            out += ".*";
            i += 1;
          }
          continue;
        }
      }
      out += "[^/]*";
    } else if (c === "?") {
      out += "[^/]";
    } else if (c === "[") {
      const close = glob.indexOf("]", i + 2);
      if (close === -1) {
        out += "\\[";
        continue;
      }
      let body = glob.slice(i + 1, close);
      if (body.startsWith("!")) body = `^${body.slice(1)}`;
      out += `[${body.replace(/\\/g, "\\\\")}]`;
      i = close;
    } else if (c === "{") {
      const close = glob.indexOf("}", i);
      if (close === -1) {
        out += "\\{";
        continue;
      }
      out += `(?:${glob.slice(i + 1, close).split(",").map(translate).join("|")})`;
      i = close;
    } else {
      out += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
    }
  }
  return out;
}
