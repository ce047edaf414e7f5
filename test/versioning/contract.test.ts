/**
 * `bindery contract snapshot | check`: bindery's public contract is recorded in docs/contract.json;
 * a breaking change without a bump that allows it fails, an additive one passes and is listed.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Command, Option } from "commander";
import { describe, expect, it } from "vitest";
import { bindery } from "../support/cli.js";
import { buildContract, bumpLicensesBreaking, checkContract, diffContracts, type Contract } from "../support/lib.js";
import { REPO } from "../support/release.js";
import { tempDir } from "../support/tmp.js";

const SNAPSHOT = join(REPO, "docs/contract.json");
const RESNAPSHOT = "docs/contract.json is not what this bindery writes: after adding a command, flag, error code or schema field, run `npm run build && node bin/bindery.js contract snapshot` and commit docs/contract.json";

/** A copy of bindery's snapshot in a temp directory, edited by `edit`; returns its path. */
function editedSnapshot(edit: (contract: Contract) => void): string {
  const contract = JSON.parse(readFileSync(SNAPSHOT, "utf8")) as Contract;
  edit(contract);
  const file = join(tempDir(), "contract.json");
  writeFileSync(file, `${JSON.stringify(contract, null, 2)}\n`);
  return file;
}

interface CheckJson {
  ok: boolean;
  snapshot_version: string;
  current_version: string;
  breaking: { location: string; message: string }[];
  additive: { location: string; message: string }[];
  allowed_by_bump: boolean;
}

describe("bindery contract, on bindery itself", () => {
  it("check passes against the committed docs/contract.json", async () => {
    const result = await bindery(["contract", "check", "--json"], { cwd: REPO });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const json = result.json<CheckJson>();
    expect(json.ok).toBe(true);
    expect(json.breaking, "a breaking change to bindery's contract needs a MAJOR bump (docs/versioning.md)").toEqual([]);
  });

  it("snapshot writes exactly the committed docs/contract.json, with no absolute path", async () => {
    const dir = tempDir();
    const output = join(dir, "contract.json");
    const result = await bindery(["contract", "snapshot", "--output", output, "--json"], { cwd: REPO });
    expect(result.code, result.stderr).toBe(0);
    expect(result.json()).toMatchObject({ ok: true, output, version: JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")).version });
    const written = readFileSync(output, "utf8");
    expect(written.endsWith("}\n")).toBe(true);
    expect(written).not.toContain(REPO);
    expect(written).not.toContain(dir);
    expect(written, RESNAPSHOT).toBe(readFileSync(SNAPSHOT, "utf8"));
  });

  it("fails with CONTRACT_BREAKING when the snapshot has a flag the CLI lacks", async () => {
    const file = editedSnapshot((c) => {
      c.commands["pack check"]!.options["--strict"] = { short: null, value: "none", required: false, variadic: false, negatable: false };
    });
    const result = await bindery(["contract", "check", "--snapshot", file, "--json"], { cwd: REPO });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toContain("bindery contract check: CONTRACT_BREAKING:");
    expect(result.stderr).toContain(`then run \`bindery contract snapshot --output ${file}\``);
    const json = result.json<CheckJson>();
    expect(json).toMatchObject({ ok: false, allowed_by_bump: false });
    expect(json.breaking).toContainEqual({
      location: "/commands/pack check/options/--strict",
      message: "`bindery pack check` no longer has the option --strict: command lines that use it stop working",
    });
    const human = await bindery(["contract", "check", "--snapshot", file], { cwd: REPO });
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/^BREAKING {2}`bindery pack check` no longer has the option --strict/m);
    expect(human.stdout).toMatch(/^FAIL {2}/m);
  });

  it("passes when the CLI has a flag the snapshot lacks, and lists it as an addition", async () => {
    const file = editedSnapshot((c) => {
      delete c.commands["changelog check"]!.options["--release"];
    });
    const result = await bindery(["contract", "check", "--snapshot", file, "--json"], { cwd: REPO });
    expect(result.code, result.stderr).toBe(0);
    const json = result.json<CheckJson>();
    expect(json.ok).toBe(true);
    expect(json.additive).toContainEqual({ location: "/commands/changelog check/options/--release", message: "`bindery changelog check` has a new option --release" });
    const human = await bindery(["contract", "check", "--snapshot", file], { cwd: REPO });
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^OK {2}/);
    expect(human.stdout).toContain("ADDITIVE  `bindery changelog check` has a new option --release (/commands/changelog check/options/--release)");
    expect(human.stdout).toContain(`Run \`bindery contract snapshot --output ${file}\` to record`);
  });

  it("a breaking change passes when the snapshot's version is a MAJOR below", async () => {
    const file = editedSnapshot((c) => {
      c.tool.version = "0.0.1";
      c.commands["pack check"]!.options["--strict"] = { short: null, value: "none", required: false, variadic: false, negatable: false };
    });
    const additive = await bindery(["contract", "check", "--snapshot", file, "--json"], { cwd: REPO });
    const breaking = await bindery(["contract", "check", "--snapshot", file, "--pre1-policy", "breaking", "--json"], { cwd: REPO });
    // 0.0.1 → 0.1.0 is a pre-1.0 MINOR bump: it allows breaking changes only under the breaking policy.
    expect(additive.code).toBe(1);
    expect(additive.json<CheckJson>().allowed_by_bump).toBe(false);
    expect(breaking.code, breaking.stderr).toBe(0);
    expect(breaking.json<CheckJson>()).toMatchObject({ ok: true, snapshot_version: "0.0.1", allowed_by_bump: true });
  });

  it("a missing or malformed snapshot is exit 3, with the command that writes it", async () => {
    const dir = tempDir();
    const missing = await bindery(["contract", "check", "--snapshot", join(dir, "none.json")], { cwd: REPO });
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain("INPUT_NOT_FOUND");
    expect(missing.stderr).toContain(`Run \`bindery contract snapshot --output ${join(dir, "none.json")}\``);
    writeFileSync(join(dir, "bad.json"), '{"schema_version": "1.0.0", "commands": []}\n');
    const malformed = await bindery(["contract", "check", "--snapshot", join(dir, "bad.json")], { cwd: REPO });
    expect(malformed.code).toBe(3);
    expect(malformed.stderr).toContain("INPUT_INVALID");
    expect(malformed.stderr).toContain("bindery contract snapshot");
    const policy = await bindery(["contract", "check", "--pre1-policy", "sometimes"], { cwd: REPO });
    expect(policy.code).toBe(2);
  });
});

/** A small program and parts: the contract the rule tables edit. */
function base(version = "1.2.0"): Contract {
  const program = new Command("bindery").option("-V, --version", "print the version");
  const pack = program.command("pack").description("packages");
  pack
    .command("check")
    .description("check a package")
    .argument("<dir>", "the package")
    .option("--require <path>", "a path that must be there")
    .option("--json", "JSON")
    .option("--color", "colour").option("--no-color", "no colour")
    .addOption(new Option("--policy <policy>", "a policy").choices(["a", "b"]).default("a"));
  const schema = {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    title: "report.json",
    type: "object",
    properties: {
      ok: { type: "boolean", description: "whether it passed" },
      status: { type: "string", enum: ["pass", "fail"] },
      note: { type: "string", pattern: "^[a-z]+$" },
      title: { type: "string" },
    },
    required: ["ok", "status"],
  };
  return buildContract(program, { version, exitCodes: { ok: 0, verificationFailed: 1, badInput: 3 }, errorCodes: { USAGE: 2, PACK_INCOMPLETE: 1 }, schemas: new Map([["report.schema.json", schema]]) });
}

describe("buildContract", () => {
  it("records arguments and options without help texts, and schemas without titles and descriptions", () => {
    const contract = base();
    expect(contract.tool).toEqual({ name: "bindery", version: "1.2.0" });
    expect(contract.program.options).toEqual({ "--version": { short: "-V", value: "none", required: false, variadic: false, negatable: false } });
    expect(Object.keys(contract.commands)).toEqual(["pack", "pack check"]);
    expect(contract.commands["pack check"]).toEqual({
      aliases: [],
      arguments: [{ name: "dir", required: true, variadic: false }],
      options: {
        "--require": { short: null, value: "required", required: false, variadic: false, negatable: false },
        "--json": { short: null, value: "none", required: false, variadic: false, negatable: false },
        "--color": { short: null, value: "none", required: false, variadic: false, negatable: true },
        "--no-color": { short: null, value: "none", required: false, variadic: false, negatable: true },
        "--policy": { short: null, value: "required", required: false, variadic: false, negatable: false, default: "a", choices: ["a", "b"] },
      },
    });
    const schema = contract.schemas["report.schema.json"] as { title?: string; properties: Record<string, object> };
    expect(schema.title).toBeUndefined();
    expect(schema.properties.ok).toEqual({ type: "boolean" });
    expect(schema.properties.title).toEqual({ type: "string" });
  });

  it("a reworded help text or schema description is no difference", () => {
    const program = new Command("bindery");
    program.command("pack").description("other words").command("check").description("other words too").argument("<dir>", "reworded").option("--require <path>", "reworded").option("--json").option("--color").option("--no-color").addOption(new Option("--policy <policy>", "reworded").choices(["b", "a"]).default("a"));
    program.option("-V, --version", "reworded");
    const before = base();
    const after = buildContract(program, { version: "1.2.0", exitCodes: before.exit_codes, errorCodes: before.error_codes, schemas: new Map([["report.schema.json", { ...(before.schemas["report.schema.json"] as object), description: "new words" }]]) });
    expect(diffContracts(before, after)).toEqual([]);
  });
});

type Edit = (before: Contract, after: Contract) => void;
const check = (c: Contract) => c.commands["pack check"]!;
const report = (c: Contract) => c.schemas["report.schema.json"] as { properties: Record<string, Record<string, unknown>>; required: string[] };
const option = { short: null, value: "none", required: false, variadic: false, negatable: false } as const;

const rules: [string, Edit, { kind: string; location: string }[]][] = [
  ["a command removed", (_b, a) => delete a.commands["pack check"], [{ kind: "breaking", location: "/commands/pack check" }]],
  ["a command added", (_b, a) => (a.commands["pack list"] = { aliases: [], arguments: [], options: {} }), [{ kind: "additive", location: "/commands/pack list" }]],
  ["an alias removed", (b) => (check(b).aliases = ["c"]), [{ kind: "breaking", location: "/commands/pack check/aliases" }]],
  ["an option removed", (_b, a) => delete check(a).options["--json"], [{ kind: "breaking", location: "/commands/pack check/options/--json" }]],
  ["a root option removed", (_b, a) => delete a.program.options["--version"], [{ kind: "breaking", location: "/program/options/--version" }]],
  ["an option added", (_b, a) => (check(a).options["--strict"] = { ...option }), [{ kind: "additive", location: "/commands/pack check/options/--strict" }]],
  ["a required option added", (_b, a) => (check(a).options["--strict"] = { ...option, required: true }), [{ kind: "breaking", location: "/commands/pack check/options/--strict" }]],
  ["an option made required", (_b, a) => (check(a).options["--require"]!.required = true), [{ kind: "breaking", location: "/commands/pack check/options/--require/required" }]],
  ["an option no longer required", (b) => (check(b).options["--require"]!.required = true), [{ kind: "additive", location: "/commands/pack check/options/--require/required" }]],
  ["a flag that now takes a value", (_b, a) => (check(a).options["--json"]!.value = "required"), [{ kind: "breaking", location: "/commands/pack check/options/--json/value" }]],
  ["a flag that no longer takes a value", (_b, a) => (check(a).options["--require"]!.value = "none"), [{ kind: "breaking", location: "/commands/pack check/options/--require/value" }]],
  ["a value that became optional", (_b, a) => (check(a).options["--require"]!.value = "optional"), [{ kind: "additive", location: "/commands/pack check/options/--require/value" }]],
  ["an option that became variadic", (_b, a) => (check(a).options["--require"]!.variadic = true), [{ kind: "breaking", location: "/commands/pack check/options/--require/variadic" }]],
  ["a changed default", (_b, a) => (check(a).options["--policy"]!.default = "b"), [{ kind: "breaking", location: "/commands/pack check/options/--policy/default" }]],
  ["a default added", (_b, a) => (check(a).options["--require"]!.default = "dist/"), [{ kind: "breaking", location: "/commands/pack check/options/--require/default" }]],
  ["a choice removed", (_b, a) => (check(a).options["--policy"]!.choices = ["a"]), [{ kind: "breaking", location: "/commands/pack check/options/--policy/choices" }]],
  ["a choice added", (_b, a) => (check(a).options["--policy"]!.choices = ["a", "b", "c"]), [{ kind: "additive", location: "/commands/pack check/options/--policy/choices" }]],
  ["a short flag added", (_b, a) => (check(a).options["--json"]!.short = "-j"), [{ kind: "additive", location: "/commands/pack check/options/--json/short" }]],
  ["a short flag removed", (b) => (check(b).options["--json"]!.short = "-j"), [{ kind: "breaking", location: "/commands/pack check/options/--json/short" }]],
  ["a --no- flag removed", (_b, a) => {
    delete check(a).options["--no-color"];
    check(a).options["--color"]!.negatable = false;
  }, [{ kind: "breaking", location: "/commands/pack check/options/--color/negatable" }, { kind: "breaking", location: "/commands/pack check/options/--no-color" }]],
  ["a required argument added", (_b, a) => check(a).arguments.push({ name: "out", required: true, variadic: false }), [{ kind: "breaking", location: "/commands/pack check/arguments/1" }]],
  ["an optional argument added", (_b, a) => check(a).arguments.push({ name: "out", required: false, variadic: false }), [{ kind: "additive", location: "/commands/pack check/arguments/1" }]],
  ["an argument removed", (_b, a) => check(a).arguments.pop(), [{ kind: "breaking", location: "/commands/pack check/arguments/0" }]],
  ["an argument made optional", (_b, a) => (check(a).arguments[0]!.required = false), [{ kind: "additive", location: "/commands/pack check/arguments/0/required" }]],
  ["an argument renamed", (_b, a) => (check(a).arguments[0]!.name = "directory"), [{ kind: "additive", location: "/commands/pack check/arguments/0/name" }]],
  ["an error code's exit code changed", (_b, a) => (a.error_codes.USAGE = 64), [{ kind: "breaking", location: "/error_codes/USAGE" }]],
  ["an error code removed", (_b, a) => delete a.error_codes.PACK_INCOMPLETE, [{ kind: "breaking", location: "/error_codes/PACK_INCOMPLETE" }]],
  ["an error code added", (_b, a) => (a.error_codes.CONTRACT_BREAKING = 1), [{ kind: "additive", location: "/error_codes/CONTRACT_BREAKING" }]],
  ["an exit code renumbered", (_b, a) => (a.exit_codes.badInput = 65), [{ kind: "breaking", location: "/exit_codes/badInput" }]],
  ["an exit code added", (_b, a) => (a.exit_codes.remote = 4), [{ kind: "additive", location: "/exit_codes/remote" }]],
  ["a schema removed", (_b, a) => delete a.schemas["report.schema.json"], [{ kind: "breaking", location: "/schemas/report.schema.json" }]],
  ["a schema added", (_b, a) => (a.schemas["audit.schema.json"] = { type: "object" }), [{ kind: "additive", location: "/schemas/audit.schema.json" }]],
  ["a schema property removed", (_b, a) => delete report(a).properties.note, [{ kind: "breaking", location: "/schemas/report.schema.json/properties/note" }]],
  ["a required property added", (_b, a) => {
    report(a).properties.score = { type: "number" };
    report(a).required.push("score");
  }, [{ kind: "breaking", location: "/schemas/report.schema.json/properties/score" }]],
  ["an optional property added", (_b, a) => (report(a).properties.score = { type: "number" }), [{ kind: "additive", location: "/schemas/report.schema.json/properties/score" }]],
  ["a property retyped", (_b, a) => (report(a).properties.ok = { type: "string" }), [{ kind: "breaking", location: "/schemas/report.schema.json/properties/ok/type" }]],
  ["a property made required", (_b, a) => report(a).required.push("note"), [{ kind: "breaking", location: "/schemas/report.schema.json/required" }]],
  ["a property no longer required", (_b, a) => (report(a).required = ["ok"]), [{ kind: "breaking", location: "/schemas/report.schema.json/required" }]],
  ["an enum value removed", (_b, a) => (report(a).properties.status!.enum = ["pass"]), [{ kind: "breaking", location: "/schemas/report.schema.json/properties/status/enum" }]],
  ["an enum value added", (_b, a) => (report(a).properties.status!.enum = ["pass", "fail", "skip"]), [{ kind: "additive", location: "/schemas/report.schema.json/properties/status/enum" }]],
  ["an enum replacing a free string", (_b, a) => (report(a).properties.note!.enum = ["x"]), [{ kind: "breaking", location: "/schemas/report.schema.json/properties/note/enum" }]],
  ["a pattern changed (unclassified)", (_b, a) => (report(a).properties.note!.pattern = "^[a-z0-9]+$"), [{ kind: "breaking", location: "/schemas/report.schema.json/properties/note/pattern" }]],
  ["an optional property added inside an array's items", (b, a) => {
    report(b).properties.rows = { type: "array", items: { type: "object", properties: { id: { type: "string" } }, required: ["id"] } };
    report(a).properties.rows = { type: "array", items: { type: "object", properties: { id: { type: "string" }, n: { type: "integer" } }, required: ["id"] } };
  }, [{ kind: "additive", location: "/schemas/report.schema.json/properties/rows/items/properties/n" }]],
];

describe("diffContracts classifies every difference", () => {
  it.each(rules)("%s", (_name, edit, expected) => {
    const [before, after] = [base(), base()];
    edit(before, after);
    expect(diffContracts(before, after).map(({ kind, location }) => ({ kind, location }))).toEqual(expected);
  });

  it("names the command, flag, code or field in each message", () => {
    const [before, after] = [base(), base()];
    check(after).options["--require"]!.required = true;
    report(after).properties.status!.enum = ["pass"];
    expect(diffContracts(before, after).map((d) => d.message)).toEqual([
      "--require of `bindery pack check` is now required: command lines without it stop working",
      'report.schema.json: the field status no longer allows "fail"',
    ]);
  });
});

const bumps = [
  ["1.2.0", "2.0.0", "additive", true],
  ["1.2.0", "2.0.0-rc.1", "additive", true],
  ["1.2.0", "1.3.0", "additive", false],
  ["1.2.0", "1.3.0", "breaking", false],
  ["1.2.0", "1.2.1", "additive", false],
  ["1.2.0", "1.2.0", "additive", false],
  ["2.0.0", "1.9.0", "additive", false],
  ["0.1.0", "0.2.0", "additive", false],
  ["0.1.0", "0.2.0", "breaking", true],
  ["0.1.0", "0.1.1", "breaking", false],
  ["0.1.0", "1.0.0", "additive", true],
] as const;

describe("a version bump licenses breaking changes: MAJOR, or a pre-1.0 MINOR under the breaking policy", () => {
  it.each(bumps)("%s → %s under the %s policy: %s", (from, to, policy, allowed) => {
    expect(bumpLicensesBreaking(from, to, policy).allowed).toBe(allowed);
  });

  it.each(bumps)("checkContract: an option removed from %s to %s (%s policy) passes: %s", (from, to, policy, ok) => {
    const [before, after] = [base(from), base(to)];
    delete check(after).options["--json"];
    check(after).options["--strict"] = { ...option };
    const result = checkContract(before, after, policy);
    expect(result).toMatchObject({ ok, allowed_by_bump: ok, snapshot_version: from, current_version: to });
    expect(result.breaking.map((d) => d.location)).toEqual(["/commands/pack check/options/--json"]);
    expect(result.additive.map((d) => d.location)).toEqual(["/commands/pack check/options/--strict"]);
  });

  it("additions alone pass at any version", () => {
    const [before, after] = [base("1.2.0"), base("1.2.0")];
    after.error_codes.CONTRACT_BREAKING = 1;
    expect(checkContract(before, after)).toMatchObject({ ok: true, breaking: [], allowed_by_bump: false });
  });
});
