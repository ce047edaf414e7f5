/** Row counts and field names of record files (JSON Lines, CSV, TSV): what a demo read and wrote. */
import { formatFromName, readRecords } from "../dataset/records.js";
import type { RecordSummary } from "./schema.js";

/** The summary of `file` (named `shown`), or null when its name is not a record format. */
export async function summarizeRecords(file: string, shown: string): Promise<RecordSummary | null> {
  const format = formatFromName(shown);
  if (!format) return null;
  const fields = new Set<string>();
  const rows = await readRecords(
    file,
    format,
    (record) => {
      for (const key of Object.keys(record)) fields.add(key);
    },
    { shown },
  );
  return { format, rows, fields: [...fields].sort() };
}

export function describeSummary(summary: RecordSummary | null): string {
  if (!summary) return "not a record file";
  return `${summary.rows} ${summary.rows === 1 ? "row" : "rows"}, fields ${summary.fields.length === 0 ? "(none)" : summary.fields.join(", ")}`;
}
