/**
 * Just enough DER and X.509 to issue certificates on loopback: Node can parse and verify
 * certificates but not create them. Certificates are X.509 v3, signed with ECDSA and SHA-256 by a
 * CA's private key (keys from `crypto.generateKeyPairSync("ec", { namedCurve: "P-256" })`).
 */
import { createHash, randomBytes, sign, type KeyObject } from "node:crypto";

// ---- DER ------------------------------------------------------------------------------------

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let rest = n; rest > 0; rest >>= 8) bytes.unshift(rest & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** One type-length-value element. */
export function tlv(tag: number, content: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([tag]), length(content.length), content]);
}

/** Minimal DER writers; each returns one encoded element. */
export const der = {
  sequence: (...items: Buffer[]) => tlv(0x30, Buffer.concat(items)),
  set: (...items: Buffer[]) => tlv(0x31, Buffer.concat(items)),
  boolean: (value: boolean) => tlv(0x01, Buffer.from([value ? 0xff : 0x00])),
  /** A non-negative INTEGER. */
  integer(value: bigint | number): Buffer {
    let hex = BigInt(value).toString(16);
    if (hex.length % 2) hex = `0${hex}`;
    const bytes = Buffer.from(hex, "hex");
    return tlv(0x02, bytes[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
  },
  oid(dotted: string): Buffer {
    const [first = 0, second = 0, ...rest] = dotted.split(".").map(Number);
    const bytes = [40 * first + second];
    for (const arc of rest) {
      const groups = [arc & 0x7f];
      for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) groups.unshift((v & 0x7f) | 0x80);
      bytes.push(...groups);
    }
    return tlv(0x06, Buffer.from(bytes));
  },
  utf8: (text: string) => tlv(0x0c, Buffer.from(text, "utf8")),
  printable: (text: string) => tlv(0x13, Buffer.from(text, "ascii")),
  /** UTCTime through 2049, GeneralizedTime after (RFC 5280 4.1.2.5); whole seconds. */
  time(date: Date): Buffer {
    const iso = date.toISOString().replace(/[-:T]/g, "").slice(0, 14);
    return date.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(`${iso.slice(2)}Z`)) : tlv(0x18, Buffer.from(`${iso}Z`));
  },
  bitString: (bytes: Uint8Array, unusedBits = 0) => tlv(0x03, Buffer.concat([Buffer.from([unusedBits]), bytes])),
  octetString: (bytes: Uint8Array) => tlv(0x04, bytes),
  /** `[n] EXPLICIT`: a constructed context tag around one element. */
  explicit: (n: number, inner: Buffer) => tlv(0xa0 | n, inner),
  /** `[n] IMPLICIT` of a primitive value (GeneralName's rfc822Name, URI, keyIdentifier). */
  implicit: (n: number, bytes: Uint8Array) => tlv(0x80 | n, bytes),
};

// ---- X.509 ----------------------------------------------------------------------------------

export const OID = {
  commonName: "2.5.4.3",
  organization: "2.5.4.10",
  ecdsaWithSha256: "1.2.840.10045.4.3.2",
  subjectKeyIdentifier: "2.5.29.14",
  keyUsage: "2.5.29.15",
  subjectAltName: "2.5.29.17",
  basicConstraints: "2.5.29.19",
  authorityKeyIdentifier: "2.5.29.35",
  extKeyUsage: "2.5.29.37",
  codeSigning: "1.3.6.1.5.5.7.3.3",
} as const;

export interface Extension {
  oid: string;
  critical?: boolean;
  /** The DER that goes inside extnValue's OCTET STRING. */
  value: Buffer;
}

/** A distinguished name as `O=…, CN=…`; an empty one encodes as an empty SEQUENCE. */
export interface Name {
  organization?: string;
  commonName?: string;
}

export function encodeName(name: Name): Buffer {
  const rdn = (oid: string, value: string) => der.set(der.sequence(der.oid(oid), der.utf8(value)));
  return der.sequence(
    ...(name.organization === undefined ? [] : [rdn(OID.organization, name.organization)]),
    ...(name.commonName === undefined ? [] : [rdn(OID.commonName, name.commonName)]),
  );
}

/** The key identifier of a public key: SHA-1 of its SubjectPublicKeyInfo DER. */
export function keyIdentifier(publicKey: KeyObject): Buffer {
  return createHash("sha1").update(publicKey.export({ format: "der", type: "spki" })).digest();
}

/** Key usage bits, numbered as in RFC 5280 4.2.1.3. */
export const KeyUsage = { digitalSignature: 0, keyCertSign: 5, cRLSign: 6 } as const;

export const extensions = {
  basicConstraints: (ca: boolean, pathLength?: number): Extension => ({
    oid: OID.basicConstraints,
    critical: true,
    value: der.sequence(...(ca ? [der.boolean(true)] : []), ...(ca && pathLength !== undefined ? [der.integer(pathLength)] : [])),
  }),
  keyUsage(...bits: number[]): Extension {
    const mask = bits.reduce((m, bit) => m | (0x80 >> bit), 0);
    let unused = 0;
    while (unused < 7 && !(mask & (1 << unused))) unused += 1;
    return { oid: OID.keyUsage, critical: true, value: der.bitString(Buffer.from([mask]), unused) };
  },
  extKeyUsage: (...oids: string[]): Extension => ({ oid: OID.extKeyUsage, value: der.sequence(...oids.map((oid) => der.oid(oid))) }),
  subjectKeyIdentifier: (key: KeyObject): Extension => ({ oid: OID.subjectKeyIdentifier, value: der.octetString(keyIdentifier(key)) }),
  authorityKeyIdentifier: (issuerKey: KeyObject): Extension => ({
    oid: OID.authorityKeyIdentifier,
    value: der.sequence(der.implicit(0, keyIdentifier(issuerKey))),
  }),
  /** GeneralNames: rfc822Name [1] and uniformResourceIdentifier [6]. */
  subjectAltName: (names: { email?: string; uri?: string }, critical: boolean): Extension => ({
    oid: OID.subjectAltName,
    critical,
    value: der.sequence(
      ...(names.email === undefined ? [] : [der.implicit(1, Buffer.from(names.email, "ascii"))]),
      ...(names.uri === undefined ? [] : [der.implicit(6, Buffer.from(names.uri, "ascii"))]),
    ),
  }),
};

export interface CertificateSpec {
  subject: Name;
  issuer: Name;
  /** The certified key. */
  publicKey: KeyObject;
  /** The issuer's key pair (the subject's own for a self-signed certificate). */
  signer: { privateKey: KeyObject; publicKey: KeyObject };
  notBefore: Date;
  notAfter: Date;
  extensions: Extension[];
  /** Default: 16 random bytes. */
  serialNumber?: bigint;
}

/** A DER X.509 v3 certificate signed with ECDSA/SHA-256 by `spec.signer`. */
export function createCertificate(spec: CertificateSpec): Buffer {
  const algorithm = der.sequence(der.oid(OID.ecdsaWithSha256));
  const serial = spec.serialNumber ?? (BigInt(`0x${randomBytes(16).toString("hex")}`) >> 1n) + 1n;
  const tbs = der.sequence(
    der.explicit(0, der.integer(2)),
    der.integer(serial),
    algorithm,
    encodeName(spec.issuer),
    der.sequence(der.time(spec.notBefore), der.time(spec.notAfter)),
    encodeName(spec.subject),
    spec.publicKey.export({ format: "der", type: "spki" }),
    der.explicit(
      3,
      der.sequence(
        ...spec.extensions.map((e) => der.sequence(der.oid(e.oid), ...(e.critical ? [der.boolean(true)] : []), der.octetString(e.value))),
      ),
    ),
  );
  return der.sequence(tbs, algorithm, der.bitString(sign("sha256", tbs, spec.signer.privateKey)));
}

/** PEM with 64-character lines and a final newline, as Go's `pem.Encode` writes it. */
export function toPem(bytes: Uint8Array, label = "CERTIFICATE"): string {
  const lines = Buffer.from(bytes).toString("base64").match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}
