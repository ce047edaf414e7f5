/**
 * Streaming record readers for JSON Lines, CSV and TSV: one pass, constant memory (a record at a
 * time, whatever the file size), and every malformed record named by file and line.
 *
 * - JSON Lines: one JSON object per line; empty lines (after a trailing `\r`) are skipped.
 * - CSV and TSV: RFC 4180 with `,` or a tab as the delimiter. The first record is the header and
 *   names the fields; a quoted field may hold delimiters, `""` and line breaks; CRLF or LF line
 *   ends; blank lines are skipped; every record must have as many fields as the header.
 *
 * A UTF-8 byte-order mark at the start of a file is ignored.
 */
import { createReadStream } from "node:fs";
import { StringDecoder } from "node:string_decoder";
import { BinderyError, inputError } from "../evidence/errors.js";
import { READ_BUFFER_BYTES } from "../evidence/hashing.js";

export const RECORD_FORMATS = ["jsonl", "csv", "tsv"] as const;
export type RecordFormat = (typeof RECORD_FORMATS)[number];

/** The media type Croissant and the Hub expect for each format. */
export const MEDIA_TYPES: Readonly<Record<RecordFormat, string>> = {
  jsonl: "application/jsonlines",
  csv: "text/csv",
  tsv: "text/tab-separated-values",
};

const EXTENSIONS: Readonly<Record<string, RecordFormat>> = {
  ".jsonl": "jsonl",
  ".ndjson": "jsonl",
  ".csv": "csv",
  ".tsv": "tsv",
  ".tab": "tsv",
};

/** The format a file name implies, or undefined for an extension bindery does not read. */
export function formatFromName(path: string): RecordFormat | undefined {
  const dot = path.lastIndexOf(".");
  return dot < 0 ? undefined : EXTENSIONS[path.slice(dot).toLowerCase()];
}

/** A record's fields by name: JSON values for JSON Lines, strings for CSV and TSV. */
export type DataRecord = Readonly<Record<string, unknown>>;

/** One line longer than this is refused: it is not a record stream, and it would not fit in memory. */
export const MAX_RECORD_BYTES = 64 * 1024 * 1024;

export interface ReadRecordsOptions {
  /** How to name the file in errors (default: its path). */
  shown?: string;
}

/**
 * Calls `onRecord` for every record of `file`, in order, with its 1-based line number; returns
 * the number of records. Malformed input throws `INPUT_INVALID` naming the file and line.
 */
export async function readRecords(
  file: string,
  format: RecordFormat,
  onRecord: (record: DataRecord, line: number) => void,
  options: ReadRecordsOptions = {},
): Promise<number> {
  const shown = options.shown ?? file;
  const reader = format === "jsonl" ? new JsonLinesReader(shown, onRecord) : new DelimitedReader(shown, format === "csv" ? "," : "\t", onRecord);
  try {
    for await (const chunk of createReadStream(file, { highWaterMark: READ_BUFFER_BYTES })) reader.push(chunk as Buffer);
  } catch (error) {
    throw inputError(error, shown);
  }
  reader.end();
  return reader.records;
}

function invalid(shown: string, line: number, why: string): BinderyError {
  return new BinderyError("INPUT_INVALID", `${shown} line ${line}: ${why}.`);
}

interface Reader {
  records: number;
  push(chunk: Buffer): void;
  end(): void;
}

const LF = 0x0a;
const CR = 0x0d;

function hasBom(chunk: Buffer): boolean {
  return chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf;
}

/** Splits bytes into lines without decoding more than one line at a time. */
class JsonLinesReader implements Reader {
  records = 0;
  private line = 0;
  private carry: Buffer | undefined;
  private started = false;

  constructor(
    private readonly shown: string,
    private readonly onRecord: (record: DataRecord, line: number) => void,
  ) {}

  push(input: Buffer): void {
    let chunk = input;
    if (!this.started) {
      this.started = true;
      if (hasBom(chunk)) chunk = chunk.subarray(3);
    }
    let start = 0;
    if (this.carry) {
      const newline = chunk.indexOf(LF);
      if (newline < 0) {
        this.carry = Buffer.concat([this.carry, chunk]);
        this.checkLength(this.carry.length);
        return;
      }
      const joined = Buffer.concat([this.carry, chunk.subarray(0, newline)]);
      this.carry = undefined;
      this.take(joined, 0, joined.length);
      start = newline + 1;
    }
    for (;;) {
      const newline = chunk.indexOf(LF, start);
      if (newline < 0) break;
      this.take(chunk, start, newline);
      start = newline + 1;
    }
    if (start < chunk.length) {
      this.carry = chunk.subarray(start);
      this.checkLength(this.carry.length);
    }
  }

  end(): void {
    if (this.carry) this.take(this.carry, 0, this.carry.length);
    this.carry = undefined;
  }

  private checkLength(length: number): void {
    if (length > MAX_RECORD_BYTES) {
      throw invalid(this.shown, this.line + 1, `the line is longer than ${MAX_RECORD_BYTES} bytes`);
    }
  }

  private take(buffer: Buffer, start: number, end: number): void {
    this.line += 1;
    const stop = end > start && buffer[end - 1] === CR ? end - 1 : end;
    if (stop === start) return;
    let value: unknown;
    try {
      value = JSON.parse(buffer.toString("utf8", start, stop));
    } catch (error) {
      throw invalid(this.shown, this.line, `not valid JSON (${(error as Error).message})`);
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw invalid(this.shown, this.line, "a JSON Lines record must be a JSON object");
    }
    this.records += 1;
    this.onRecord(value as DataRecord, this.line);
  }
}

const enum State {
  /** At the start of a field. */
  FieldStart,
  /** Inside a field that did not start with a quote. */
  Unquoted,
  /** Inside a quoted field. */
  Quoted,
  /** Just after a quote inside a quoted field: `""` (an escaped quote) or the field's end. */
  QuoteInQuoted,
}

const QUOTE = 0x22;

/** RFC 4180 records, decoded incrementally (a multi-byte character may straddle two chunks). */
class DelimitedReader implements Reader {
  records = 0;
  private readonly decoder = new StringDecoder("utf8");
  private readonly delimiter: number;
  private state = State.FieldStart;
  private field = "";
  private fields: string[] = [];
  private header: string[] | undefined;
  private line = 1;
  private recordLine = 1;
  private started = false;

  constructor(
    private readonly shown: string,
    delimiter: "," | "\t",
    private readonly onRecord: (record: DataRecord, line: number) => void,
  ) {
    this.delimiter = delimiter.charCodeAt(0);
  }

  push(input: Buffer): void {
    let chunk = input;
    if (!this.started) {
      this.started = true;
      if (hasBom(chunk)) chunk = chunk.subarray(3);
    }
    this.scan(this.decoder.write(chunk));
  }

  end(): void {
    this.scan(this.decoder.end());
    if (this.state === State.Quoted) {
      throw invalid(this.shown, this.recordLine, "a quoted field is never closed");
    }
    this.finishRecord();
  }

  private scan(text: string): void {
    const length = text.length;
    let segment = 0;
    for (let i = 0; i < length; i += 1) {
      const c = text.charCodeAt(i);
      switch (this.state) {
        case State.FieldStart:
          if (c === QUOTE) {
            this.state = State.Quoted;
            segment = i + 1;
          } else if (c === this.delimiter) {
            this.fields.push("");
          } else if (c === LF) {
            this.endLine();
          } else if (c !== CR) {
            this.state = State.Unquoted;
            segment = i;
          }
          break;
        case State.Unquoted:
          if (c === this.delimiter) {
            this.fields.push(this.field + text.slice(segment, i));
            this.field = "";
            this.state = State.FieldStart;
          } else if (c === LF) {
            this.field += text.slice(segment, i);
            this.endLine();
          } else if (c === CR) {
            // A CR ends a CRLF line; a stray one inside a field is dropped.
            this.field += text.slice(segment, i);
            segment = i + 1;
          }
          break;
        case State.Quoted:
          if (c === QUOTE) {
            this.field += text.slice(segment, i);
            this.state = State.QuoteInQuoted;
          } else if (c === LF) {
            this.line += 1;
          }
          break;
        case State.QuoteInQuoted:
          if (c === QUOTE) {
            this.field += '"';
            this.state = State.Quoted;
            segment = i + 1;
          } else if (c === this.delimiter) {
            this.fields.push(this.field);
            this.field = "";
            this.state = State.FieldStart;
          } else if (c === LF) {
            this.endLine();
          } else if (c !== CR) {
            throw invalid(this.shown, this.line, `unexpected ${JSON.stringify(text[i])} after the closing quote of a field`);
          }
          break;
      }
    }
    if (this.state === State.Unquoted || this.state === State.Quoted) {
      this.field += text.slice(segment);
      if (this.field.length > MAX_RECORD_BYTES) {
        throw invalid(this.shown, this.recordLine, `a field is longer than ${MAX_RECORD_BYTES} characters`);
      }
    }
  }

  /** A line feed outside quotes: the end of a record, unless the line was blank. */
  private endLine(): void {
    this.finishRecord();
    this.line += 1;
    this.recordLine = this.line;
  }

  private finishRecord(): void {
    const blank = this.state === State.FieldStart && this.fields.length === 0;
    const fields = this.fields;
    fields.push(this.field);
    this.fields = [];
    this.field = "";
    this.state = State.FieldStart;
    if (blank) return;
    if (!this.header) {
      this.setHeader(fields);
      return;
    }
    if (fields.length !== this.header.length) {
      throw invalid(this.shown, this.recordLine, `${fields.length} field${fields.length === 1 ? "" : "s"}, but the header names ${this.header.length}`);
    }
    // No prototype: a column may be named `__proto__` or `constructor`.
    const record: Record<string, string> = Object.create(null) as Record<string, string>;
    this.header.forEach((name, i) => (record[name] = fields[i]!));
    this.records += 1;
    this.onRecord(record, this.recordLine);
  }

  private setHeader(fields: string[]): void {
    const seen = new Set<string>();
    for (const name of fields) {
      if (name === "") throw invalid(this.shown, this.recordLine, "the header has an empty column name");
      if (seen.has(name)) throw invalid(this.shown, this.recordLine, `the header names column ${JSON.stringify(name)} twice`);
      seen.add(name);
    }
    this.header = fields;
  }
}

/**
 * The number of records `readRecords` would report for a well-formed file, without parsing them:
 * for JSON Lines, the non-empty lines (a byte scan for line feeds, at memory speed); for CSV and
 * TSV, a full pass of the reader (quotes decide where records end). A malformed JSON Lines file
 * is not detected here: its lines are counted as records.
 */
export async function countRecords(file: string, format: RecordFormat, options: ReadRecordsOptions = {}): Promise<number> {
  if (format !== "jsonl") return readRecords(file, format, () => undefined, options);
  const shown = options.shown ?? file;
  let records = 0;
  /** Bytes of the current line seen so far, and whether the last of them was a CR. */
  let pending = 0;
  let lastWasCr = false;
  let first = true;
  const endLine = (length: number, endsWithCr: boolean) => {
    if (length > 1 || (length === 1 && !endsWithCr)) records += 1;
  };
  try {
    for await (const input of createReadStream(file, { highWaterMark: READ_BUFFER_BYTES })) {
      let chunk = input as Buffer;
      if (first) {
        first = false;
        if (hasBom(chunk)) chunk = chunk.subarray(3);
      }
      let start = 0;
      for (let newline = chunk.indexOf(LF); newline >= 0; newline = chunk.indexOf(LF, start)) {
        const endsWithCr = newline > start ? chunk[newline - 1] === CR : lastWasCr;
        endLine(pending + newline - start, endsWithCr);
        pending = 0;
        lastWasCr = false;
        start = newline + 1;
      }
      if (start < chunk.length) {
        pending += chunk.length - start;
        lastWasCr = chunk[chunk.length - 1] === CR;
      }
    }
  } catch (error) {
    throw inputError(error, shown);
  }
  endLine(pending, lastWasCr);
  return records;
}
