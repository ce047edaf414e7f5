export * from "./merkle.js";
export * from "./erasure.js";
export * from "./manifest.js";
export * from "./package.js";
export * from "./verify.js";
