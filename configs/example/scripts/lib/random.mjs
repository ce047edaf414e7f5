// mulberry32: a small seeded pseudo-random generator with uniform output in [0, 1). The same seed
// gives the same sequence on every machine, which is what makes the data, the shuffles and the
// benchmark requests reproducible.
export function mulberry32(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
