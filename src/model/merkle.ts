/**
 * A Merkle tree hash in the style of RFC 6962 (Certificate Transparency), section 2.1:
 *
 *   MTH({})       = SHA-256()
 *   MTH({d0})     = SHA-256(0x00 || d0)                       (leaf)
 *   MTH(D[n])     = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))   (node)
 *
 * where k is the largest power of two smaller than n. The 0x00 / 0x01 prefixes separate leaves
 * from nodes, so no leaf can pose as a subtree. A model manifest's leaves are its shards' raw
 * 32-byte SHA-256 digests, in index order, parity shards included (rfcs/0005-model-manifest.md).
 */
import { createHash } from "node:crypto";

export function leafHash(data: Uint8Array): Buffer {
  return createHash("sha256").update(Uint8Array.of(0)).update(data).digest();
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash("sha256").update(Uint8Array.of(1)).update(left).update(right).digest();
}

/** The Merkle tree hash of `leaves` (each the leaf's data, not yet hashed), as a Buffer. */
export function merkleTreeHash(leaves: readonly Uint8Array[]): Buffer {
  if (leaves.length === 0) return createHash("sha256").digest();
  if (leaves.length === 1) return leafHash(leaves[0]!);
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return nodeHash(merkleTreeHash(leaves.slice(0, k)), merkleTreeHash(leaves.slice(k)));
}

/** The root over shard digests given as lowercase hex, as lowercase hex. */
export function merkleRootOfDigests(digests: readonly string[]): string {
  return merkleTreeHash(digests.map((hex) => Buffer.from(hex, "hex"))).toString("hex");
}
