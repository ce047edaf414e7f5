export * from "./set.js";
export * from "./verify.js";
export * from "./candidate-schema.js";
export * from "./candidate.js";
export * from "./replay.js";
export * from "./publication.js";
export * from "./rehearse.js";
