export * from "./pins.js";
export * from "./compare.js";
