// Start-up: `bindery --help` against `node -e 0` (the floor any Node CLI pays). Usage:
//   node bench/startup.mjs [--rounds N]
import { parseArgs } from "node:util";
import { BIN, compare, fmt } from "./lib.mjs";

const { values } = parseArgs({ options: { rounds: { type: "string", default: "21" } } });
const rounds = Number(values.rounds);
const [floor, help, subHelp] = compare(
  [
    { argv: [process.execPath, "-e", "0"] },
    { argv: [process.execPath, BIN, "--help"] },
    { argv: [process.execPath, BIN, "checksums", "verify", "--help"] },
  ],
  rounds,
);
console.log(`# bench/startup (median of ${rounds})`);
console.log(`node -e 0                        ${fmt(floor.seconds * 1000, 1)} ms`);
console.log(`bindery --help                   ${fmt(help.seconds * 1000, 1)} ms  (${fmt(help.seconds / floor.seconds)}x node -e 0)`);
console.log(`bindery checksums verify --help  ${fmt(subHelp.seconds * 1000, 1)} ms  (${fmt(subHelp.seconds / floor.seconds)}x node -e 0)`);
