/**
 * `bindery verify-signature` against nine real Sigstore public-good bundles, fully offline (every
 * CLI run has a network guard loaded into it), and every way a bundle can fail: a changed
 * payload, another signer, a digest that is not a subject, a trusted root that does not hold the
 * bundle's authorities. Key-pair bundles are signed here with @sigstore/sign's bundle builders.
 * `bindery trust update` is tested only where it fails without the network.
 */
import { spawnSync } from "node:child_process";
import { createHash, generateKeyPairSync, sign, X509Certificate, type KeyObject } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { rootCertificates } from "node:tls";
import { fileURLToPath } from "node:url";
import { bundleToJSON } from "@sigstore/bundle";
import { DSSEBundleBuilder, MessageSignatureBundleBuilder } from "@sigstore/sign";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bindery, type CliResult } from "../support/cli.js";
import { suiteTempDir } from "../support/tmp.js";

const FIXTURES = fileURLToPath(new URL("../fixtures/sigstore-public-good/", import.meta.url));
const SHIPPED_ROOT = fileURLToPath(new URL("../../trust/public-good/trusted_root.json", import.meta.url));
const GUARD = new URL("../support/no-network.mjs", import.meta.url).href;
/** Every CLI run here gets the guard: a connection or DNS lookup off loopback throws. */
const OFFLINE = { NODE_OPTIONS: `--import=${GUARD}` };

const IDENTITY = "brian@dehamer.com";
const ISSUER = "https://github.com/login/oauth";
const statement = JSON.parse(readFileSync(join(FIXTURES, "statement.json"), "utf8")) as { subject: { name: string; digest: { sha512: string } }[] };
const SUBJECT = statement.subject[0]!;
const DIGEST = `sha512:${SUBJECT.digest.sha512}`;
const BUNDLES = readdirSync(FIXTURES).filter((f) => f.endsWith(".sigstore")).sort();
const LOG_INDEX: Record<string, number> = { dsse: 27246114, intoto: 27244980 };

const dir = suiteTempDir("bindery-signing-");
const fixture = (name: string) => join(FIXTURES, name);
const readJson = (path: string) => JSON.parse(readFileSync(path, "utf8")) as Record<string, any>;
const writeJson = (name: string, value: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
  return path;
};

function verify(args: readonly string[]): Promise<CliResult> {
  return bindery(["verify-signature", ...args], { env: OFFLINE });
}

const keyless = (bundle: string, extra: readonly string[] = []) => ["--bundle", bundle, "--digest", DIGEST, "--identity", IDENTITY, "--issuer", ISSUER, ...extra];

/** A failure: the exit code, the code in the --json document, and the one paragraph on stderr. */
function expectFailure(result: CliResult, code: string, exit: number): string {
  expect(result.code, result.stderr).toBe(exit);
  const error = result.json<{ ok: boolean; error: { code: string; exit_code: number; message: string } }>();
  expect(error.ok).toBe(false);
  expect(error.error.code).toBe(code);
  expect(error.error.exit_code).toBe(exit);
  expect(result.stderr).toMatch(new RegExp(`^bindery verify-signature: ${code}: `));
  expect(result.stderr.trimEnd().split("\n")).toHaveLength(1);
  return error.error.message;
}

describe("the network guard the CLI runs under", () => {
  it("throws on a non-loopback connect or DNS lookup, and lets loopback through", () => {
    const script = `
      const net = require("node:net"), dns = require("node:dns");
      const tryIt = (what, f) => { try { f(); console.log(what, "allowed"); } catch (e) { console.log(what, e.code); } };
      tryIt("connect", () => net.connect(443, "192.0.2.1"));
      tryIt("connect-options", () => net.connect({ host: "example.com", port: 80 }));
      tryIt("lookup", () => dns.lookup("example.com", () => {}));
      dns.promises.lookup("example.org").then(() => console.log("promises-lookup allowed"), (e) => console.log("promises-lookup", e.code)).then(() => {
        const server = net.createServer((c) => c.end("hi")).listen(0, "127.0.0.1", () => {
          net.connect(server.address().port, "127.0.0.1").on("data", (d) => { console.log("loopback", String(d)); server.close(); });
        });
      });`;
    const result = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", env: { ...process.env, ...OFFLINE } });
    expect(result.stderr).toBe("");
    expect(result.stdout.trim().split("\n")).toEqual([
      "connect ENETWORKGUARD",
      "connect-options ENETWORKGUARD",
      "lookup ENETWORKGUARD",
      "promises-lookup ENETWORKGUARD",
      "loopback hi",
    ]);
  });

  it("is in force inside bindery: trust update against the real TUF mirror is refused, not attempted", async () => {
    const output = join(dir, "guarded", "trusted_root.json");
    const result = await bindery(["trust", "update", "--output", output], { env: OFFLINE });
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/^bindery trust update: REMOTE_UNAVAILABLE: could not refresh the Sigstore trusted root from https:\/\/tuf-repo-cdn\.sigstore\.dev: .*no-network guard/);
    expect(existsSync(output)).toBe(false);
  });
});

describe("bindery verify-signature: nine real public-good bundles, offline", () => {
  it("has the nine bundles, all DSSE envelopes around statement.json", () => {
    expect(BUNDLES).toHaveLength(9);
    for (const name of BUNDLES) {
      const envelope = readJson(fixture(name)).dsseEnvelope as { payload: string; payloadType: string };
      expect(envelope.payloadType).toBe("application/vnd.in-toto+json");
      expect(Buffer.from(envelope.payload, "base64").equals(readFileSync(fixture("statement.json")))).toBe(true);
    }
  });

  it.each(BUNDLES)("%s verifies with the statement's sha512 subject digest", async (name) => {
    const result = await verify(keyless(fixture(name)));
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const index = LOG_INDEX[/dsse/.test(name) ? "dsse" : "intoto"];
    expect(result.stdout).toBe(
      `OK  ${fixture(name)} signed sha512:7bea9f6e7ff3…cd1f258b36 (${SUBJECT.name}) as ${IDENTITY} (${ISSUER}), logged in Rekor at index ${index}\n`,
    );
  });

  it("--json gives the bundle, its kind, subject, signer and log entry", async () => {
    const result = await verify(keyless(fixture("bundleV03-dsse.sigstore"), ["--json"]));
    expect(result.code).toBe(0);
    expect(result.json()).toEqual({
      ok: true,
      bundle: fixture("bundleV03-dsse.sigstore"),
      media_type: "application/vnd.dev.sigstore.bundle+json;version=0.3",
      kind: "dsse",
      subject: { name: SUBJECT.name, digest: { sha512: SUBJECT.digest.sha512 } },
      identity: IDENTITY,
      issuer: ISSUER,
      key: null,
      tlog: { log_index: 27246114, integrated_time: "2023-07-12T15:50:43Z" },
      digest: { algorithm: "sha512", hex: SUBJECT.digest.sha512 },
      trusted_root: "the shipped public-good trusted root",
    });
  });

  it("--trusted-root with the shipped root's path verifies the same way", async () => {
    const result = await verify(keyless(fixture("bundleV02-intoto.sigstore"), ["--trusted-root", SHIPPED_ROOT]));
    expect([result.code, result.stderr]).toEqual([0, ""]);
  });

  it("--identity-regexp matches the whole identity, never a part of it", async () => {
    const whole = await verify(["--bundle", fixture("bundleV01-dsse-with-proof.sigstore"), "--digest", DIGEST, "--identity", "brian@dehamer\\.(com|org)", "--identity-regexp", "--issuer", ISSUER]);
    expect([whole.code, whole.stderr]).toEqual([0, ""]);
    const part = await verify(["--bundle", fixture("bundleV01-dsse-with-proof.sigstore"), "--digest", DIGEST, "--identity", "brian", "--identity-regexp", "--issuer", ISSUER, "--json"]);
    expect(expectFailure(part, "SIGNER_MISMATCH", 1)).toContain("an identity matching the regular expression brian");
  });

  it("an exact --identity is not a pattern: dots are dots", async () => {
    const result = await verify(["--bundle", fixture("bundleV03-intoto.sigstore"), "--digest", DIGEST, "--identity", "brian@dehamer.co.", "--issuer", ISSUER, "--json"]);
    expectFailure(result, "SIGNER_MISMATCH", 1);
  });
});

describe("bindery verify-signature says no", () => {
  it.each(["bundleV01-dsse-no-proof.sigstore", "bundleV03-intoto.sigstore"])("to a DSSE payload with one byte changed (%s): SIGNATURE_INVALID", async (name) => {
    const bundle = readJson(fixture(name));
    const payload = Buffer.from(bundle.dsseEnvelope.payload, "base64");
    const at = payload.indexOf("1.0.0");
    payload[at] = "2".charCodeAt(0); // pkg:npm/sigstore@1.0.0 becomes @2.0.0
    bundle.dsseEnvelope.payload = payload.toString("base64");
    const message = expectFailure(await verify(keyless(writeJson(`tampered-${name}`, bundle), ["--json"])), "SIGNATURE_INVALID", 1);
    expect(message).toContain("the in-toto payload or its signature was changed after signing");
    expect(message).toContain("TLOG_BODY_ERROR");
  });

  it("to a changed signed entry timestamp: SIGNATURE_INVALID", async () => {
    const bundle = readJson(fixture("bundleV01-dsse-no-proof.sigstore"));
    const entry = bundle.verificationMaterial.tlogEntries[0];
    entry.integratedTime = String(Number(entry.integratedTime) + 60);
    const message = expectFailure(await verify(keyless(writeJson("retimed.sigstore", bundle), ["--json"])), "SIGNATURE_INVALID", 1);
    expect(message).toContain("the entry was changed after it was logged");
  });

  it("to another identity: SIGNER_MISMATCH, naming the expected and the found identity", async () => {
    const result = await verify(["--bundle", fixture("bundleV02-dsse.sigstore"), "--digest", DIGEST, "--identity", "alice@example.org", "--issuer", ISSUER, "--json"]);
    const message = expectFailure(result, "SIGNER_MISMATCH", 1);
    expect(message).toBe(`bundle ${fixture("bundleV02-dsse.sigstore")} was signed as ${IDENTITY} (issuer ${ISSUER}), but alice@example.org (issuer ${ISSUER}) is required: the identity differs.`);
  });

  it("to another issuer: SIGNER_MISMATCH, naming the expected and the found issuer", async () => {
    const result = await verify(["--bundle", fixture("bundleV02-dsse.sigstore"), "--digest", DIGEST, "--identity", IDENTITY, "--issuer", "https://token.actions.githubusercontent.com", "--json"]);
    const message = expectFailure(result, "SIGNER_MISMATCH", 1);
    expect(message).toBe(`bundle ${fixture("bundleV02-dsse.sigstore")} was signed as ${IDENTITY} (issuer ${ISSUER}), but ${IDENTITY} (issuer https://token.actions.githubusercontent.com) is required: the issuer differs.`);
  });

  it("to a digest that is not a subject of the statement: DIGEST_NOT_SUBJECT", async () => {
    const other = `sha512:${"0".repeat(128)}`;
    const result = await verify(["--bundle", fixture("bundleV03-dsse.sigstore"), "--digest", other, "--identity", IDENTITY, "--issuer", ISSUER, "--json"]);
    const message = expectFailure(result, "DIGEST_NOT_SUBJECT", 1);
    expect(message).toContain(`digest ${other} is not a subject of the in-toto statement`);
    expect(message).toContain(`its subjects are ${SUBJECT.name} (${DIGEST})`);
  });

  it("to a file whose digest is not a subject (the file is hashed with the subjects' algorithm): DIGEST_NOT_SUBJECT", async () => {
    const file = join(dir, "not-the-tarball.tgz");
    writeFileSync(file, "not sigstore-1.0.0.tgz\n");
    const sha512 = createHash("sha512").update("not sigstore-1.0.0.tgz\n").digest("hex");
    const result = await verify(["--bundle", fixture("bundleV01-intoto-with-proof.sigstore"), "--file", file, "--identity", IDENTITY, "--issuer", ISSUER, "--json"]);
    expect(expectFailure(result, "DIGEST_NOT_SUBJECT", 1)).toContain(`file ${file} (sha512:${sha512}) is not a subject`);
  });

  it("to a trusted root of another PKI: SIGNATURE_UNTRUSTED", async () => {
    // The public-good root with every authority swapped for a foreign one: its Fulcio CAs for a
    // real, unrelated CA (ISRG Root X2 from Node's root store), its Rekor and CT log keys for
    // keys generated here, and no timestamp authority. Same shape, nothing in common.
    const root = readJson(SHIPPED_ROOT);
    const isrg = rootCertificates.map((pem) => new X509Certificate(pem)).find((c) => c.subject.includes("CN=ISRG Root X2"));
    expect(isrg).toBeDefined();
    root.certificateAuthorities = [
      { subject: { organization: "Internet Security Research Group", commonName: "ISRG Root X2" }, uri: "https://ca.example.invalid", certChain: { certificates: [{ rawBytes: isrg!.raw.toString("base64") }] }, validFor: { start: "2020-09-04T00:00:00Z" } },
    ];
    root.tlogs = root.tlogs.map(foreignLog);
    root.ctlogs = root.ctlogs.map(foreignLog);
    root.timestampAuthorities = [];
    const path = writeJson("foreign_root.json", root);
    const message = expectFailure(await verify(keyless(fixture("bundleV03-dsse.sigstore"), ["--trusted-root", path, "--json"])), "SIGNATURE_UNTRUSTED", 1);
    expect(message).toBe(
      `bundle ${fixture("bundleV03-dsse.sigstore")} is not trusted by ${path}: its certificate for ${IDENTITY} (issuer ${ISSUER}) was not issued by a certificate authority in the root (@sigstore/verify: CERTIFICATE_ERROR: Failed to verify certificate chain).`,
    );
  });

  it("to a trusted root whose Rekor key is another log's: SIGNATURE_UNTRUSTED", async () => {
    const root = readJson(SHIPPED_ROOT);
    root.tlogs = root.tlogs.map(foreignLog);
    const path = writeJson("foreign_rekor_root.json", root);
    for (const name of ["bundleV01-dsse-no-proof.sigstore", "bundleV03-intoto.sigstore"]) {
      const message = expectFailure(await verify(keyless(fixture(name), ["--trusted-root", path, "--json"])), "SIGNATURE_UNTRUSTED", 1);
      expect(message).toMatch(/its transparency-log entry \(log index \d+\) was made by a transparency log \(id wNI9atQGlz\+VWfO6LRygH4QUfY\/8W4RFwiT5i5WRgB0=\) that is not in the root/);
    }
  });

  it("to a trusted root whose CT logs are others: SIGNATURE_UNTRUSTED", async () => {
    const root = readJson(SHIPPED_ROOT);
    root.ctlogs = root.ctlogs.map(foreignLog);
    const message = expectFailure(await verify(keyless(fixture("bundleV02-intoto.sigstore"), ["--trusted-root", writeJson("foreign_ct_root.json", root), "--json"])), "SIGNATURE_UNTRUSTED", 1);
    expect(message).toContain("was logged by a certificate-transparency log");
  });
});

/** A transparency or CT log entry for a trusted root, with a key generated here. */
function foreignLog(log: Record<string, any>) {
  const { publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const der = publicKey.export({ type: "spki", format: "der" });
  return {
    ...log,
    baseUrl: "https://log.example.invalid",
    publicKey: { rawBytes: der.toString("base64"), keyDetails: "PKIX_ECDSA_P256_SHA_256", validFor: { start: "2020-01-01T00:00:00Z" } },
    logId: { keyId: createHash("sha256").update(der).digest("base64") },
  };
}

describe("bindery verify-signature refuses bad input before verifying", () => {
  let notJson: string, notBundle: string, notRoot: string;
  beforeAll(() => {
    notJson = join(dir, "not-json.sigstore");
    writeFileSync(notJson, "this is not JSON\n");
    notBundle = writeJson("not-a-bundle.sigstore", { mediaType: "application/vnd.dev.sigstore.bundle.v0.3+json", hello: "world" });
    notRoot = writeJson("not-a-root.json", { mediaType: "application/json" });
  });
  const bundle = fixture("bundleV03-dsse.sigstore");
  const signer = ["--identity", IDENTITY, "--issuer", ISSUER];
  const cases: [string, () => string[], string, number, RegExp][] = [
    ["a bundle that is not JSON", () => ["--bundle", notJson, "--digest", DIGEST, ...signer], "INPUT_INVALID", 3, /is not JSON/],
    ["a JSON file that is not a bundle", () => ["--bundle", notBundle, "--digest", DIGEST, ...signer], "INPUT_INVALID", 3, /is not a Sigstore bundle/],
    ["a missing bundle", () => ["--bundle", join(dir, "missing.sigstore"), "--digest", DIGEST, ...signer], "INPUT_NOT_FOUND", 3, /does not exist/],
    ["a missing --file", () => ["--bundle", bundle, "--file", join(dir, "missing.tgz"), ...signer], "INPUT_NOT_FOUND", 3, /missing\.tgz does not exist/],
    ["a malformed --digest", () => ["--bundle", bundle, "--digest", "sha512:xyz", ...signer], "USAGE", 2, /is not ALG:HEX/],
    ["a --digest of another algorithm", () => ["--bundle", bundle, "--digest", `md5:${"0".repeat(32)}`, ...signer], "USAGE", 2, /is not ALG:HEX/],
    ["--file and --digest together", () => ["--bundle", bundle, "--file", bundle, "--digest", DIGEST, ...signer], "USAGE", 2, /not both and not neither/],
    ["neither --file nor --digest", () => ["--bundle", bundle, ...signer], "USAGE", 2, /not both and not neither/],
    ["--identity without --issuer", () => ["--bundle", bundle, "--digest", DIGEST, "--identity", IDENTITY], "USAGE", 2, /--identity needs --issuer/],
    ["--issuer without --identity", () => ["--bundle", bundle, "--digest", DIGEST, "--issuer", ISSUER], "USAGE", 2, /--issuer needs --identity/],
    ["no signer at all", () => ["--bundle", bundle, "--digest", DIGEST], "USAGE", 2, /name the signer/],
    ["--key with --identity", () => ["--bundle", bundle, "--digest", DIGEST, "--key", bundle, ...signer], "USAGE", 2, /has no identity or issuer/],
    ["an --identity-regexp that does not compile", () => ["--bundle", bundle, "--digest", DIGEST, "--identity", "(", "--identity-regexp", "--issuer", ISSUER], "USAGE", 2, /not a valid regular expression/],
    ["no --bundle", () => ["--digest", DIGEST, ...signer], "USAGE", 2, /required option '--bundle <file>' not specified/],
    ["a missing --trusted-root", () => ["--bundle", bundle, "--digest", DIGEST, ...signer, "--trusted-root", join(dir, "missing.json")], "INPUT_NOT_FOUND", 3, /trusted root .* does not exist/],
    ["a --trusted-root that is not a trusted root", () => ["--bundle", bundle, "--digest", DIGEST, ...signer, "--trusted-root", notRoot], "INPUT_INVALID", 3, /is not a Sigstore trusted root/],
  ];
  it.each(cases)("%s", async (_label, args, code, exit, message) => {
    const result = await verify([...args(), "--json"]);
    expect(expectFailure(result, code, exit)).toMatch(message);
  });
});

describe("key-pair bundles (signed here with @sigstore/sign's bundle builders, no witnesses)", () => {
  const hint = (key: KeyObject) => createHash("sha256").update(key.export({ type: "spki", format: "der" })).digest("hex");
  function keyPair(type: "ec" | "ed25519") {
    const pair = type === "ec" ? generateKeyPairSync("ec", { namedCurve: "P-256" }) : generateKeyPairSync("ed25519");
    const pem = pair.publicKey.export({ type: "spki", format: "pem" }).toString();
    const signer = {
      sign: async (data: Buffer) => ({
        signature: sign(type === "ec" ? "sha256" : null, data, pair.privateKey),
        key: { $case: "publicKey" as const, publicKey: pem, hint: hint(pair.publicKey) },
      }),
    };
    return { signer, pem, publicKey: pair.publicKey };
  }
  const data = Buffer.from("weights: 0.25 0.5 0.125\n");
  let file: string, ec: ReturnType<typeof keyPair>, ed: ReturnType<typeof keyPair>, ecPem: string, edPem: string, otherPem: string;
  let ecBundle: string, edBundle: string, dsseBundle: string;
  beforeAll(async () => {
    file = join(dir, "weights.txt");
    writeFileSync(file, data);
    ec = keyPair("ec");
    ed = keyPair("ed25519");
    ecPem = join(dir, "ec.pub.pem");
    writeFileSync(ecPem, ec.pem);
    edPem = join(dir, "ed25519.pub.pem");
    writeFileSync(edPem, ed.pem);
    otherPem = join(dir, "other.pub.pem");
    writeFileSync(otherPem, keyPair("ec").pem);
    ecBundle = writeJson("weights.ec.sigstore.json", bundleToJSON(await new MessageSignatureBundleBuilder({ signer: ec.signer, witnesses: [] }).create({ data })));
    edBundle = writeJson("weights.ed25519.sigstore.json", bundleToJSON(await new MessageSignatureBundleBuilder({ signer: ed.signer, witnesses: [] }).create({ data })));
    const statementV1 = {
      _type: "https://in-toto.io/Statement/v1",
      subject: [{ name: "weights.txt", digest: { sha256: createHash("sha256").update(data).digest("hex") } }],
      predicateType: "https://example.org/test-predicate/v1",
      predicate: {},
    };
    const dsse = await new DSSEBundleBuilder({ signer: ec.signer, witnesses: [] }).create({ data: Buffer.from(JSON.stringify(statementV1)), type: "application/vnd.in-toto+json" });
    dsseBundle = writeJson("weights.intoto.sigstore.json", bundleToJSON(dsse));
  });

  it("a message signature round-trips: sign, then verify the file with --key", async () => {
    const result = await verify(["--bundle", ecBundle, "--file", file, "--key", ecPem, "--json"]);
    expect([result.code, result.stderr]).toEqual([0, ""]);
    expect(result.json()).toMatchObject({
      ok: true,
      kind: "message_signature",
      identity: null,
      issuer: null,
      key: { sha256: hint(ec.publicKey) },
      tlog: null,
      digest: { algorithm: "sha256", hex: createHash("sha256").update(data).digest("hex") },
      subject: { name: file },
    });
    const human = await verify(["--bundle", ecBundle, "--file", file, "--key", ecPem]);
    expect(human.stdout).toBe(`OK  ${ecBundle} signed ${file} with key sha256:${hint(ec.publicKey).slice(0, 16)}…, not logged in a transparency log\n`);
  });

  it("an Ed25519 message signature round-trips too", async () => {
    const result = await verify(["--bundle", edBundle, "--file", file, "--key", edPem]);
    expect([result.code, result.stderr]).toEqual([0, ""]);
  });

  it("one byte changed in the file: SIGNATURE_INVALID (for ECDSA and Ed25519)", async () => {
    const changed = join(dir, "weights-changed.txt");
    const bytes = Buffer.from(data);
    bytes[9] = bytes[9]! ^ 1;
    writeFileSync(changed, bytes);
    for (const [bundle, pem] of [[ecBundle, ecPem], [edBundle, edPem]] as const) {
      const message = expectFailure(await verify(["--bundle", bundle, "--file", changed, "--key", pem, "--json"]), "SIGNATURE_INVALID", 1);
      expect(message).toContain(`file ${changed} has sha256 ${createHash("sha256").update(bytes).digest("hex")}, but the bundle signed bytes with sha256 ${createHash("sha256").update(data).digest("hex")}`);
    }
  });

  it("one byte changed in the signature: SIGNATURE_INVALID", async () => {
    const bundle = readJson(ecBundle);
    const signature = Buffer.from(bundle.messageSignature.signature, "base64");
    signature[signature.length - 3] = signature[signature.length - 3]! ^ 1;
    bundle.messageSignature.signature = signature.toString("base64");
    const message = expectFailure(await verify(["--bundle", writeJson("resigned.sigstore.json", bundle), "--file", file, "--key", ecPem, "--json"]), "SIGNATURE_INVALID", 1);
    expect(message).toContain(`its signature does not verify over file ${file} with --key ${ecPem}`);
  });

  it("another key: SIGNATURE_UNTRUSTED", async () => {
    const message = expectFailure(await verify(["--bundle", ecBundle, "--file", file, "--key", otherPem, "--json"]), "SIGNATURE_UNTRUSTED", 1);
    expect(message).toContain(`the bundle names another key (hint ${hint(ec.publicKey)}): it was signed by another key`);
  });

  it("a DSSE statement signed by a key: its subject is the file (sha256), by --file or --digest", async () => {
    const byFile = await verify(["--bundle", dsseBundle, "--file", file, "--key", ecPem]);
    expect([byFile.code, byFile.stderr]).toEqual([0, ""]);
    expect(byFile.stdout).toBe(`OK  ${dsseBundle} signed ${file} (weights.txt) with key sha256:${hint(ec.publicKey).slice(0, 16)}…, not logged in a transparency log\n`);
    const byDigest = await verify(["--bundle", dsseBundle, "--digest", `sha256:${createHash("sha256").update(data).digest("hex")}`, "--key", ecPem]);
    expect([byDigest.code, byDigest.stderr]).toEqual([0, ""]);
    expectFailure(await verify(["--bundle", dsseBundle, "--file", fixture("statement.json"), "--key", ecPem, "--json"]), "DIGEST_NOT_SUBJECT", 1);
  });

  it("a message signature cannot be checked from a digest alone: --digest is a usage error", async () => {
    const message = expectFailure(await verify(["--bundle", ecBundle, "--digest", `sha256:${createHash("sha256").update(data).digest("hex")}`, "--key", ecPem, "--json"]), "USAGE", 2);
    expect(message).toContain("give --file, not --digest");
  });

  it("a key-pair bundle checked for an identity, or a keyless one checked with --key: SIGNATURE_UNTRUSTED", async () => {
    const keyBundle = await verify(["--bundle", ecBundle, "--file", file, "--identity", IDENTITY, "--issuer", ISSUER, "--json"]);
    expect(expectFailure(keyBundle, "SIGNATURE_UNTRUSTED", 1)).toContain("is signed with a key pair");
    const keylessBundle = await verify(["--bundle", fixture("bundleV03-dsse.sigstore"), "--digest", DIGEST, "--key", ecPem, "--json"]);
    expect(expectFailure(keylessBundle, "SIGNATURE_UNTRUSTED", 1)).toContain(`is signed with a certificate for ${IDENTITY} (issuer ${ISSUER}), not with --key ${ecPem}`);
  });
});

describe("bindery trust update (only its offline failure)", () => {
  let server: Server;
  let mirror: string;
  const requests: string[] = [];
  beforeAll(async () => {
    server = createServer((request, response) => {
      requests.push(`${request.method} ${request.url}`);
      response.writeHead(503, { "content-type": "text/plain" }).end("unavailable\n");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    mirror = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("--help says what it fetches and where it writes", async () => {
    const result = await bindery(["trust", "update", "--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("--mirror <url>");
    expect(result.stdout).toContain("--output <file>");
    expect(result.stdout).toContain("trust/public-good/trusted_root.json");
  });

  it("a mirror that answers 503: REMOTE_UNAVAILABLE, exit 4, nothing written", async () => {
    const output = join(dir, "trust", "trusted_root.json");
    const result = await bindery(["trust", "update", "--mirror", mirror, "--output", output, "--json"], { env: OFFLINE });
    expect(result.code).toBe(4);
    expect(result.json()).toMatchObject({ ok: false, error: { code: "REMOTE_UNAVAILABLE", exit_code: 4, message: `could not refresh the Sigstore trusted root from ${mirror}: it answered HTTP 503.` } });
    expect(result.stderr).toMatch(/^bindery trust update: REMOTE_UNAVAILABLE: .*Retry when the network is back/);
    expect(requests[0]).toMatch(/^GET \/\d+\.root\.json$/);
    expect(existsSync(output)).toBe(false);
  });
});
