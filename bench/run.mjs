// `npm run bench [-- NAME...]`: runs the named benchmarks (default: all) one after another.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const ALL = ["startup", "hash", "dataset", "model", "release", "publish", "rehearse"];
const names = process.argv.slice(2).filter((a) => !a.startsWith("-"));
for (const name of names.length ? names : ALL) {
  if (!ALL.includes(name)) {
    console.error(`unknown benchmark ${name}; choose from ${ALL.join(", ")}`);
    process.exit(2);
  }
  const script = fileURLToPath(new URL(`./${name}.mjs`, import.meta.url));
  const result = spawnSync(process.execPath, [script], { stdio: "inherit" });
  if (result.status !== 0) process.exit(result.status ?? 1);
  console.log();
}
