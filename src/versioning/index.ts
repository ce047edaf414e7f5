export * from "./pins.js";
export * from "./compare.js";
export * from "./changelog.js";
export * from "./pack.js";
