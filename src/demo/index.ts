export * from "./schema.js";
export * from "./summary.js";
export * from "./render.js";
export * from "./run.js";
export * from "./verify.js";
export * from "./layout.js";
