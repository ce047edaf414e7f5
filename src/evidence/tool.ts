/** bindery's own name and version, as recorded in every report's `tool` field. */
import { readFileSync } from "node:fs";

function readVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return manifest.version;
}

export const TOOL_NAME = "bindery";
export const TOOL_VERSION: string = readVersion();
