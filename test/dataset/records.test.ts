/**
 * The streaming record readers (JSON Lines, CSV, TSV): exact records and line numbers on small
 * hand-written files, exact errors on malformed ones, and large generated files whose awkward
 * bytes (a split multi-byte character, a split `""`, a split CRLF) are placed on the read-buffer
 * boundary on purpose.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  BinderyError,
  countRecords,
  formatFromName,
  READ_BUFFER_BYTES,
  readRecords,
  type DataRecord,
  type ReadRecordsOptions,
  type RecordFormat,
} from "../support/lib.js";
import { tempDir, writeTree } from "../support/tmp.js";

interface Row {
  record: DataRecord;
  line: number;
}

/** Writes `content` to a fresh temp file and returns its path. */
function file(name: string, content: string | Uint8Array): string {
  const dir = tempDir();
  writeTree(dir, { [name]: content });
  return join(dir, name);
}

async function collect(path: string, format: RecordFormat, options: ReadRecordsOptions = {}): Promise<{ count: number; rows: Row[] }> {
  const rows: Row[] = [];
  const count = await readRecords(path, format, (record, line) => rows.push({ record, line }), options);
  return { count, rows };
}

/** The BinderyError readRecords rejects with (fails the test if it resolves or throws anything else). */
async function failure(path: string, format: RecordFormat, options: ReadRecordsOptions = {}): Promise<BinderyError> {
  let caught: unknown;
  try {
    await readRecords(path, format, () => {}, options);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(BinderyError);
  return caught as BinderyError;
}

const MiB = 1024 * 1024;

/** A deterministic pseudo-random source in [0, 1). */
function random(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return x / 2 ** 32;
  };
}

/** Pieces of text chosen to be awkward: multi-byte (2, 3 and 4 bytes), delimiters, quotes, line breaks. */
const PIECES = ["a", "b", "Z", "7", " ", "é", "名", "😀", ",", '"', "\t", "\\", "\n", "\r\n", "ß", "字"];

function text(next: () => number, maxPieces: number): string {
  const n = Math.floor(next() * (maxPieces + 1));
  const out: string[] = [];
  for (let i = 0; i < n; i += 1) out.push(PIECES[Math.floor(next() * PIECES.length)]!);
  return out.join("");
}

/**
 * Rows equal, in order, with the same key order (JSON text is compared: deep equality on tens of
 * thousands of rows is slow); the first differing row is shown as a diff.
 */
function expectSameRows(rows: readonly Row[], expected: readonly Row[]): void {
  expect(rows.length).toBe(expected.length);
  const first = rows.findIndex((row, i) => JSON.stringify(row) !== JSON.stringify(expected[i]));
  if (first >= 0) expect({ index: first, row: rows[first] }).toEqual({ index: first, row: expected[first] });
  expect(first).toBe(-1);
}

/** Accumulates a file's text, tracking its UTF-8 size and line feeds so far. */
class FileText {
  private readonly parts: string[] = [];
  bytes = 0;
  lineFeeds = 0;

  add(part: string): void {
    this.parts.push(part);
    this.bytes += Buffer.byteLength(part);
    for (let i = part.indexOf("\n"); i >= 0; i = part.indexOf("\n", i + 1)) this.lineFeeds += 1;
  }

  /**
   * Adds `head(pad) + tail` with an ASCII pad sized so that `tail` starts `before` bytes ahead of
   * byte offset `boundary`; returns the pad.
   */
  place(boundary: number, before: number, head: (pad: string) => string, tail: string): string {
    const padLength = boundary - before - this.bytes - Buffer.byteLength(head(""));
    if (padLength < 0) throw new Error("placed too late");
    const pad = "x".repeat(padLength);
    this.add(head(pad) + tail);
    return pad;
  }

  bytesOf(): Buffer {
    return Buffer.from(this.parts.join(""), "utf8");
  }
}

const isContinuationByte = (byte: number | undefined) => byte !== undefined && (byte & 0xc0) === 0x80;

describe("readRecords: JSON Lines", () => {
  it("reads one object per line, with 1-based line numbers, and returns the count", async () => {
    const path = file("a.jsonl", '{"a":1,"b":"x"}\n{"a":2,"nested":{"c":[1,2,null]},"s":"é名😀"}\n{}\n');
    const { count, rows } = await collect(path, "jsonl");
    expect(count).toBe(3);
    expect(rows).toEqual([
      { record: { a: 1, b: "x" }, line: 1 },
      { record: { a: 2, nested: { c: [1, 2, null] }, s: "é名😀" }, line: 2 },
      { record: {}, line: 3 },
    ]);
  });

  it("accepts CRLF line ends, a blank CRLF line included", async () => {
    const path = file("a.jsonl", '{"a":1}\r\n\r\n{"a":"two"}\r\n');
    const { count, rows } = await collect(path, "jsonl");
    expect(count).toBe(2);
    expect(rows).toEqual([
      { record: { a: 1 }, line: 1 },
      { record: { a: "two" }, line: 3 },
    ]);
  });

  it("skips empty lines but still counts them in line numbers", async () => {
    const path = file("a.jsonl", '\n{"a":1}\n\n\n{"a":2}\n\n');
    const { count, rows } = await collect(path, "jsonl");
    expect(count).toBe(2);
    expect(rows).toEqual([
      { record: { a: 1 }, line: 2 },
      { record: { a: 2 }, line: 5 },
    ]);
  });

  it("reads the last line when there is no final newline", async () => {
    const path = file("a.jsonl", '{"a":1}\n{"a":2}');
    const { count, rows } = await collect(path, "jsonl");
    expect(count).toBe(2);
    expect(rows).toEqual([
      { record: { a: 1 }, line: 1 },
      { record: { a: 2 }, line: 2 },
    ]);
  });

  it("reads an empty file as zero records", async () => {
    const { count, rows } = await collect(file("a.jsonl", ""), "jsonl");
    expect(count).toBe(0);
    expect(rows).toEqual([]);
  });

  it("ignores a UTF-8 byte-order mark at the start", async () => {
    const path = file("a.jsonl", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"k":"v"}\n{"k":"w"}\n')]));
    const { count, rows } = await collect(path, "jsonl");
    expect(count).toBe(2);
    expect(rows).toEqual([
      { record: { k: "v" }, line: 1 },
      { record: { k: "w" }, line: 2 },
    ]);
  });

  it("refuses a line that is not JSON, naming the file and line, after the records before it", async () => {
    const path = file("a.jsonl", '{"a":1}\n\n{"a":\n{"a":3}\n');
    const rows: Row[] = [];
    const attempt = readRecords(path, "jsonl", (record, line) => rows.push({ record, line }));
    await expect(attempt).rejects.toThrow(BinderyError);
    await expect(attempt).rejects.toMatchObject({ code: "INPUT_INVALID" });
    const error = await failure(path, "jsonl");
    expect(error.message).toContain(`${path} line 3: not valid JSON (`);
    expect(rows).toEqual([{ record: { a: 1 }, line: 1 }]);
  });

  it("refuses a line that is JSON but not an object", async () => {
    for (const [value, line] of [
      ["[1,2]", 2],
      ["42", 2],
      ['"text"', 2],
      ["null", 2],
      ["true", 2],
    ] as const) {
      const path = file("a.jsonl", `{"ok":true}\n${value}\n`);
      const error = await failure(path, "jsonl");
      expect(error.code).toBe("INPUT_INVALID");
      expect(error.message).toBe(`${path} line ${line}: a JSON Lines record must be a JSON object.`);
    }
  });

  it("names the file as `shown` says in its errors", async () => {
    const path = file("a.jsonl", '{"a":1}\n{"a":2}\n[3]\n');
    const error = await failure(path, "jsonl", { shown: "data/train.jsonl" });
    expect(error.code).toBe("INPUT_INVALID");
    expect(error.message).toBe("data/train.jsonl line 3: a JSON Lines record must be a JSON object.");
    const broken = await failure(file("b.jsonl", "{oops}\n"), "jsonl", { shown: "data/test.jsonl" });
    expect(broken.message).toMatch(/^data\/test\.jsonl line 1: not valid JSON \(/);
  });

  it("reads ~5 MiB across read-buffer boundaries: a 4-byte character and a CRLF blank line split between chunks", async () => {
    const next = random(11);
    const out = new FileText();
    const expected: Row[] = [];
    let id = 0;

    // An emoji whose 4 bytes straddle the first boundary, 2 and 2.
    const emojiAt = READ_BUFFER_BYTES;
    // A blank CRLF line whose CR is the last byte of the second chunk and LF the first of the third.
    const crlfAt = 2 * READ_BUFFER_BYTES;
    let placedEmoji = false;
    let placedCrlf = false;

    while (out.bytes < 5 * MiB) {
      id += 1;
      if (!placedEmoji && out.bytes > emojiAt - 4096) {
        const line = out.lineFeeds + 1;
        const head = (pad: string) => `{"id":${id},"text":"${pad}`;
        const pad = out.place(emojiAt, 2, head, '😀 straddles"}\n');
        expected.push({ record: { id, text: `${pad}😀 straddles` }, line });
        placedEmoji = true;
        continue;
      }
      if (!placedCrlf && out.bytes > crlfAt - 4096) {
        const line = out.lineFeeds + 1;
        const head = (pad: string) => `{"id":${id},"text":"${pad}"}`;
        const pad = out.place(crlfAt, 3, head, "\r\n\r\n");
        expected.push({ record: { id, text: pad }, line });
        placedCrlf = true;
        continue;
      }
      const record = {
        id,
        text: text(next, 40),
        meta: { flag: next() < 0.5, tags: [text(next, 3), text(next, 3)], n: Math.floor(next() * 1e9) - 5e8 },
      };
      expected.push({ record, line: out.lineFeeds + 1 });
      out.add(JSON.stringify(record) + (next() < 0.2 ? "\r\n" : "\n"));
      if (next() < 0.05) out.add(next() < 0.5 ? "\n" : "\r\n");
    }

    const bytes = out.bytesOf();
    // The awkward bytes really sit on the boundaries (these guard the construction above).
    expect(bytes.length).toBeGreaterThan(2 * READ_BUFFER_BYTES);
    expect(bytes.subarray(emojiAt - 2, emojiAt + 2).toString("utf8")).toBe("😀");
    expect(isContinuationByte(bytes[emojiAt])).toBe(true);
    expect([...bytes.subarray(crlfAt - 3, crlfAt + 1)]).toEqual([0x0d, 0x0a, 0x0d, 0x0a]);

    const path = file("big.jsonl", bytes);
    const { count, rows } = await collect(path, "jsonl");
    expect(count).toBe(expected.length);
    expectSameRows(rows, expected);
  });
});

describe("readRecords: CSV", () => {
  it("names fields by the header and gives every value as a string", async () => {
    const path = file("a.csv", "name,age,score\nAda,36,1.5\nAlan,41,\n");
    const { count, rows } = await collect(path, "csv");
    expect(count).toBe(2);
    expect(rows).toEqual([
      { record: { name: "Ada", age: "36", score: "1.5" }, line: 2 },
      { record: { name: "Alan", age: "41", score: "" }, line: 3 },
    ]);
  });

  it("reads quoted fields holding commas, doubled quotes and line breaks, numbering a record by its first line", async () => {
    const path = file("a.csv", 'id,text,n\n1,"a, b",x\n2,"say ""hi""",y\n3,"two\nlines\nhere",z\n4,after,"w"\n5,"",""""\n');
    const { count, rows } = await collect(path, "csv");
    expect(count).toBe(5);
    expect(rows).toEqual([
      { record: { id: "1", text: "a, b", n: "x" }, line: 2 },
      { record: { id: "2", text: 'say "hi"', n: "y" }, line: 3 },
      { record: { id: "3", text: "two\nlines\nhere", n: "z" }, line: 4 },
      { record: { id: "4", text: "after", n: "w" }, line: 7 },
      { record: { id: "5", text: "", n: '"' }, line: 8 },
    ]);
  });

  it("accepts CRLF line ends, keeping a CRLF inside quotes as data", async () => {
    const path = file("a.csv", 'a,b\r\n1,2\r\n"x\r\ny",3\r\n"q",4\r\n');
    const { count, rows } = await collect(path, "csv");
    expect(count).toBe(3);
    expect(rows).toEqual([
      { record: { a: "1", b: "2" }, line: 2 },
      { record: { a: "x\r\ny", b: "3" }, line: 3 },
      { record: { a: "q", b: "4" }, line: 5 },
    ]);
  });

  it("skips blank lines, before the header too, and counts them in line numbers", async () => {
    const path = file("a.csv", "\na,b\n\n1,2\n\r\n\n3,4\n\n");
    const { count, rows } = await collect(path, "csv");
    expect(count).toBe(2);
    expect(rows).toEqual([
      { record: { a: "1", b: "2" }, line: 4 },
      { record: { a: "3", b: "4" }, line: 7 },
    ]);
  });

  it("reads empty fields, in the middle, everywhere and after a trailing comma", async () => {
    const path = file("a.csv", "a,b,c\n1,,3\n,,\nx,y,\n,q,\np,q,");
    const { count, rows } = await collect(path, "csv");
    expect(count).toBe(5);
    expect(rows).toEqual([
      { record: { a: "1", b: "", c: "3" }, line: 2 },
      { record: { a: "", b: "", c: "" }, line: 3 },
      { record: { a: "x", b: "y", c: "" }, line: 4 },
      { record: { a: "", b: "q", c: "" }, line: 5 },
      { record: { a: "p", b: "q", c: "" }, line: 6 },
    ]);
  });

  it("reads a header-only file, with or without a final newline, and an empty file, as zero records", async () => {
    for (const content of ["a,b,c\n", "a,b,c", "a,b,c\r\n\n", ""]) {
      const { count, rows } = await collect(file("a.csv", content), "csv");
      expect(count).toBe(0);
      expect(rows).toEqual([]);
    }
  });

  it("reads the last record when there is no final newline, quoted or not", async () => {
    for (const [last, value] of [
      ["end", "end"],
      ['"e,nd"', "e,nd"],
    ] as const) {
      const { count, rows } = await collect(file("a.csv", `k,v\n1,${last}`), "csv");
      expect(count).toBe(1);
      expect(rows).toEqual([{ record: { k: "1", v: value }, line: 2 }]);
    }
  });

  it("ignores a UTF-8 byte-order mark, so the first column keeps its name", async () => {
    const path = file("a.csv", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("id,name\n1,é\n")]));
    const { count, rows } = await collect(path, "csv");
    expect(count).toBe(1);
    expect(rows).toEqual([{ record: { id: "1", name: "é" }, line: 2 }]);
    expect(Object.keys(rows[0]!.record)).toEqual(["id", "name"]);
  });

  it("refuses a record with the wrong number of fields, naming its line and both counts", async () => {
    const fewer = file("a.csv", "a,b,c\n1,2,3\n4,5\n");
    const error = await failure(fewer, "csv");
    expect(error.code).toBe("INPUT_INVALID");
    expect(error.message).toBe(`${fewer} line 3: 2 fields, but the header names 3.`);

    const more = await failure(file("b.csv", "a,b\n1,2,3,4\n"), "csv", { shown: "b.csv" });
    expect(more.message).toBe("b.csv line 2: 4 fields, but the header names 2.");

    const one = await failure(file("c.csv", "a,b\n\n\nonly\n"), "csv", { shown: "c.csv" });
    expect(one.message).toBe("c.csv line 4: 1 field, but the header names 2.");

    // A record spread over lines by a quoted line break is named by its first line.
    const spread = await failure(file("d.csv", 'a,b\n1,2\n"x\ny\nz",w,v\n'), "csv", { shown: "d.csv" });
    expect(spread.message).toBe("d.csv line 3: 3 fields, but the header names 2.");
  });

  it("refuses a quoted field that is never closed, naming the line the record starts on", async () => {
    const path = file("a.csv", 'a,b\n1,2\n3,"open\nmore\n');
    const error = await failure(path, "csv");
    expect(error.code).toBe("INPUT_INVALID");
    expect(error.message).toBe(`${path} line 3: a quoted field is never closed.`);
  });

  it("refuses a character after a closing quote", async () => {
    const path = file("a.csv", 'a,b\n"a"b,c\n');
    const error = await failure(path, "csv");
    expect(error.code).toBe("INPUT_INVALID");
    expect(error.message).toBe(`${path} line 2: unexpected "b" after the closing quote of a field.`);

    const space = await failure(file("b.csv", 'a,b\n1,2\n"x" ,y\n'), "csv", { shown: "b.csv" });
    expect(space.message).toBe('b.csv line 3: unexpected " " after the closing quote of a field.');
  });

  it("refuses a header that names a column twice or leaves a name empty", async () => {
    const twice = await failure(file("a.csv", "a,b,a\n1,2,3\n"), "csv", { shown: "a.csv" });
    expect(twice.code).toBe("INPUT_INVALID");
    expect(twice.message).toBe('a.csv line 1: the header names column "a" twice.');

    const quotedTwice = await failure(file("b.csv", '\n\nx,"x"\n'), "csv", { shown: "b.csv" });
    expect(quotedTwice.message).toBe('b.csv line 3: the header names column "x" twice.');

    for (const header of ["a,,c", "a,b,", ",a", '""']) {
      const empty = await failure(file("c.csv", `${header}\n1,2,3\n`), "csv", { shown: "c.csv" });
      expect(empty.code).toBe("INPUT_INVALID");
      expect(empty.message).toBe("c.csv line 1: the header has an empty column name.");
    }
  });

  it("reads ~5 MiB across read-buffer boundaries: a split 3-byte character in quotes and a split doubled quote", async () => {
    const next = random(23);
    const out = new FileText();
    const expected: Row[] = [];
    const quote = (value: string) => (/[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);
    out.add("id,name,note\n");

    // 名 inside a quoted field with its first byte ending the first chunk.
    const charAt = READ_BUFFER_BYTES;
    // The two quotes of an escaped `""` split between the second and third chunks.
    const quotesAt = 2 * READ_BUFFER_BYTES;
    let placedChar = false;
    let placedQuotes = false;
    let id = 0;

    while (out.bytes < 5 * MiB) {
      id += 1;
      if (!placedChar && out.bytes > charAt - 4096) {
        const line = out.lineFeeds + 1;
        const pad = out.place(charAt, 1, (p) => `${id},"${p}`, '名, quoted",tail\r\n');
        expected.push({ record: { id: String(id), name: `${pad}名, quoted`, note: "tail" }, line });
        placedChar = true;
        continue;
      }
      if (!placedQuotes && out.bytes > quotesAt - 4096) {
        const line = out.lineFeeds + 1;
        const pad = out.place(quotesAt, 1, (p) => `${id},"${p}say `, '""hi""\nthere",é\n');
        expected.push({ record: { id: String(id), name: `${pad}say "hi"\nthere`, note: "é" }, line });
        placedQuotes = true;
        continue;
      }
      const name = text(next, 30);
      const note = text(next, 12);
      expected.push({ record: { id: String(id), name, note }, line: out.lineFeeds + 1 });
      out.add(`${id},${quote(name)},${quote(note)}${next() < 0.3 ? "\r\n" : "\n"}`);
      if (next() < 0.03) out.add("\n");
    }

    const bytes = out.bytesOf();
    expect(bytes.length).toBeGreaterThan(2 * READ_BUFFER_BYTES);
    expect(bytes.subarray(charAt - 1, charAt + 2).toString("utf8")).toBe("名");
    expect(isContinuationByte(bytes[charAt])).toBe(true);
    expect(bytes.subarray(quotesAt - 5, quotesAt + 1).toString("utf8")).toBe('say ""');
    // Some generated records really do hold quoted line breaks, so record lines differ from row indexes.
    expect(expected.filter((row) => typeof row.record["name"] === "string" && row.record["name"].includes("\n")).length).toBeGreaterThan(1000);

    const path = file("big.csv", bytes);
    const { count, rows } = await collect(path, "csv");
    expect(count).toBe(expected.length);
    expectSameRows(rows, expected);
  });
});

describe("readRecords: TSV", () => {
  it("splits on tabs only: commas are plain text, and a quoted field may hold a tab", async () => {
    const path = file("a.tsv", 'name\tnote\nAda\tone, two\n"tab\there"\t"q ""x"""\n\t\n');
    const { count, rows } = await collect(path, "tsv");
    expect(count).toBe(3);
    expect(rows).toEqual([
      { record: { name: "Ada", note: "one, two" }, line: 2 },
      { record: { name: "tab\there", note: 'q "x"' }, line: 3 },
      { record: { name: "", note: "" }, line: 4 },
    ]);
  });

  it("counts fields by tabs when refusing a record", async () => {
    const path = file("a.tsv", "a\tb\n1,2\n");
    const error = await failure(path, "tsv", { shown: "a.tsv" });
    expect(error.code).toBe("INPUT_INVALID");
    expect(error.message).toBe("a.tsv line 2: 1 field, but the header names 2.");
  });
});

describe("formatFromName", () => {
  it("maps record extensions to formats, ignoring case, and anything else to undefined", () => {
    const cases: [string, RecordFormat | undefined][] = [
      ["train.jsonl", "jsonl"],
      ["data/split.v2/test.ndjson", "jsonl"],
      ["a.csv", "csv"],
      ["archive.tar.csv", "csv"],
      ["a.tsv", "tsv"],
      ["a.tab", "tsv"],
      ["TRAIN.JSONL", "jsonl"],
      ["Data.Csv", "csv"],
      ["x.NDJSON", "jsonl"],
      ["x.TsV", "tsv"],
      ["x.TAB", "tsv"],
      ["a.json", undefined],
      ["a.csv.gz", undefined],
      ["a.parquet", undefined],
      ["README", undefined],
      ["dir.csv/file", undefined],
      ["csv", undefined],
      ["", undefined],
    ];
    for (const [name, format] of cases) expect([name, formatFromName(name)]).toEqual([name, format]);
  });
});

describe("readRecords: a missing file", () => {
  it("is INPUT_NOT_FOUND, named as shown, in every format", async () => {
    const dir = tempDir();
    for (const format of ["jsonl", "csv", "tsv"] as const) {
      const path = join(dir, `missing.${format}`);
      const attempt = readRecords(path, format, () => {});
      await expect(attempt).rejects.toThrow(BinderyError);
      await expect(attempt).rejects.toMatchObject({ code: "INPUT_NOT_FOUND", message: `file ${path} does not exist.` });
      const shown = await failure(path, format, { shown: `data/missing.${format}` });
      expect(shown.code).toBe("INPUT_NOT_FOUND");
      expect(shown.message).toBe(`file data/missing.${format} does not exist.`);
    }
  });
});

describe("readRecords: field names", () => {
  it("keeps a CSV column named __proto__ or constructor as an own field", async () => {
    const { count, rows } = await collect(file("a.csv", "__proto__,constructor,b\nx,y,z\n"), "csv");
    expect(count).toBe(1);
    expect(Object.keys(rows[0]!.record)).toEqual(["__proto__", "constructor", "b"]);
    expect(rows[0]!.record["__proto__"]).toBe("x");
    expect(rows[0]!.record["constructor"]).toBe("y");
  });
});

describe("countRecords", () => {
  it("counts what readRecords reads, without parsing JSON Lines", async () => {
    const cases: [string, RecordFormat, string, number][] = [
      ["plain.jsonl", "jsonl", '{"a":1}\n{"a":2}\n', 2],
      ["no-final-newline.jsonl", "jsonl", '{"a":1}\n{"a":2}', 2],
      ["blank-lines.jsonl", "jsonl", '\n{"a":1}\r\n\r\n\n{"a":2}\r\n', 2],
      ["bom.jsonl", "jsonl", '\ufeff{"a":1}\n', 1],
      ["empty.jsonl", "jsonl", "", 0],
      ["quoted.csv", "csv", 'a,b\n1,"x\ny"\n\n2,z\n', 2],
      ["header-only.tsv", "tsv", "a\tb\n", 0],
    ];
    for (const [name, format, content, expected] of cases) {
      const path = file(name, content);
      expect([name, await countRecords(path, format)]).toEqual([name, expected]);
      expect([name, (await collect(path, format)).count]).toEqual([name, expected]);
    }
  });

  it("does not count a blank CRLF line whose CR and LF fall in different read chunks", async () => {
    const head = '{"a":"';
    const tail = '"}\n';
    const first = head + "x".repeat(READ_BUFFER_BYTES - 1 - head.length - tail.length) + tail;
    const content = `${first}\r\n{"b":1}`;
    expect(Buffer.byteLength(first)).toBe(READ_BUFFER_BYTES - 1);
    const path = file("boundary.jsonl", content);
    expect(await countRecords(path, "jsonl")).toBe(2);
    expect((await collect(path, "jsonl")).count).toBe(2);
  });

  it("is INPUT_NOT_FOUND for a missing file", async () => {
    await expect(countRecords(join(tempDir(), "missing.jsonl"), "jsonl", { shown: "data/missing.jsonl" })).rejects.toMatchObject({
      code: "INPUT_NOT_FOUND",
      message: "file data/missing.jsonl does not exist.",
    });
  });
});
