import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { BinderyError, canonicalHash, canonicalJson, prettyJson } from "../support/lib.js";

describe("canonical JSON (RFC 8785 style)", () => {
  it("sorts keys by UTF-16 code units and drops whitespace", () => {
    // The key-ordering example of RFC 8785 section 3.2.3.
    const value = {
      "\u20ac": "Euro Sign",
      "\r": "Carriage Return",
      "\ufb33": "Hebrew Letter Dalet With Dagesh",
      "1": "One",
      "\ud83d\ude00": "Emoji: Grinning Face",
      "\u0080": "Control",
      "\u00f6": "Latin Small Letter O With Diaeresis",
    };
    // Read the order off the serialized text: reparsing would move the integer-like key "1" first.
    const keys = [...canonicalJson(value).matchAll(/"((?:[^"\\]|\\.)*)":/g)].map((m) => JSON.parse(`"${m[1]}"`) as string);
    expect(keys).toEqual(["\r", "1", "\u0080", "\u00f6", "\u20ac", "\ud83d\ude00", "\ufb33"]);
    expect(canonicalJson({ b: [1, { d: 1, c: 2 }], a: "x" })).toBe('{"a":"x","b":[1,{"c":2,"d":1}]}');
  });

  it("writes numbers in their shortest round-trip form", () => {
    // Values from the RFC 8785 number serialization table.
    expect(canonicalJson([1e21, 1e-7, 0.000001, 333333333.3333333, -0, 4.5, 1e23, 5e-324])).toBe(
      "[1e+21,1e-7,0.000001,333333333.3333333,0,4.5,1e+23,5e-324]",
    );
  });

  it("omits undefined members and refuses what JSON cannot hold", () => {
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
    for (const bad of [{ n: Number.NaN }, { n: Infinity }, [undefined], { d: new Date(0) }, { m: new Map() }, 1n]) {
      expect(() => canonicalJson(bad)).toThrow(BinderyError);
    }
  });

  it("hashes the canonical bytes", () => {
    const expected = createHash("sha256").update('{"a":1,"b":2}').digest("hex");
    expect(canonicalHash({ b: 2, a: 1 })).toBe(expected);
  });

  it("pretty form: same order, two-space indent, final newline, stable across key insertion order", () => {
    expect(prettyJson({ b: 1, a: { d: [1, 2], c: null } })).toBe(
      '{\n  "a": {\n    "c": null,\n    "d": [\n      1,\n      2\n    ]\n  },\n  "b": 1\n}\n',
    );
    expect(prettyJson({ x: 1, y: 2 })).toBe(prettyJson({ y: 2, x: 1 }));
    // Integer-like keys sort as strings too ("10" < "2"), which JSON.stringify alone would not do.
    expect(prettyJson({ a: 3, "2": 2, "10": 1 })).toBe('{\n  "10": 1,\n  "2": 2,\n  "a": 3\n}\n');
  });
});
