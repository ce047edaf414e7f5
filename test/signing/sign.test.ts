/**
 * `bindery sign` and `bindery attest`, round trips through `bindery verify-signature`: keyless
 * against the loopback Fulcio and Rekor, and with a key pair; a one-byte change in a signed file
 * fails either way.
 */
import { generateKeyPairSync } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bindery, type CliResult } from "../support/cli.js";
import { startSigstoreEmulators, type SigstoreEmulators } from "../support/lib.js";
import { tempDir } from "../support/tmp.js";

let sigstore: SigstoreEmulators;
beforeAll(async () => {
  sigstore = await startSigstoreEmulators();
});
afterAll(() => sigstore.close());

const IDENTITY = "release@bindery.invalid";
const keyless = () => ({ SIGSTORE_FULCIO_URL: sigstore.fulcioURL, SIGSTORE_REKOR_URL: sigstore.rekorURL, SIGSTORE_ID_TOKEN: sigstore.issueToken({ email: IDENTITY }) });

function project(): string {
  const dir = tempDir();
  writeFileSync(join(dir, "SHA256SUMS"), "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03  a.txt\n");
  writeFileSync(join(dir, "report.json"), '{"ok": true}\n');
  writeFileSync(join(dir, "trusted_root.json"), JSON.stringify(sigstore.trustedRoot));
  return dir;
}

const expectCode = (r: CliResult, exit: number, code: string, message?: RegExp) => {
  expect(r.code, r.stdout + r.stderr).toBe(exit);
  const { error } = r.json<{ error: { code: string; message: string } }>();
  expect(error.code).toBe(code);
  if (message) expect(error.message).toMatch(message);
};

describe("bindery sign, keyless", () => {
  it("signs files with a Fulcio certificate and a Rekor entry; verify-signature accepts them, and refuses a changed byte", async () => {
    const dir = project();
    const signed = await bindery(["sign", "SHA256SUMS", "report.json", "--output-dir", "sigs", "--json"], { cwd: dir, env: keyless() });
    expect(signed.code, signed.stderr).toBe(0);
    const doc = signed.json<{ signer: unknown; signatures: { label: string; bundle: { path: string } }[] }>();
    expect(doc.signer).toEqual({ mode: "keyless", identity: IDENTITY, issuer: sigstore.issuer });
    expect(doc.signatures.map((s) => [s.label, s.bundle.path])).toEqual([
      ["SHA256SUMS", "SHA256SUMS.sigstore.json"],
      ["report.json", "report.json.sigstore.json"],
    ]);
    const listing = JSON.parse(readFileSync(join(dir, "sigs/signatures.json"), "utf8"));
    expect(listing).toMatchObject({ generated_by: "bindery sign", release: null, signer: { mode: "keyless", identity: IDENTITY } });

    const verify = (file: string, extra: string[] = []) =>
      bindery(["verify-signature", "--bundle", `sigs/${file}.sigstore.json`, "--file", file, "--identity", IDENTITY, "--issuer", sigstore.issuer, "--trusted-root", "trusted_root.json", "--json", ...extra], { cwd: dir });
    for (const file of ["SHA256SUMS", "report.json"]) expect((await verify(file)).code).toBe(0);

    writeFileSync(join(dir, "report.json"), '{"ok": false}\n');
    expectCode(await verify("report.json"), 1, "SIGNATURE_INVALID");
    expectCode(await verify("SHA256SUMS", ["--identity", "someone@bindery.invalid"]), 1, "SIGNER_MISMATCH");
  });

  it("attests a statement as a DSSE bundle", async () => {
    const dir = project();
    // A statement over two subjects, signed as `bindery attest` signs one (the release's comes from its publication report).
    const { signDsse, signingSettings } = await import("../support/lib.js");
    const statement = { _type: "https://in-toto.io/Statement/v1", subject: [{ name: "model/SHA256SUMS", digest: { sha256: "a".repeat(64) } }], predicateType: "urn:bindery:predicate:release:v1", predicate: {} };
    const signed = await signDsse(Buffer.from(JSON.stringify(statement)), "application/vnd.in-toto+json", signingSettings({ env: keyless() }));
    writeFileSync(join(dir, "statement.sigstore.json"), JSON.stringify(signed.bundle));
    const base = ["verify-signature", "--bundle", "statement.sigstore.json", "--identity", IDENTITY, "--issuer", sigstore.issuer, "--trusted-root", "trusted_root.json", "--json"];
    expect((await bindery([...base, "--digest", `sha256:${"a".repeat(64)}`], { cwd: dir })).code).toBe(0);
    expectCode(await bindery([...base, "--digest", `sha256:${"b".repeat(64)}`], { cwd: dir }), 1, "DIGEST_NOT_SUBJECT");
  });

  it("refuses to sign without an identity token, and names the failing service without the token", async () => {
    const dir = project();
    expectCode(await bindery(["sign", "report.json", "--output-dir", "sigs", "--json"], { cwd: dir, env: { SIGSTORE_ID_TOKEN: undefined, ACTIONS_ID_TOKEN_REQUEST_URL: undefined } }), 3, "CREDENTIALS_MISSING", /SIGSTORE_ID_TOKEN/);
    const expired = { ...keyless(), SIGSTORE_ID_TOKEN: sigstore.issueToken({ email: IDENTITY, expiresInSeconds: -60 }) };
    const r = await bindery(["sign", "report.json", "--output-dir", "sigs", "--json"], { cwd: dir, env: expired });
    expectCode(r, 4, "SIGNING_FAILED", new RegExp(`signing failed \\(Fulcio ${sigstore.fulcioURL.replace(/[.:/]/g, "\\$&")}, Rekor `));
    expect(r.stdout + r.stderr).not.toContain(expired.SIGSTORE_ID_TOKEN);
  });
});

describe("bindery sign, with a key pair", () => {
  it("signs without Fulcio or Rekor; verify-signature --key accepts it, and refuses a changed byte and another key", async () => {
    const dir = project();
    for (const [name, type] of [["release", "ec"], ["other", "ed25519"]] as const) {
      const { privateKey, publicKey } = type === "ec" ? generateKeyPairSync("ec", { namedCurve: "P-256" }) : generateKeyPairSync("ed25519");
      writeFileSync(join(dir, `${name}.pem`), privateKey.export({ type: "pkcs8", format: "pem" }));
      writeFileSync(join(dir, `${name}.pub.pem`), publicKey.export({ type: "spki", format: "pem" }));
    }
    const signed = await bindery(["sign", "SHA256SUMS", "--key", "release.pem", "--output-dir", "sigs", "--json"], { cwd: dir, env: { SIGSTORE_FULCIO_URL: "http://127.0.0.1:9/never", SIGSTORE_REKOR_URL: "http://127.0.0.1:9/never" } });
    expect(signed.code, signed.stderr).toBe(0);
    expect(signed.json<{ signer: { mode: string; identity: string } }>().signer).toMatchObject({ mode: "key", identity: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const verify = (key: string) => bindery(["verify-signature", "--bundle", "sigs/SHA256SUMS.sigstore.json", "--file", "SHA256SUMS", "--key", key, "--json"], { cwd: dir });
    expect((await verify("release.pub.pem")).code).toBe(0);
    expectCode(await verify("other.pub.pem"), 1, "SIGNATURE_UNTRUSTED");
    writeFileSync(join(dir, "SHA256SUMS"), readFileSync(join(dir, "SHA256SUMS"), "utf8").replace("a.txt", "b.txt"));
    expectCode(await verify("release.pub.pem"), 1, "SIGNATURE_INVALID");
  });

  it("refuses a key that is not a PEM private key, and a set with two files of one name", async () => {
    const dir = project();
    writeFileSync(join(dir, "bad.pem"), "not a key\n");
    expectCode(await bindery(["sign", "SHA256SUMS", "--key", "bad.pem", "--output-dir", "sigs", "--json"], { cwd: dir }), 3, "INPUT_INVALID", /^--key bad\.pem is not a PEM private key/);
    writeFileSync(join(dir, "good.pem"), generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem" }));
    expectCode(await bindery(["sign", "SHA256SUMS", "./SHA256SUMS", "--key", "good.pem", "--output-dir", "sigs", "--json"], { cwd: dir }), 2, "USAGE", /would both be signed as SHA256SUMS/);
    expectCode(await bindery(["sign", "--output-dir", "sigs", "--json"], { cwd: dir }), 2, "USAGE", /name the files to sign, or --from-publication/);
  });
});
