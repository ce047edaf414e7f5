/**
 * Timestamps in evidence: UTC, whole seconds, `Z` suffix. `SOURCE_DATE_EPOCH` (reproducible-builds.org)
 * replaces the clock so two runs over the same inputs write byte-identical files.
 */
import { BinderyError } from "./errors.js";

/** `YYYY-MM-DDTHH:MM:SSZ`, the only timestamp form bindery writes. */
export const UTC_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/** A real calendar date, YYYY-MM-DD (no 2026-02-30). */
export function isCalendarDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === text;
}

export function formatUtc(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The time to record as `generated_at`: `SOURCE_DATE_EPOCH` when set, else now. */
export function generatedAt(env: NodeJS.ProcessEnv = process.env, now: () => Date = () => new Date()): string {
  const epoch = env.SOURCE_DATE_EPOCH;
  if (epoch === undefined || epoch === "") return formatUtc(now());
  if (!/^\d{1,12}$/.test(epoch)) {
    throw new BinderyError(
      "USAGE",
      `SOURCE_DATE_EPOCH must be a whole number of seconds since 1970-01-01T00:00:00Z, not ${JSON.stringify(epoch)}.`,
    );
  }
  return formatUtc(new Date(Number(epoch) * 1000));
}
