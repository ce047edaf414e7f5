// Shared helpers for the benchmarks: timing child processes, peak RSS, and machine facts.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";

export const BIN = fileURLToPath(new URL("../bin/bindery.js", import.meta.url));
const GNU_TIME = "/usr/bin/time";

/** Runs argv once; returns wall seconds and, when GNU time is available, peak RSS in MiB. */
export function run(argv, { cwd, measureRss = false } = {}) {
  const useTime = measureRss && existsSync(GNU_TIME);
  const command = useTime ? [GNU_TIME, "-f", "%M", ...argv] : argv;
  const started = process.hrtime.bigint();
  const result = spawnSync(command[0], command.slice(1), { cwd, encoding: "utf8", maxBuffer: 1 << 30 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) {
    throw new Error(`${argv.join(" ")} failed (${result.status}): ${result.stderr.slice(-500)}`);
  }
  const rssMiB = useTime ? Number(result.stderr.trim().split("\n").at(-1)) / 1024 : undefined;
  return { seconds, rssMiB, stdout: result.stdout };
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Runs each contender `rounds` times, interleaved so drift hits both alike; returns medians. */
export function compare(contenders, rounds) {
  const samples = contenders.map(() => ({ seconds: [], rss: [] }));
  for (let round = 0; round < rounds; round += 1) {
    contenders.forEach((contender, i) => {
      const result = run(contender.argv, contender.options);
      samples[i].seconds.push(result.seconds);
      if (result.rssMiB !== undefined) samples[i].rss.push(result.rssMiB);
    });
  }
  return samples.map((s) => ({ seconds: median(s.seconds), rssMiB: s.rss.length ? Math.max(...s.rss) : undefined }));
}

export function machine() {
  const sha = spawnSync("sha256sum", ["--version"], { encoding: "utf8" }).stdout.split("\n")[0];
  const flags = existsSync("/proc/cpuinfo") ? readFileSync("/proc/cpuinfo", "utf8") : "";
  return {
    cpu: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    cpuHasShaExtensions: /\bsha_ni\b/.test(flags),
    node: process.version,
    sha256sum: sha,
  };
}

export function fmt(value, digits = 2) {
  return value === undefined ? "n/a" : value.toFixed(digits);
}
