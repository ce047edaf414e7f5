/**
 * Pins and versions: `name@version+sha256:hex`, where the hash is the model id (sha256 of
 * manifest.json). Versions are semver, with or without a leading `v`; PEP 440 pre-releases
 * (`0.1.0rc1`, `0.1.0a1`, `0.1.0b1`) are read as their semver equivalents (`0.1.0-rc.1`,
 * `0.1.0-alpha.1`, `0.1.0-beta.1`) and always printed in semver; release ids such as
 * `sensors-v0.1.0-r1` are read too (name, version, revision).
 */
import { BinderyError } from "../evidence/errors.js";

export interface Version {
  major: number;
  minor: number;
  patch: number;
  /** Pre-release identifiers, e.g. ["rc", 1]; empty for a release. */
  prerelease: (string | number)[];
}

export interface Pin {
  name: string;
  version: Version | null;
  /** The `-rN` revision of a release id, or null. */
  revision: number | null;
  /** The model id (sha256 of manifest.json) the pin requires, or null. */
  modelId: string | null;
}

const NUM = "(0|[1-9]\\d*)";
const SEMVER = new RegExp(`^v?${NUM}\\.${NUM}\\.${NUM}(?:-((?:0|[1-9]\\d*|\\d*[A-Za-z-][0-9A-Za-z-]*)(?:\\.(?:0|[1-9]\\d*|\\d*[A-Za-z-][0-9A-Za-z-]*))*))?(?:\\+[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*)?$`);
const PEP440 = new RegExp(`^v?${NUM}\\.${NUM}\\.${NUM}(a|b|rc)(0|[1-9]\\d*)$`);
const PEP_NAMES: Readonly<Record<string, string>> = { a: "alpha", b: "beta", rc: "rc" };
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*(?:\/[A-Za-z0-9][A-Za-z0-9._-]*)?$/;
const RELEASE_ID = /^([a-z0-9][a-z0-9._-]*)-(v\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?)-r(\d+)$/;

const identifier = (s: string): string | number => (/^(0|[1-9]\d*)$/.test(s) ? Number(s) : s);

/** Parses a version (semver with or without `v`, or a PEP 440 pre-release); undefined when it is neither. */
export function tryParseVersion(text: string): Version | undefined {
  const pep = PEP440.exec(text);
  if (pep) return { major: Number(pep[1]), minor: Number(pep[2]), patch: Number(pep[3]), prerelease: [PEP_NAMES[pep[4]!]!, Number(pep[5])] };
  const m = SEMVER.exec(text);
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), prerelease: m[4] ? m[4].split(".").map(identifier) : [] };
}

export function parseVersion(text: string): Version {
  const version = tryParseVersion(text);
  if (!version) throw new BinderyError("INPUT_INVALID", `${JSON.stringify(text)} is not a version: use semver (1.2.3, v1.2.3, 1.2.3-rc.1) or a PEP 440 pre-release (1.2.3rc1, 1.2.3a1, 1.2.3b1).`);
  return version;
}

export function formatVersion(v: Version): string {
  return `${v.major}.${v.minor}.${v.patch}${v.prerelease.length ? `-${v.prerelease.join(".")}` : ""}`;
}

/** Parses `NAME[@VERSION][+sha256:HEX]`, or a release id `NAME-vX.Y.Z[-PRE]-rN[+sha256:HEX]`. */
export function parsePin(text: string): Pin {
  const bad = (why: string) => new BinderyError("INPUT_INVALID", `${JSON.stringify(text)} is not a pin: ${why}. A pin is NAME[@VERSION][+sha256:MODEL_ID], e.g. sensors@0.1.0+sha256:<64 hex digits>.`);
  let rest = text.trim();
  let modelId: string | null = null;
  const plus = rest.lastIndexOf("+sha256:");
  if (plus >= 0) {
    const hex = rest.slice(plus + "+sha256:".length);
    if (!/^[0-9a-f]{64}$/.test(hex)) throw bad("the model id after +sha256: must be 64 lowercase hexadecimal digits");
    modelId = hex;
    rest = rest.slice(0, plus);
  } else if (/\+sha\d*:/i.test(rest)) {
    throw bad("only +sha256: model ids are accepted");
  }
  const release = RELEASE_ID.exec(rest);
  if (release && !rest.includes("@")) {
    const version = tryParseVersion(release[2]!);
    if (!version) throw bad(`${release[2]} is not a version`);
    return { name: release[1]!, version, revision: Number(release[3]), modelId };
  }
  const at = rest.indexOf("@");
  const name = at < 0 ? rest : rest.slice(0, at);
  if (!NAME.test(name)) throw bad(`the name ${JSON.stringify(name)} must be letters, digits, ., _ and -, optionally namespace/name`);
  if (at < 0) return { name, version: null, revision: null, modelId };
  const versionText = rest.slice(at + 1);
  const version = tryParseVersion(versionText);
  if (!version) throw bad(`${JSON.stringify(versionText)} is not a version (semver, with or without v, or a PEP 440 pre-release)`);
  return { name, version, revision: null, modelId };
}

/** The canonical form: `name@semver+sha256:…`, or a release id `name-vX.Y.Z-rN+sha256:…`. */
export function formatPin(pin: Pin): string {
  const hash = pin.modelId ? `+sha256:${pin.modelId}` : "";
  if (pin.revision !== null && pin.version) return `${pin.name}-v${formatVersion(pin.version)}-r${pin.revision}${hash}`;
  return `${pin.name}${pin.version ? `@${formatVersion(pin.version)}` : ""}${hash}`;
}
