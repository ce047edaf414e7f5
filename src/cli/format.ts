/** Small formatting helpers for human output. */

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"] as const;

export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
}

/** `10,000 files`. (Not toLocaleString: loading ICU for it costs more than the whole walk.) */
export function plural(count: number, noun: string): string {
  const digits = String(count).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${digits} ${noun}${count === 1 ? "" : "s"}`;
}
