export * from "./set.js";
export * from "./verify.js";
