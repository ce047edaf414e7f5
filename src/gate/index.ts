export * from "./gate.js";
export * from "./schema.js";
export * from "./output.js";
