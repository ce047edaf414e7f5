export * from "./schema.js";
export * from "./preflight.js";
export * from "./run.js";
export * from "./package.js";
export * from "./resume.js";
