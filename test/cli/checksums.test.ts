import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, truncateSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { assertNoCanaryInTree, bindery, sha256sum } from "../support/cli.js";
import { tempDir, writeTree } from "../support/tmp.js";

interface Finding {
  code: string;
  path: string;
  message: string;
  line?: number;
}
interface VerifyJson {
  ok: boolean;
  checked: number;
  sums: string;
  findings: Finding[];
}

/** Names GNU coreutils must escape or that trip naive parsers. */
const AWKWARD = {
  "with space.txt": "spaces\n",
  "ünïcödé/名前.json": '{"unicode": true}\n',
  "back\\slash.bin": "a backslash in the name\n",
  "new\nline.txt": "a newline in the name\n",
  "carriage\rreturn.txt": "a carriage return in the name\n",
};

/** The fixture builder: a package sealed by the real `bindery checksums write`. */
async function sealedPackage(): Promise<string> {
  const dir = writeTree(join(tempDir(), "pkg"), {
    "weights.bin": Buffer.alloc(3 * 1024 * 1024 + 17, 7),
    "config.json": '{"layers": 2}\n',
    "nested/deeper/notes.md": "# notes\n",
    ...AWKWARD,
  });
  const result = await bindery(["checksums", "write", dir, "--quiet"]);
  expect(result.code, result.stderr).toBe(0);
  return dir;
}

async function verify(dir: string, ...extra: string[]) {
  const result = await bindery(["checksums", "verify", dir, "--json", ...extra]);
  const report = result.json<VerifyJson>();
  return { result, report, codes: [...new Set(report.findings.map((f) => f.code))].sort() };
}

const hex = (c: string) => c.repeat(64);

describe("checksums write + GNU sha256sum", () => {
  it("writes a SHA256SUMS that `sha256sum -c` accepts, names with spaces, unicode, backslash, newline, CR included", async () => {
    const dir = await sealedPackage();
    const gnu = sha256sum(["-c", "--strict", "SHA256SUMS"], dir);
    expect(gnu.stderr).toBe("");
    expect(gnu.code).toBe(0);
    // Every file is covered, the sums file itself excepted.
    expect(gnu.stdout.trim().split("\n")).toHaveLength(8);
    const { result, report } = await verify(dir);
    expect(result.code).toBe(0);
    expect(report).toMatchObject({ ok: true, checked: 8, findings: [] });
  });

  it("writes lines sorted by UTF-8 bytes, lowercase digests, escaped where GNU escapes", async () => {
    const dir = await sealedPackage();
    const text = readFileSync(join(dir, "SHA256SUMS"), "utf8");
    const names = text
      .trimEnd()
      .split("\n")
      .map((line) => line.slice(line.indexOf("  ") + 2));
    const sorted = [...names].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    expect(names).toEqual(sorted);
    expect(text).toContain("  back\\\\slash.bin\n");
    expect(text).toContain("  new\\nline.txt\n");
    expect(text).toContain("  carriage\\rreturn.txt\n");
    expect(text).toMatch(/^\\[0-9a-f]{64} {2}back\\\\slash\.bin$/m);
    expect(text).not.toMatch(/[A-F]{8}/);
  });

  it("accepts what GNU sha256sum writes, in text and binary mode, with ./ prefixes and uppercase digests", async () => {
    const dir = writeTree(join(tempDir(), "pkg"), { "a.txt": "a\n", "sub/b c.txt": "b\n", ...AWKWARD });
    const names = ["./a.txt", "./sub/b c.txt", ...Object.keys(AWKWARD).map((n) => `./${n}`)];
    for (const mode of [[], ["-b"]]) {
      const gnu = sha256sum([...mode, ...names], dir);
      expect(gnu.code).toBe(0);
      writeFileSync(join(dir, "SHA256SUMS"), mode.length ? gnu.stdout : gnu.stdout.replace(/^\\?[0-9a-f]{64}/gm, (d) => d.toUpperCase()));
      const { result, report } = await verify(dir);
      expect(result.code, JSON.stringify(report.findings)).toBe(0);
      expect(report.checked).toBe(7);
    }
  });

  it("accepts a checksum file with CRLF line endings, as `sha256sum -c` does", async () => {
    const dir = writeTree(join(tempDir(), "pkg"), { "a.txt": "a\n", "b c.txt": "b\n" });
    const gnu = sha256sum(["a.txt", "b c.txt"], dir);
    writeFileSync(join(dir, "SHA256SUMS"), gnu.stdout.replace(/\n/g, "\r\n"));
    expect(sha256sum(["-c", "--strict", "SHA256SUMS"], dir).code).toBe(0);
    const { result, report } = await verify(dir);
    expect([result.code, report.checked]).toEqual([0, 2]);
  });

  it("writes to --output outside the directory and verifies with --sums", async () => {
    const root = tempDir();
    const dir = writeTree(join(root, "pkg"), { "a.txt": "a\n" });
    const sums = join(root, "elsewhere", "run_SHA256SUMS");
    const written = await bindery(["checksums", "write", dir, "--output", sums, "--json"]);
    expect(written.code).toBe(0);
    expect(written.json()).toMatchObject({ ok: true, file_count: 1, total_bytes: 2 });
    expect(existsSync(join(dir, "SHA256SUMS"))).toBe(false);
    const { result, report } = await verify(dir, "--sums", sums);
    expect(result.code).toBe(0);
    expect(report.sums).toBe("run_SHA256SUMS");
  });

  it("leaves excluded files out, and verify accepts them only when excluded again or with --allow-extra", async () => {
    const dir = writeTree(join(tempDir(), "pkg"), { "keep.txt": "k\n", "scratch.tmp": "t\n", "cache/x.bin": "x\n" });
    expect((await bindery(["checksums", "write", dir, "-x", "*.tmp", "-x", "cache/**", "-q"])).code).toBe(0);
    expect(readFileSync(join(dir, "SHA256SUMS"), "utf8")).not.toMatch(/scratch|cache/);
    expect((await verify(dir)).codes).toEqual(["EXTRA_FILE"]);
    expect((await verify(dir, "--exclude", "*.tmp", "--exclude", "cache")).result.code).toBe(0);
    // Excluded paths are out of scope on both sides: a listed one is not reported missing.
    expect((await verify(dir, "--exclude", "*.tmp", "--exclude", "cache", "--exclude", "keep.txt")).report).toMatchObject({
      ok: true,
      checked: 0,
    });
    expect((await verify(dir, "--allow-extra")).result.code).toBe(0);
  });

  it("never writes a credential into its outputs", async () => {
    const dir = await sealedPackage();
    assertNoCanaryInTree(dir);
  });
});

describe("checksums verify: tampering is caught and named (one mutation each)", () => {
  const cases: {
    name: string;
    mutate: (dir: string) => void;
    codes: string[];
    named: string;
  }[] = [
    {
      name: "one flipped byte",
      mutate: (dir) => {
        const file = join(dir, "weights.bin");
        const bytes = readFileSync(file);
        bytes.writeUInt8(bytes.readUInt8(1_000_000) ^ 0x01, 1_000_000);
        writeFileSync(file, bytes);
      },
      codes: ["CHECKSUM_MISMATCH"],
      named: "weights.bin",
    },
    {
      name: "a truncated file",
      mutate: (dir) => truncateSync(join(dir, "weights.bin"), 1024),
      codes: ["CHECKSUM_MISMATCH"],
      named: "weights.bin",
    },
    {
      name: "a missing file",
      mutate: (dir) => unlinkSync(join(dir, "nested/deeper/notes.md")),
      codes: ["MISSING_FILE"],
      named: "nested/deeper/notes.md",
    },
    {
      name: "an extra file",
      mutate: (dir) => writeFileSync(join(dir, "nested/smuggled.py"), "print('hi')\n"),
      codes: ["EXTRA_FILE"],
      named: "nested/smuggled.py",
    },
    {
      name: "a symlink pointing out of the tree",
      mutate: (dir) => symlinkSync("/etc/hostname", join(dir, "nested/link")),
      codes: ["SYMLINK_ESCAPE"],
      named: "nested/link",
    },
    {
      name: "a SHA256SUMS line with ../",
      mutate: (dir) => appendFileSync(join(dir, "SHA256SUMS"), `${hex("a")}  ../outside.txt\n`),
      codes: ["UNSAFE_PATH"],
      named: "../outside.txt",
    },
    {
      name: "a SHA256SUMS line with an absolute path",
      mutate: (dir) => appendFileSync(join(dir, "SHA256SUMS"), `${hex("b")}  /etc/passwd\n`),
      codes: ["PRIVATE_PATH"],
      named: "/etc/passwd",
    },
    {
      name: "a 63-character digest",
      mutate: (dir) => appendFileSync(join(dir, "SHA256SUMS"), `${"c".repeat(63)}  short.txt\n`),
      codes: ["BAD_DIGEST"],
      named: "short.txt",
    },
    {
      name: "a non-hexadecimal digest",
      mutate: (dir) => appendFileSync(join(dir, "SHA256SUMS"), `${"g".repeat(64)}  nothex.txt\n`),
      codes: ["BAD_DIGEST"],
      named: "nothex.txt",
    },
    {
      name: "a duplicate path",
      mutate: (dir) => {
        const sums = join(dir, "SHA256SUMS");
        const line = readFileSync(sums, "utf8").split("\n").find((l) => l.endsWith("  config.json"))!;
        appendFileSync(sums, `${line}\n`);
      },
      codes: ["DUPLICATE_PATH"],
      named: "config.json",
    },
    {
      name: "a malformed line",
      mutate: (dir) => appendFileSync(join(dir, "SHA256SUMS"), `${hex("d")} config.json\n`),
      codes: ["MALFORMED_SUMS_LINE"],
      named: "SHA256SUMS line 9",
    },
  ];

  for (const { name, mutate, codes, named } of cases) {
    it(`${name}: exit 1, ${codes.join(", ")}, names ${JSON.stringify(named)}`, async () => {
      const dir = await sealedPackage();
      mutate(dir);
      const { result, report, codes: found } = await verify(dir);
      expect(found).toEqual(codes);
      expect(result.code).toBe(1);
      expect(report.ok).toBe(false);
      const hit = report.findings.find((f) => f.code === codes[0])!;
      expect(`${hit.path} ${hit.message}`).toContain(named);
      // The human form names the same file, and the summary goes to stderr.
      const human = await bindery(["checksums", "verify", dir]);
      expect(human.code).toBe(1);
      expect(human.stdout).toContain(codes[0]);
      expect(human.stdout).toContain(named.replace(/\n/g, "\\n"));
      expect(human.stderr).toMatch(/^bindery checksums verify: VERIFICATION_FAILED: .* problems? found/);
    });
  }

  it("lists every problem, not just the first", async () => {
    const dir = await sealedPackage();
    truncateSync(join(dir, "weights.bin"), 10);
    unlinkSync(join(dir, "config.json"));
    writeFileSync(join(dir, "extra.txt"), "x");
    appendFileSync(join(dir, "SHA256SUMS"), `${"e".repeat(63)}  short.txt\n`);
    const { report, result } = await verify(dir);
    expect(result.code).toBe(1);
    expect(report.findings.map((f) => [f.code, f.path])).toEqual([
      ["BAD_DIGEST", "SHA256SUMS"],
      ["MISSING_FILE", "config.json"],
      ["EXTRA_FILE", "extra.txt"],
      ["CHECKSUM_MISMATCH", "weights.bin"],
    ]);
  });
});

describe("checksums: bad input is refused cleanly and leaves no partial output", () => {
  it("refuses a tree with a symlink out of it (exit 3) and writes nothing", async () => {
    const dir = writeTree(join(tempDir(), "pkg"), { "a.txt": "a\n" });
    symlinkSync("/etc", join(dir, "escape"));
    const result = await bindery(["checksums", "write", dir]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/^bindery checksums write: SYMLINK_ESCAPE: .*escape is a symbolic link that points outside the directory/);
    expect(readdirSync(dir).sort()).toEqual(["a.txt", "escape"]);
  });

  it("refuses a FIFO inside the tree (exit 3)", async () => {
    const dir = writeTree(join(tempDir(), "pkg"), { "a.txt": "a\n" });
    const mkfifo = (await import("node:child_process")).spawnSync("mkfifo", [join(dir, "pipe")]);
    expect(mkfifo.status).toBe(0);
    const result = await bindery(["checksums", "write", dir, "--json"]);
    expect(result.code).toBe(3);
    expect(result.json()).toMatchObject({ ok: false, error: { code: "SPECIAL_FILE", exit_code: 3 } });
    expect(existsSync(join(dir, "SHA256SUMS"))).toBe(false);
  });

  it("refuses a file name that is not NFC (sha256sum -c could not open a normalized name)", async () => {
    const dir = writeTree(join(tempDir(), "pkg"), { "cafe\u0301.txt": "decomposed\n" });
    const result = await bindery(["checksums", "write", dir]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain("UNSAFE_PATH");
    expect(result.stderr).toContain("NFC");
  });

  it("names a missing directory, a file given as a directory, and an empty directory", async () => {
    const root = tempDir();
    writeFileSync(join(root, "file.txt"), "x");
    mkdirSync(join(root, "empty"));
    const missing = await bindery(["checksums", "write", join(root, "nope")]);
    expect([missing.code, missing.stderr]).toEqual([3, expect.stringMatching(/INPUT_NOT_FOUND: directory .*nope does not exist/)]);
    const notDir = await bindery(["checksums", "verify", join(root, "file.txt")]);
    expect([notDir.code, notDir.stderr]).toEqual([3, expect.stringMatching(/INPUT_INVALID: .*file\.txt is not a directory/)]);
    const empty = await bindery(["checksums", "write", join(root, "empty")]);
    expect([empty.code, empty.stderr]).toEqual([3, expect.stringContaining("INPUT_INVALID")]);
    expect(readdirSync(join(root, "empty"))).toEqual([]);
  });

  it("reports a directory without SHA256SUMS as missing input, not as a verification failure", async () => {
    const dir = writeTree(join(tempDir(), "pkg"), { "a.txt": "a\n" });
    const result = await bindery(["checksums", "verify", dir, "--json"]);
    expect(result.code).toBe(3);
    expect(result.json()).toMatchObject({ ok: false, error: { code: "INPUT_NOT_FOUND" } });
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
