/**
 * bindery as a library: every command is a function usable from TypeScript.
 *
 *   import { writeChecksums, verifyChecksums } from "bindery";
 */
export * from "./evidence/errors.js";
export * from "./evidence/paths.js";
export * from "./evidence/identity.js";
export * from "./evidence/hashing.js";
export * from "./evidence/walk.js";
export * from "./evidence/glob.js";
export * from "./evidence/sha256sums.js";
export * from "./evidence/seal.js";
export * from "./evidence/canonical-json.js";
export * from "./evidence/atomic.js";
export * from "./evidence/time.js";
export * from "./evidence/tool.js";
export * from "./evidence/artifact.js";
export * from "./evidence/envelope.js";
export * from "./evidence/author-input.js";
export * from "./evidence/rules/index.js";
export * from "./evidence/secrets.js";
export * from "./schemas.js";
export * from "./dataset/index.js";
export * from "./model/index.js";
export * from "./evidence/argv.js";
export * from "./training/index.js";
export * from "./eval/aggregate.js";
export * from "./eval/efficiency.js";
export * from "./evidence/bounded-log.js";
export * from "./evidence/probe.js";
export * from "./config/config.js";
export * from "./demo/index.js";
export * from "./paper/index.js";
export * from "./release/index.js";
export * from "./config/settings.js";
export * from "./hub/index.js";
export * from "./emulators/index.js";
export * from "./versioning/index.js";
export * from "./signing/index.js";
export * from "./gate/index.js";
