export * from "./schema.js";
export * from "./limits.js";
export * from "./remote.js";
export * from "./plan.js";
export * from "./http.js";
export { publishPlan, type PublishOptions, type PublishResult } from "./publish.js";
export { gitBlobSha1 } from "./publish-hub.js";
export { changelogSection } from "./publish-github.js";
