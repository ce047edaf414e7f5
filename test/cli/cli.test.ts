import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { assertNoCanary, BIN, bindery, CANARIES } from "../support/cli.js";
import { tempDir, writeTree } from "../support/tmp.js";

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
/** Every leaf command, from the contract snapshot (which a test keeps equal to the CLI). */
const CONTRACT = JSON.parse(readFileSync(new URL("../../docs/contract.json", import.meta.url), "utf8")) as { commands: Record<string, unknown> };
const COMMANDS = Object.keys(CONTRACT.commands)
  .filter((path) => !Object.keys(CONTRACT.commands).some((other) => other.startsWith(`${path} `)))
  .map((path) => [path]);
const STACK_FRAME = /\n\s+at .+:\d+:\d+/;

describe("the CLI contract", () => {
  it("prints its version", async () => {
    const result = await bindery(["--version"]);
    expect([result.code, result.stdout]).toEqual([0, `${pkg.version}\n`]);
  });

  it("exits quietly when its reader closes the pipe early (bindery ... --help | true)", () => {
    const result = spawnSync("bash", ["-c", `"${process.execPath}" "${BIN}" training run --help | true`], { encoding: "utf8" });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
  });

  it("lists commands and exit codes in --help", async () => {
    const result = await bindery(["--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/checksums\s+write and verify SHA256SUMS/);
    expect(result.stdout).toMatch(/hash \[options\] <file\.\.\.>/);
    expect(result.stdout).toContain("70  internal");
  });

  it.each(COMMANDS)("bindery %s --help teaches with examples and the shared flags", async (path) => {
    const result = await bindery([...path.split(" "), "--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Examples:\n  \$ (\S+=\S+ )*bindery /);
    expect(result.stdout).toContain("--json");
    expect(result.stdout).toContain("--quiet");
  });

  it.each([
    [["xyzzy"], "bindery: USAGE: unknown command 'xyzzy'. Run `bindery --help` for usage."],
    [["checksums", "verify"], "bindery checksums verify: USAGE: missing required argument 'dir'. Run `bindery checksums verify --help` for usage."],
    [["checksums", "write", ".", "--frob"], "bindery checksums write: USAGE: unknown option '--frob'. Run `bindery checksums write --help` for usage."],
  ])("usage error %j: exit 2, one paragraph, no stack trace", async (args, paragraph) => {
    const result = await bindery(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`${paragraph}\n`);
    expect(result.stdout).toBe("");
  });

  it("`help <command>` prints that help and exits 0; a typo gets a suggestion in the same paragraph", async () => {
    const help = await bindery(["help", "checksums"]);
    expect([help.code, help.stdout]).toEqual([0, expect.stringContaining("Usage: bindery checksums")]);
    const typo = await bindery(["chcksums"]);
    expect([typo.code, typo.stderr]).toEqual([
      2,
      "bindery: USAGE: unknown command 'chcksums' (Did you mean checksums?). Run `bindery --help` for usage.\n",
    ]);
  });

  it("escapes control characters in names, so a file cannot repaint the terminal or split a line", async () => {
    const dir = writeTree(tempDir(), { "a.txt": "a", "new\nline.txt": "n" });
    expect((await bindery(["checksums", "write", dir, "-q"])).code).toBe(0);
    writeFileSync(join(dir, "evil\u001b[2Jname"), "x");
    // A tab is a legal SHA256SUMS name, so this one reaches the output raw and is escaped there.
    writeFileSync(join(dir, "tab\there.txt"), "t");
    const result = await bindery(["checksums", "verify", dir]);
    expect(result.code).toBe(1);
    expect(result.stdout).not.toContain("\u001b");
    expect(result.stdout).toContain("UNSAFE_PATH");
    expect(result.stdout).toMatch(/evil\\(?:u001b|x1b)\[2Jname/);
    expect(result.stdout.split("\n").filter((l) => l.startsWith("UNSAFE_PATH"))).toHaveLength(1);
    expect(result.stdout).toContain("EXTRA_FILE  tab\\there.txt is present but not listed");
    expect(result.stdout).not.toContain("\t");
  });

  it("a bare noun shows its help on stderr and exits 2", async () => {
    const result = await bindery(["checksums"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("Usage: bindery checksums");
  });

  it("--json prints exactly one JSON document, on success and on every kind of failure", async () => {
    const dir = writeTree(tempDir(), { "a.txt": "a" });
    for (const args of [
      ["checksums", "write", dir, "--json"],
      ["checksums", "verify", dir, "--json"],
      ["hash", "--root", dir, join(dir, "a.txt"), "--json"],
      ["checksums", "verify", join(dir, "missing"), "--json"],
      ["checksums", "write", dir, "--json", "--frob"],
    ]) {
      const result = await bindery(args);
      expect(() => result.json(), `${args.join(" ")}: ${result.stdout}`).not.toThrow();
    }
    const usage = await bindery(["checksums", "write", dir, "--json", "--frob"]);
    expect(usage.json()).toEqual({
      ok: false,
      error: {
        code: "USAGE",
        exit_code: 2,
        message: "unknown option '--frob'.",
        hint: "Run `bindery checksums write --help` for usage.",
        findings: [],
      },
    });
  });

  it("--quiet prints nothing on success but still explains a failure", async () => {
    const dir = writeTree(tempDir(), { "a.txt": "a" });
    const ok = await bindery(["checksums", "write", dir, "--quiet"]);
    expect([ok.code, ok.stdout, ok.stderr]).toEqual([0, "", ""]);
    writeFileSync(join(dir, "a.txt"), "b");
    const failed = await bindery(["checksums", "verify", dir, "-q"]);
    expect([failed.code, failed.stdout]).toEqual([1, ""]);
    expect(failed.stderr).toContain("VERIFICATION_FAILED");
  });

  it("shows a stack trace only with BINDERY_DEBUG=1", async () => {
    const missing = join(tempDir(), "missing");
    const plain = await bindery(["checksums", "verify", missing]);
    expect(plain.stderr).not.toMatch(STACK_FRAME);
    const debug = await bindery(["checksums", "verify", missing], { env: { BINDERY_DEBUG: "1" } });
    expect(debug.code).toBe(3);
    expect(debug.stderr).toMatch(STACK_FRAME);
  });

  it("redacts a credential that reaches output (a file named after the token)", async () => {
    const dir = writeTree(tempDir(), { [`${CANARIES.HF_TOKEN}.txt`]: "x" });
    // The canary check in bindery() would throw if the token were printed; it is redacted instead.
    const result = await bindery(["checksums", "write", dir, "--json"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("[redacted HF_TOKEN].txt");
  });
});

describe("bindery hash", () => {
  it("prints identities relative to --root, one per line or as a JSON array", async () => {
    const root = writeTree(tempDir(), { "model/w.bin": "weights", "model/c.json": "{}" });
    const human = await bindery(["hash", "model/w.bin", "model/c.json"], { cwd: root });
    expect(human.code).toBe(0);
    const sha = (text: string) => createHash("sha256").update(text).digest("hex");
    expect(human.stdout).toBe(`${sha("weights")}  7  model/w.bin\n${sha("{}")}  2  model/c.json\n`);
    const json = await bindery(["hash", "--root", join(root, "model"), join(root, "model/w.bin"), "--json"]);
    expect(json.json()).toEqual([{ path: "w.bin", sha256: sha("weights"), size: 7 }]);
  });

  it("refuses a file outside the root (PRIVATE_PATH), a directory, and a missing file (exit 3)", async () => {
    const root = writeTree(tempDir(), { "in/a.txt": "a", "out/b.txt": "b" });
    const outside = await bindery(["hash", "--root", join(root, "in"), join(root, "out/b.txt")]);
    expect([outside.code, outside.stderr]).toEqual([3, expect.stringMatching(/^bindery hash: PRIVATE_PATH: .* is outside .*Pass --root/)]);
    const dir = await bindery(["hash", "in"], { cwd: root });
    expect([dir.code, dir.stderr]).toEqual([3, expect.stringContaining("INPUT_INVALID: in is not a regular file.")]);
    const dot = await bindery(["hash", "."], { cwd: root });
    expect([dot.code, dot.stderr]).toEqual([3, expect.stringContaining("INPUT_INVALID: . is not a regular file.")]);
    symlinkSync(join(root, "out/b.txt"), join(root, "in/link.txt"));
    const escape = await bindery(["hash", "link.txt"], { cwd: join(root, "in") });
    expect([escape.code, escape.stderr]).toEqual([
      3,
      "bindery hash: SYMLINK_ESCAPE: link.txt is a symbolic link that points outside the working directory.\n",
    ]);
    const missing = await bindery(["hash", "in/nope.txt"], { cwd: root });
    expect([missing.code, missing.stderr]).toEqual([3, "bindery hash: INPUT_NOT_FOUND: file in/nope.txt does not exist.\n"]);
  });
});

describe("progress", () => {
  function underTerminal(args: string[], env: NodeJS.ProcessEnv): string {
    // `script` gives the command a real pseudo-terminal, as a user's shell would.
    const command = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
    const run = spawnSync("script", ["-qec", command, "/dev/null"], { env: { ...process.env, ...env }, encoding: "utf8" });
    expect(run.status).toBe(0);
    assertNoCanary("progress run", run.stdout);
    return run.stdout;
  }

  it("is drawn on a terminal, and never under CI or --quiet or when not a terminal", async () => {
    const root = writeTree(tempDir(), { "big.bin": Buffer.alloc(24 * 1024 * 1024, 1) });
    const env = { CI: "" };
    expect(underTerminal(["hash", "--root", root, join(root, "big.bin")], env)).toMatch(/\r\u001b\[Khashing .*\(100%\), 1\/1 files/);
    expect(underTerminal(["hash", "--root", root, join(root, "big.bin")], { CI: "true" })).not.toContain("hashing");
    expect(underTerminal(["hash", "-q", "--root", root, join(root, "big.bin")], env)).toBe("");
    const piped = await bindery(["hash", "--root", root, join(root, "big.bin")], { env: { CI: undefined } });
    expect(piped.stderr).toBe("");
  });
});
