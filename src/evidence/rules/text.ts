/**
 * Text rules over every string of an artifact (keys included) or over a text file:
 * - public text: no absolute path, home directory or temp directory (URLs exempt);
 * - placeholder: no TODO, TBD, lorem ipsum, dummy... in release text, unless explicitly allowed
 *   (then they are warnings, still listed).
 */
import { findPrivatePath } from "../paths.js";
import { finding, type Finding, type Rule } from "./engine.js";

/** The placeholder wording refused in release text (matched as whole words, any case). */
export const PLACEHOLDER_WORDS = ["TODO", "TBD", "TBA", "FIXME", "lorem ipsum", "dummy", "placeholder"] as const;
const PLACEHOLDER = new RegExp(`\\b(?:${PLACEHOLDER_WORDS.map((w) => w.replace(/ /g, "\\s+")).join("|")})\\b`, "i");

export function findPlaceholder(text: string): string | undefined {
  return PLACEHOLDER.exec(text)?.[0];
}

/** Where a string sits: a JSON pointer into a document, or a line of a text file. */
type Location = { field: string } | { line: number };

/** Calls `visit` for every string in `value`, object keys included, with its JSON pointer. */
export function visitStrings(value: unknown, visit: (text: string, field: string) => void, pointer = ""): void {
  if (typeof value === "string") {
    visit(value, pointer);
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => visitStrings(item, visit, `${pointer}/${index}`));
  } else if (typeof value === "object" && value !== null) {
    for (const [key, member] of Object.entries(value)) {
      const field = `${pointer}/${key.replace(/~/g, "~0").replace(/\//g, "~1")}`;
      visit(key, field);
      visitStrings(member, visit, field);
    }
  }
}

/** The strings of a document (with pointers) or the lines of a text (with line numbers). */
function texts(subject: { document: unknown } | { text: string }): [string, Location][] {
  const out: [string, Location][] = [];
  if ("text" in subject) subject.text.split("\n").forEach((line, i) => out.push([line, { line: i + 1 }]));
  else visitStrings(subject.document, (text, field) => out.push([text, { field }]));
  return out;
}

function where(location: Location): string {
  return "line" in location ? `line ${location.line}` : `field ${location.field || "/"}`;
}

export type TextSubject = { path: string } & ({ document: unknown } | { text: string });

export function publicTextRule(subject: TextSubject): Rule {
  return {
    rule: "public-text",
    check() {
      const findings: Finding[] = [];
      for (const [text, location] of texts(subject)) {
        const leaked = findPrivatePath(text);
        if (leaked === undefined) continue;
        findings.push(
          finding("PRIVATE_PATH", subject.path, `${subject.path} ${where(location)} holds the private path ${JSON.stringify(leaked)}; evidence must use package-relative paths.`, location),
        );
      }
      return findings;
    },
  };
}

export function placeholderRule(subject: TextSubject & { allowPlaceholders?: boolean }): Rule {
  return {
    rule: "placeholder",
    check() {
      const findings: Finding[] = [];
      for (const [text, location] of texts(subject)) {
        const word = findPlaceholder(text);
        if (word === undefined) continue;
        const found = finding("PLACEHOLDER_TEXT", subject.path, `${subject.path} ${where(location)} holds placeholder wording ${JSON.stringify(word)}; finish the text or pass --allow-placeholders for a draft.`, location);
        findings.push(subject.allowPlaceholders ? { ...found, severity: "warning" } : found);
      }
      return findings;
    },
  };
}
