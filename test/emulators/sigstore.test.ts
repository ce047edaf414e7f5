/**
 * The loopback Sigstore emulators driven by the real clients: `sigstore.sign()`/`attest()` get a
 * certificate from Fulcio and an entry from Rekor, and every bundle is verified offline by
 * `@sigstore/verify` against the emulators' trusted root (no CT log, so `ctlogThreshold: 0`).
 */
import { createHash, createPublicKey, generateKeyPairSync, sign as signBytes } from "node:crypto";
import { bundleFromJSON, type SerializedBundle } from "@sigstore/bundle";
import { HashAlgorithm, TrustedRoot } from "@sigstore/protobuf-specs";
import { RekorWitness } from "@sigstore/sign";
import { toSignedEntity, toTrustMaterial, Verifier, type Signer, type VerificationPolicy } from "@sigstore/verify";
import { attest, sign, type SignOptions } from "sigstore";
import { afterEach, describe, expect, it } from "vitest";
import { FULCIO_OID, startEmulators, startSigstoreEmulators, type SigstoreEmulators, type TokenOptions } from "../support/lib.js";

const EMAIL = "release@bindery.invalid";
const IN_TOTO = "application/vnd.in-toto+json";
const STATEMENT = Buffer.from(
  JSON.stringify({ _type: "https://in-toto.io/Statement/v1", subject: [{ name: "model.safetensors", digest: { sha256: "0".repeat(64) } }], predicateType: "https://bindery.invalid/release/v1", predicate: {} }),
);

const running: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((emulator) => emulator.close()));
});

async function start(): Promise<SigstoreEmulators> {
  const emulators = await startSigstoreEmulators();
  running.push(emulators);
  return emulators;
}

/** sign()/attest() options against the emulators; retries are quick so a fault test stays fast. */
function options(emu: { fulcioURL: string; rekorURL: string }, token: string, extra: Partial<SignOptions> = {}): SignOptions {
  return { fulcioURL: emu.fulcioURL, rekorURL: emu.rekorURL, identityProvider: { getToken: async () => token }, tlogUpload: true, retry: { retries: 2, minTimeout: 5, maxTimeout: 20 }, ...extra };
}

function signWith(emu: SigstoreEmulators, data: Buffer, token: TokenOptions = {}, extra: Partial<SignOptions> = {}) {
  return sign(data, options(emu, emu.issueToken(token), extra));
}

/** Offline verification as bindery does it: the trusted root only, one tlog entry, no SCT. */
function verifyBundle(trustedRoot: unknown, bundle: SerializedBundle, data?: Buffer, policy?: VerificationPolicy): Signer {
  const verifier = new Verifier(toTrustMaterial(TrustedRoot.fromJSON(trustedRoot)), { ctlogThreshold: 0, tlogThreshold: 1, tsaThreshold: 0 });
  return verifier.verify(toSignedEntity(bundleFromJSON(bundle), data), policy);
}

const policyFor = (emu: SigstoreEmulators, san = EMAIL): VerificationPolicy => ({ subjectAlternativeName: san, extensions: { issuer: emu.issuer } });
const copy = (bundle: SerializedBundle): SerializedBundle => structuredClone(bundle);

function flipBase64(value: string, byte = 0): string {
  const bytes = Buffer.from(value, "base64");
  bytes[byte] = bytes[byte]! ^ 0x01;
  return bytes.toString("base64");
}

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error");
}

function tlogEntry(bundle: SerializedBundle) {
  const entry = bundle.verificationMaterial.tlogEntries[0];
  if (!entry) throw new Error("bundle has no tlog entry");
  return entry;
}

async function postJson(url: string, body: unknown): Promise<{ status: number; json: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

describe("signing round trips, verified offline", () => {
  it("sign(): a message signature with a Fulcio certificate and a hashedrekord entry", async () => {
    const emu = await start();
    const data = Buffer.from("weights of a tiny model\n");
    const bundle = await signWith(emu, data);

    expect(tlogEntry(bundle).kindVersion).toEqual({ kind: "hashedrekord", version: "0.0.1" });
    expect(tlogEntry(bundle).inclusionProof?.checkpoint.envelope).toMatch(/^127\.0\.0\.1:\d+ - \d+\n1\n/);
    expect(emu.rekor.entries).toHaveLength(1);
    expect(emu.fulcio.issued).toHaveLength(1);

    const signer = verifyBundle(emu.trustedRoot, bundle, data, policyFor(emu));
    expect(signer.identity?.subjectAlternativeName).toBe(EMAIL);
    expect(signer.identity?.extensions?.issuer).toBe(emu.issuer);
  });

  it("attest(): a DSSE envelope logged as a dsse 0.0.1 entry", async () => {
    const emu = await start();
    const bundle = await attest(STATEMENT, IN_TOTO, options(emu, emu.issueToken()));

    expect(tlogEntry(bundle).kindVersion).toEqual({ kind: "dsse", version: "0.0.1" });
    const body = JSON.parse(Buffer.from(tlogEntry(bundle).canonicalizedBody, "base64").toString("utf8")) as { spec: Record<string, unknown> };
    expect(Object.keys(body.spec)).toEqual(["envelopeHash", "payloadHash", "signatures"]);
    expect(verifyBundle(emu.trustedRoot, bundle, undefined, policyFor(emu)).identity?.subjectAlternativeName).toBe(EMAIL);
  });

  it("attest() with legacyCompatibility: an intoto 0.0.2 entry in a v0.2 bundle", async () => {
    const emu = await start();
    const bundle = await attest(STATEMENT, IN_TOTO, options(emu, emu.issueToken(), { legacyCompatibility: true }));

    expect(tlogEntry(bundle).kindVersion).toEqual({ kind: "intoto", version: "0.0.2" });
    expect(bundle.mediaType).toBe("application/vnd.dev.sigstore.bundle+json;version=0.2");
    expect(bundle.verificationMaterial.x509CertificateChain?.certificates).toHaveLength(1);
    verifyBundle(emu.trustedRoot, bundle, undefined, policyFor(emu));
  });

  it("a GitHub Actions-like workflow identity: a URI SAN and the workflow extensions", async () => {
    const emu = await start();
    const data = Buffer.from("built in CI\n");
    const bundle = await signWith(emu, data, { workflow: { repository: "bindery-org/tiny-model", sha: "a".repeat(40) } });

    const signer = verifyBundle(emu.trustedRoot, bundle, data, policyFor(emu, "https://github.com/bindery-org/tiny-model/.github/workflows/release.yml@refs/heads/main"));
    const oid = (id: string) => signer.identity?.oids?.find((o) => o.oid?.id.join(".") === id)?.value.toString("utf8");
    expect(oid(FULCIO_OID.githubWorkflowRepository)).toBe("bindery-org/tiny-model");
    expect(oid(FULCIO_OID.githubWorkflowSha)).toBe("a".repeat(40));
    expect(oid(FULCIO_OID.issuer)).toBe(emu.issuer);
  });
});

describe("verification fails when it should", () => {
  it("one byte changed in the signed data", async () => {
    const emu = await start();
    const data = Buffer.from("weights of a tiny model\n");
    const bundle = await signWith(emu, data);
    const tampered = Buffer.from(data);
    tampered[3] = tampered[3]! ^ 0x01;
    expect(() => verifyBundle(emu.trustedRoot, bundle, tampered, policyFor(emu))).toThrow(/digest mismatch|signature/i);

    const envelope = await attest(STATEMENT, IN_TOTO, options(emu, emu.issueToken()));
    const edited = copy(envelope);
    edited.dsseEnvelope!.payload = flipBase64(edited.dsseEnvelope!.payload, 10);
    expect(() => verifyBundle(emu.trustedRoot, edited)).toThrow(/hash mismatch|signature/i);
  });

  it("a wrong identity or issuer in the policy", async () => {
    const emu = await start();
    const data = Buffer.from("x");
    const bundle = await signWith(emu, data);
    expect(thrown(() => verifyBundle(emu.trustedRoot, bundle, data, policyFor(emu, "someone@else.invalid")))).toMatchObject({ code: "UNTRUSTED_SIGNER_ERROR" });
    const otherIssuer = { subjectAlternativeName: EMAIL, extensions: { issuer: "https://accounts.google.com" } };
    expect(thrown(() => verifyBundle(emu.trustedRoot, bundle, data, otherIssuer))).toMatchObject({ code: "UNTRUSTED_SIGNER_ERROR" });
  });

  it("another emulator instance's trusted root", async () => {
    const [emu, other] = await Promise.all([start(), start()]);
    const data = Buffer.from("x");
    const bundle = await signWith(emu, data);
    expect(() => verifyBundle(other.trustedRoot, bundle, data, policyFor(emu))).toThrow();
    const withoutOurLog = { ...emu.trustedRoot, tlogs: other.trustedRoot.tlogs };
    expect(() => verifyBundle(withoutOurLog, bundle, data, policyFor(emu))).toThrow(/inclusion|tlog/i);
  });

  it("the inclusion proof and checkpoint are checked, not only the signed entry timestamp", async () => {
    const emu = await start();
    await signWith(emu, Buffer.from("first"));
    const data = Buffer.from("second");
    const bundle = await signWith(emu, data);
    const proof = tlogEntry(bundle).inclusionProof!;
    expect(proof.treeSize).toBe("2");
    expect(proof.hashes).toHaveLength(1);
    // The proof's root is the checkpoint's root.
    expect(proof.checkpoint.envelope.split("\n")[2]).toBe(proof.rootHash);
    verifyBundle(emu.trustedRoot, bundle, data, policyFor(emu));

    const wrongHash = copy(bundle);
    tlogEntry(wrongHash).inclusionProof!.hashes[0] = flipBase64(proof.hashes[0]!);
    expect(() => verifyBundle(emu.trustedRoot, wrongHash, data)).toThrow(/root hash/);

    const wrongCheckpointRoot = copy(bundle);
    const lines = proof.checkpoint.envelope.split("\n");
    lines[2] = flipBase64(lines[2]!);
    tlogEntry(wrongCheckpointRoot).inclusionProof!.checkpoint.envelope = lines.join("\n");
    expect(() => verifyBundle(emu.trustedRoot, wrongCheckpointRoot, data)).toThrow(/checkpoint signature/);

    // @sigstore/verify recomputes the root from the proof and compares it with the signed
    // checkpoint's root; inclusionProof.rootHash itself is not consulted.
    const onlyRootHash = copy(bundle);
    tlogEntry(onlyRootHash).inclusionProof!.rootHash = flipBase64(proof.rootHash);
    expect(() => verifyBundle(emu.trustedRoot, onlyRootHash, data)).not.toThrow();

    const wrongTimestamp = copy(bundle);
    const promise = tlogEntry(wrongTimestamp).inclusionPromise!;
    promise.signedEntryTimestamp = flipBase64(promise.signedEntryTimestamp, 12);
    expect(() => verifyBundle(emu.trustedRoot, wrongTimestamp, data)).toThrow(/inclusion promise/);
  });
});

describe("Fulcio", () => {
  async function proposal(emu: SigstoreEmulators, token: string, challenge = EMAIL) {
    const keys = generateKeyPairSync("ec", { namedCurve: "P-256" });
    return postJson(`${emu.fulcioURL}/api/v2/signingCert`, {
      credentials: { oidcIdentityToken: token },
      publicKeyRequest: {
        publicKey: { algorithm: "ECDSA", content: keys.publicKey.export({ format: "pem", type: "spki" }) },
        proofOfPossession: signBytes("sha256", Buffer.from(challenge), keys.privateKey).toString("base64"),
      },
    });
  }

  it("answers a good request with the chain leaf, intermediate, root", async () => {
    const emu = await start();
    const { status, json } = await proposal(emu, emu.issueToken());
    expect(status).toBe(200);
    const chain = (json.signedCertificateDetachedSct as { chain: { certificates: string[] } }).chain.certificates;
    expect(chain).toHaveLength(3);
    expect(chain.every((pem) => pem.startsWith("-----BEGIN CERTIFICATE-----\n"))).toBe(true);
  });

  it("refuses an expired token with 401, and sign() fails", async () => {
    const emu = await start();
    const expired = emu.issueToken({ expiresInSeconds: -1 });
    const { status, json } = await proposal(emu, expired);
    expect(status).toBe(401);
    expect(json).toMatchObject({ code: 16, message: expect.stringMatching(/expired/) });
    await expect(sign(Buffer.from("x"), options(emu, expired))).rejects.toMatchObject({ code: "CA_CREATE_SIGNING_CERTIFICATE_ERROR", cause: { statusCode: 401 } });
    expect(emu.rekor.entries).toHaveLength(0);
  });

  it("refuses tokens from an unknown issuer, for another audience, unverified emails and forged signatures (401)", async () => {
    const [emu, other] = await Promise.all([start(), start()]);
    const refused = [
      emu.issueToken({ issuer: "https://accounts.google.com" }),
      emu.issueToken({ audience: "not-sigstore" }),
      emu.issueToken({ claims: { email_verified: false } }),
      other.issueToken(),
      "not.a.jwt",
    ];
    for (const token of refused) expect((await proposal(emu, token)).status).toBe(401);
  });

  it("refuses a bad proof of possession or an unusable key (400)", async () => {
    const emu = await start();
    const token = emu.issueToken();
    const badProof = await proposal(emu, token, "someone@else.invalid");
    expect(badProof.status).toBe(400);
    expect(badProof.json).toMatchObject({ code: 3, message: "The signature supplied in the request could not be verified" });
    const badKey = await postJson(`${emu.fulcioURL}/api/v2/signingCert`, {
      credentials: { oidcIdentityToken: token },
      publicKeyRequest: { publicKey: { algorithm: "ECDSA", content: "not a key" }, proofOfPossession: "AAAA" },
    });
    expect(badKey.status).toBe(400);
    expect(emu.fulcio.issued).toHaveLength(0);
  });

  it("serves its trust bundle and configuration", async () => {
    const emu = await start();
    const bundle = (await (await fetch(`${emu.fulcioURL}/api/v2/trustBundle`)).json()) as { chains: { certificates: string[] }[] };
    expect(bundle.chains[0]?.certificates).toHaveLength(2);
    const config = (await (await fetch(`${emu.fulcioURL}/api/v2/configuration`)).json()) as { issuers: { issuerUrl: string }[] };
    expect(config.issuers[0]?.issuerUrl).toBe(emu.issuer);
  });
});

describe("Rekor", () => {
  /** A hashedrekord proposal as sigstore-js builds it, over `data` with a fresh key. */
  function hashedrekord(data: Buffer) {
    const keys = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const pem = keys.publicKey.export({ format: "pem", type: "spki" }).toString();
    const digest = createHash("sha256").update(data).digest();
    const signature = signBytes("sha256", data, keys.privateKey);
    return {
      pem,
      digest,
      signature,
      proposed: {
        apiVersion: "0.0.1",
        kind: "hashedrekord",
        spec: {
          data: { hash: { algorithm: "sha256", value: digest.toString("hex") } },
          signature: { content: signature.toString("base64"), publicKey: { content: Buffer.from(pem).toString("base64") } },
        },
      },
    };
  }

  it("answers a duplicate with 409 and a Location that GET resolves", async () => {
    const emu = await start();
    const { proposed } = hashedrekord(Buffer.from("artifact"));
    const first = await postJson(`${emu.rekorURL}/api/v1/log/entries`, proposed);
    expect(first.status).toBe(201);
    const [uuid] = Object.keys(first.json);
    expect(uuid).toMatch(/^[0-9a-f]{80}$/);
    expect(first.headers.get("location")).toBe(`/api/v1/log/entries/${uuid}`);

    const again = await postJson(`${emu.rekorURL}/api/v1/log/entries`, proposed);
    expect(again.status).toBe(409);
    expect(again.json).toMatchObject({ code: 409, message: expect.stringContaining(uuid!) });
    expect(again.headers.get("location")).toBe(`/api/v1/log/entries/${uuid}`);

    const fetched = (await (await fetch(`${emu.rekorURL}${again.headers.get("location")}`)).json()) as Record<string, { logIndex: number }>;
    expect(fetched[uuid!]?.logIndex).toBe(0);
    expect(emu.rekor.entries).toHaveLength(1);
  });

  it("the client fetches the existing entry on 409 only when fetchOnConflict is set", async () => {
    const emu = await start();
    const { pem, digest, signature } = hashedrekord(Buffer.from("artifact"));
    const content = { $case: "messageSignature" as const, messageSignature: { messageDigest: { algorithm: HashAlgorithm.SHA2_256, digest }, signature } };
    const fetching = new RekorWitness({ rekorBaseURL: emu.rekorURL, fetchOnConflict: true });
    const first = await fetching.testify(content, pem);
    const second = await fetching.testify(content, pem);
    expect(second.tlogEntries[0]?.logIndex).toBe(first.tlogEntries[0]?.logIndex);
    const strict = new RekorWitness({ rekorBaseURL: emu.rekorURL, fetchOnConflict: false });
    await expect(strict.testify(content, pem)).rejects.toMatchObject({ code: "TLOG_CREATE_ENTRY_ERROR", cause: { statusCode: 409 } });
  });

  it("refuses a signature that does not verify, and unknown entry kinds (400)", async () => {
    const emu = await start();
    const { proposed } = hashedrekord(Buffer.from("artifact"));
    proposed.spec.data.hash.value = createHash("sha256").update("other").digest("hex");
    expect((await postJson(`${emu.rekorURL}/api/v1/log/entries`, proposed)).status).toBe(400);
    expect((await postJson(`${emu.rekorURL}/api/v1/log/entries`, { apiVersion: "0.0.1", kind: "rekord", spec: {} })).status).toBe(400);
    expect(emu.rekor.entries).toHaveLength(0);
  });

  it("proofs fetched later verify against the grown tree, for every leaf", async () => {
    const emu = await start();
    const items = Array.from({ length: 5 }, (_, i) => Buffer.from(`artifact ${i}`));
    const bundles: SerializedBundle[] = [];
    for (const data of items) bundles.push(await signWith(emu, data));
    const log = (await (await fetch(`${emu.rekorURL}/api/v1/log`)).json()) as { treeSize: number; rootHash: string };
    expect(log.treeSize).toBe(5);
    const byIndex = (await (await fetch(`${emu.rekorURL}/api/v1/log/entries?logIndex=2`)).json()) as Record<string, unknown>;
    expect(Object.keys(byIndex)).toEqual([emu.rekor.entries[2]!.uuid]);
    const pem = await (await fetch(`${emu.rekorURL}/api/v1/log/publicKey`)).text();
    expect(createPublicKey(pem).export({ format: "der", type: "spki" }).toString("base64")).toBe(emu.trustedRoot.tlogs[0]!.publicKey.rawBytes);

    for (const [index, bundle] of bundles.entries()) {
      const uuid = emu.rekor.entries[index]!.uuid;
      const fetched = (await (await fetch(`${emu.rekorURL}/api/v1/log/entries/${uuid}`)).json()) as Record<string, RekorEntry>;
      const proof = fetched[uuid]!.verification.inclusionProof;
      expect(proof.treeSize).toBe(5);
      expect(proof.rootHash).toBe(log.rootHash);
      const updated = copy(bundle);
      tlogEntry(updated).inclusionProof = {
        logIndex: String(proof.logIndex),
        rootHash: Buffer.from(proof.rootHash, "hex").toString("base64"),
        treeSize: String(proof.treeSize),
        hashes: proof.hashes.map((h) => Buffer.from(h, "hex").toString("base64")),
        checkpoint: { envelope: proof.checkpoint },
      };
      verifyBundle(emu.trustedRoot, updated, items[index], policyFor(emu));
    }
  });

  it("a 503 from Rekor is retried by the client", async () => {
    const emu = await start();
    emu.rekor.faults.inject({ method: "POST", path: "/api/v1/log/entries", fault: { kind: "status", status: 503 } });
    const data = Buffer.from("x");
    verifyBundle(emu.trustedRoot, await signWith(emu, data), data, policyFor(emu));
    expect(emu.rekor.faults.pending).toBe(0);
  });
});

interface RekorEntry {
  verification: { inclusionProof: { logIndex: number; rootHash: string; treeSize: number; hashes: string[]; checkpoint: string } };
}

describe("startEmulators()", () => {
  it("adds Fulcio, Rekor and an identity token to the environment, and closes them", async () => {
    const emulators = await startEmulators();
    running.push(emulators);
    expect(Object.keys(emulators.env)).toEqual(["HF_ENDPOINT", "GITHUB_API_URL", "GITHUB_SERVER_URL", "SIGSTORE_FULCIO_URL", "SIGSTORE_REKOR_URL", "SIGSTORE_ID_TOKEN"]);
    const { env, sigstore } = emulators;
    const data = Buffer.from("release notes");
    const bundle = await sign(data, { fulcioURL: env.SIGSTORE_FULCIO_URL!, rekorURL: env.SIGSTORE_REKOR_URL!, identityToken: env.SIGSTORE_ID_TOKEN! });
    expect(verifyBundle(sigstore.trustedRoot, bundle, data, policyFor(sigstore)).identity?.subjectAlternativeName).toBe(EMAIL);

    await emulators.close();
    await expect(fetch(`${env.SIGSTORE_FULCIO_URL}/api/v2/configuration`)).rejects.toThrow();
    await expect(fetch(`${env.SIGSTORE_REKOR_URL}/api/v1/log`)).rejects.toThrow();
  });
});
