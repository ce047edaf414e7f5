#!/usr/bin/env node
// Writes docs/schemas/*.schema.json from the zod schemas (run `npm run schemas` after changing one).
import { writeFileSync } from "node:fs";
import { prettyJson } from "../dist/index.js";
import { jsonSchemas } from "../dist/schemas.js";

for (const [file, schema] of jsonSchemas()) {
  writeFileSync(new URL(`../docs/schemas/${file}`, import.meta.url), prettyJson(schema));
  console.log(`wrote docs/schemas/${file}`);
}
