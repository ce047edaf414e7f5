import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { leafHash, merkleRootOfDigests, merkleTreeHash, nodeHash } from "../support/lib.js";

const RFC = readFileSync(new URL("../../rfcs/0005-model-manifest.md", import.meta.url), "utf8");

/** The two tables of the RFC's test vector: leaf data by index, and roots by leaf count. */
function vector(): { leaves: string[]; roots: Map<number, string> } {
  const section = RFC.slice(RFC.indexOf("### Test vector"));
  const rows = [...section.matchAll(/^\| (\d+) \| `([0-9a-f]{64})` \|$/gm)].map((m) => [Number(m[1]), m[2]!] as const);
  const split = rows.findIndex(([n], i) => i > 0 && n === 0);
  return { leaves: rows.slice(0, split).map(([, hex]) => hex), roots: new Map(rows.slice(split)) };
}

describe("Merkle tree hash (RFC 6962)", () => {
  it("matches the test vector in rfcs/0005-model-manifest.md", () => {
    const { leaves, roots } = vector();
    expect(leaves).toHaveLength(5);
    expect(roots.size).toBe(6);
    leaves.forEach((hex, i) => expect(hex).toBe(createHash("sha256").update(`shard-${i}`).digest("hex")));
    for (const [n, root] of roots) expect([n, merkleRootOfDigests(leaves.slice(0, n))]).toEqual([n, root]);
  });

  it("separates leaves from nodes, and one changed leaf changes the root", () => {
    const a = Buffer.alloc(32, 1);
    const b = Buffer.alloc(32, 2);
    expect(leafHash(a).equals(createHash("sha256").update(Buffer.concat([Buffer.of(0), a])).digest())).toBe(true);
    expect(nodeHash(a, b).equals(createHash("sha256").update(Buffer.concat([Buffer.of(1), a, b])).digest())).toBe(true);
    // A two-leaf tree is not the leaf of the concatenation (domain separation).
    expect(merkleTreeHash([a, b]).equals(leafHash(Buffer.concat([a, b])))).toBe(false);
    const c = Buffer.from(b);
    c[31] = c[31]! ^ 1;
    expect(merkleTreeHash([a, c]).equals(merkleTreeHash([a, b]))).toBe(false);
  });
});
