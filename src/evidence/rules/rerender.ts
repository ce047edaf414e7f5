/**
 * Re-render rule: a derived file (card, report, draft) must equal, byte for byte, its render from
 * the recorded inputs (recorded timestamps included). A builder and its verifier share the render
 * function, so "stale" has exactly one meaning.
 */
import { readFile } from "node:fs/promises";
import { errnoCode } from "../errors.js";
import { finding, type Rule } from "./engine.js";

export interface RerenderOptions {
  /** The derived file's public-safe name. */
  path: string;
  /** Where it is on this machine. */
  abs: string;
  render: () => string | Uint8Array | Promise<string | Uint8Array>;
}

export function rerenderRule(options: RerenderOptions): Rule {
  return {
    rule: "re-render",
    async check() {
      let actual: Buffer;
      try {
        actual = await readFile(options.abs);
      } catch (error) {
        if (errnoCode(error) !== "ENOENT") throw error;
        return [finding("MISSING_FILE", options.path, `${options.path} does not exist; it should be rendered from its recorded inputs.`)];
      }
      const rendered = await options.render();
      const expected = typeof rendered === "string" ? Buffer.from(rendered, "utf8") : Buffer.from(rendered);
      if (actual.equals(expected)) return [];
      return [
        finding("STALE_RENDER", options.path, `${options.path} differs from its render ${firstDifference(expected, actual)}; it was edited or its inputs changed since it was rendered.`, {
          line: differingLine(expected, actual),
        }),
      ];
    },
  };
}

function differingLine(expected: Buffer, actual: Buffer): number {
  const a = expected.toString("utf8").split("\n");
  const b = actual.toString("utf8").split("\n");
  let line = 0;
  while (line < a.length && line < b.length && a[line] === b[line]) line += 1;
  return line + 1;
}

function firstDifference(expected: Buffer, actual: Buffer): string {
  const line = differingLine(expected, actual);
  const want = expected.toString("utf8").split("\n")[line - 1];
  const got = actual.toString("utf8").split("\n")[line - 1];
  const show = (text: string | undefined) => (text === undefined ? "end of file" : JSON.stringify(clip(text)));
  return `at line ${line}: expected ${show(want)}, found ${show(got)}`;
}

function clip(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
