/**
 * Systematic Reed-Solomon parity over GF(2^8) (polynomial x^8 + x^4 + x^3 + x^2 + 1, 0x11d) with
 * a Cauchy generator: parity shard i is the sum over data shards j of C[i][j] * d_j, where
 * C[i][j] = 1 / (x_i + y_j), x_i = i and y_j = parity + j. Every square submatrix of a Cauchy
 * matrix is invertible, so any `data` of the `data + parity` shards recover the rest (an MDS
 * code). With one data shard every coefficient is 1 / (i + parity), so parity shards are scaled
 * copies; bindery calls a 1+N layout "replica" and stores plain copies instead.
 */
import { BinderyError } from "../evidence/errors.js";

const EXP = new Uint8Array(512);
const LOG = new Uint8Array(256);
{
  let x = 1;
  for (let i = 0; i < 255; i += 1) {
    EXP[i] = x;
    LOG[x] = i;
    x <<= 1;
    if (x & 0x100) x ^= 0x11d;
  }
  for (let i = 255; i < 512; i += 1) EXP[i] = EXP[i - 255]!;
}

export function gfMul(a: number, b: number): number {
  return a === 0 || b === 0 ? 0 : EXP[LOG[a]! + LOG[b]!]!;
}

export function gfInv(a: number): number {
  if (a === 0) throw new BinderyError("INTERNAL", "zero has no inverse in GF(256)");
  return EXP[255 - LOG[a]!]!;
}

/** The parity-by-data Cauchy coefficients. */
export function cauchyMatrix(data: number, parity: number): number[][] {
  if (data < 1 || parity < 1 || data + parity > 256) {
    throw new BinderyError("INPUT_INVALID", `an erasure layout needs 1 or more data and parity shards, 256 at most in all; got ${data}+${parity}.`);
  }
  return Array.from({ length: parity }, (_, i) => Array.from({ length: data }, (_, j) => gfInv(i ^ (parity + j))));
}

/** A multiplication table per coefficient: `table[c][b] = c * b`, so encoding is lookups and XORs. */
function mulTable(c: number): Uint8Array {
  const table = new Uint8Array(256);
  for (let b = 0; b < 256; b += 1) table[b] = gfMul(c, b);
  return table;
}

/**
 * Products of a coefficient with every pair of bytes: `table[b0 | b1 << 8] = c*b0 | (c*b1) << 8`,
 * so one lookup multiplies two bytes. 128 KiB each, built once per coefficient.
 */
const PAIR_TABLES = new Map<number, Uint16Array>();
function pairTable(c: number): Uint16Array {
  let table = PAIR_TABLES.get(c);
  if (!table) {
    const single = mulTable(c);
    table = new Uint16Array(65536);
    for (let b1 = 0; b1 < 256; b1 += 1) {
      const high = single[b1]! << 8;
      for (let b0 = 0; b0 < 256; b0 += 1) table[b0 | (b1 << 8)] = single[b0]! | high;
    }
    PAIR_TABLES.set(c, table);
  }
  return table;
}

/** A Uint16Array over the even-length, 2-aligned prefix of `bytes` (empty when misaligned). */
function pairs(bytes: Uint8Array, length: number): Uint16Array {
  if (bytes.byteOffset % 2 !== 0) return new Uint16Array(0);
  return new Uint16Array(bytes.buffer, bytes.byteOffset, length >>> 1);
}

/**
 * Fills each of `parity` (all the same length) with the parity of the data chunks at the same
 * offset. A data chunk shorter than the parity buffers counts as zero-padded. Every output byte
 * is the XOR of one table product per data shard, two bytes per lookup where the buffers allow.
 */
export function encodeParity(matrix: readonly (readonly number[])[], dataChunks: readonly Uint8Array[], parity: readonly Uint8Array[]): void {
  matrix.forEach((row, i) => {
    const out = parity[i]!;
    out.fill(0);
    row.forEach((c, j) => {
      const chunk = dataChunks[j];
      if (!chunk || chunk.length === 0) return;
      const end = Math.min(out.length, chunk.length);
      const wide = pairs(out, end);
      const source = pairs(chunk, end);
      const done = wide.length === source.length ? wide.length * 2 : 0;
      if (done > 0) {
        const table = pairTable(c);
        for (let k = 0; k < wide.length; k += 1) wide[k] = wide[k]! ^ table[source[k]!]!;
      }
      const single = mulTable(c);
      for (let k = done; k < end; k += 1) out[k] = out[k]! ^ single[chunk[k]!]!;
    });
  });
}
