export * from "./schema.js";
export * from "./render.js";
export * from "./draft.js";
export * from "./verify.js";
