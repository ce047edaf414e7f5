export * from "./engine.js";
export * from "./identity.js";
export * from "./exact-set.js";
export * from "./rerender.js";
export * from "./agreement.js";
export * from "./generator.js";
export * from "./text.js";
