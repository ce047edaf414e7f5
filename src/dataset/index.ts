export * from "./records.js";
export * from "./inputs.js";
export * from "./schema.js";
export * from "./integrity.js";
export * from "./render.js";
export * from "./package.js";
export * from "./verify.js";
export * from "./snapshot.js";
