#!/usr/bin/env node
// Writes trust/public-good/trusted_root.json: the Sigstore public-good trusted root that
// @sigstore/tuf ships embedded (base64) as the `trusted_root.json` target of its seeds.json.
// Deterministic: the same seeds.json always gives the same bytes (2-space JSON, one final newline,
// keys in their original order). No network. Run: node scripts/trusted-root.mjs [--check]
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";

const MIRROR = "https://tuf-repo-cdn.sigstore.dev";
const require = createRequire(import.meta.url);
const seedsPath = require.resolve("@sigstore/tuf/seeds.json");
const { version } = JSON.parse(readFileSync(require.resolve("@sigstore/tuf/package.json"), "utf8"));
const seed = JSON.parse(readFileSync(seedsPath, "utf8"))[MIRROR];
const embedded = seed?.targets?.["trusted_root.json"];
if (typeof embedded !== "string") throw new Error(`${seedsPath} holds no trusted_root.json target for ${MIRROR}`);

const root = JSON.parse(Buffer.from(embedded, "base64").toString("utf8"));
if (!String(root.mediaType).startsWith("application/vnd.dev.sigstore.trustedroot+json")) {
  throw new Error(`the embedded trusted_root.json has media type ${root.mediaType}, not a Sigstore trusted root`);
}
const text = `${JSON.stringify(root, null, 2)}\n`;
const out = fileURLToPath(new URL("../trust/public-good/trusted_root.json", import.meta.url));
const sha256 = createHash("sha256").update(text).digest("hex");
const tufRoot = JSON.parse(Buffer.from(seed["root.json"], "base64").toString("utf8")).signed;

if (process.argv.includes("--check")) {
  let current = "";
  try {
    current = readFileSync(out, "utf8");
  } catch {}
  if (current !== text) {
    console.error(`trust/public-good/trusted_root.json differs from the root embedded in @sigstore/tuf ${version}; run node scripts/trusted-root.mjs`);
    process.exit(1);
  }
  console.log(`trust/public-good/trusted_root.json matches @sigstore/tuf ${version} (sha256 ${sha256})`);
} else {
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, text);
  console.log(`wrote trust/public-good/trusted_root.json from @sigstore/tuf ${version} seeds.json (TUF root v${tufRoot.version}, expires ${tufRoot.expires})`);
  console.log(`sha256 ${sha256}; ${root.tlogs.length} tlogs, ${root.ctlogs.length} ctlogs, ${root.certificateAuthorities.length} certificate authorities, ${(root.timestampAuthorities ?? []).length} timestamp authorities`);
}
