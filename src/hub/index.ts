export * from "./schema.js";
export * from "./limits.js";
export * from "./remote.js";
export * from "./plan.js";
