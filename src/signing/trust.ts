/**
 * Sigstore trust roots: the pinned public-good `trusted_root.json` bindery ships (trust/), a root
 * the user names, and `bindery trust update`, which fetches the current one through TUF.
 *
 * Verification never touches the network: it reads a trusted root from disk. Only `trust update`
 * does, and only when asked. Sigstore packages are imported inside the functions, so importing
 * this module (or the library) stays fast.
 */
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TrustedRoot } from "@sigstore/protobuf-specs";
import { writeFileAtomic } from "../evidence/atomic.js";
import { BinderyError, inputError } from "../evidence/errors.js";

/** The public-good trusted root bindery ships (see trust/README.md for where it came from). */
export const PUBLIC_GOOD_TRUSTED_ROOT = fileURLToPath(new URL("../../trust/public-good/trusted_root.json", import.meta.url));
/** Where `trust update` writes by default, relative to the working directory (the shipped file, in a bindery checkout). */
export const DEFAULT_TRUST_OUTPUT = "trust/public-good/trusted_root.json";
/** The public-good TUF repository. */
export const PUBLIC_GOOD_MIRROR = "https://tuf-repo-cdn.sigstore.dev";

const TRUSTED_ROOT_MEDIA_TYPE = "application/vnd.dev.sigstore.trustedroot+json";

export interface LoadedTrustedRoot {
  root: TrustedRoot;
  /** How the root is named in messages: its path as given, or "the shipped public-good root". */
  shown: string;
  /** Whether this is the root bindery ships (no --trusted-root). */
  shipped: boolean;
}

/** A trusted root as bindery writes it: 2-space JSON with one final newline, keys in their original order. */
export function trustedRootText(json: unknown): string {
  return `${JSON.stringify(json, null, 2)}\n`;
}

/**
 * Reads a trusted root: a path, an already parsed object, or (nothing given) the shipped
 * public-good root. A missing file is INPUT_NOT_FOUND; anything that is not a Sigstore trusted
 * root is INPUT_INVALID.
 */
export async function loadTrustedRoot(source?: string | object): Promise<LoadedTrustedRoot> {
  const shipped = source === undefined;
  const shown = typeof source === "string" ? source : shipped ? "the shipped public-good trusted root" : "the trusted root given";
  let json: unknown = source;
  if (typeof source === "string" || shipped) {
    const path = typeof source === "string" ? source : PUBLIC_GOOD_TRUSTED_ROOT;
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      throw inputError(error, shown, "trusted root");
    }
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new BinderyError("INPUT_INVALID", `trusted root ${shown} is not JSON: ${(error as Error).message}.`, { cause: error });
    }
  }
  return { root: await parseTrustedRoot(json, shown), shown, shipped };
}

async function parseTrustedRoot(json: unknown, shown: string): Promise<TrustedRoot> {
  const mediaType = typeof json === "object" && json !== null ? (json as { mediaType?: unknown }).mediaType : undefined;
  if (typeof mediaType !== "string" || !mediaType.startsWith(TRUSTED_ROOT_MEDIA_TYPE)) {
    throw new BinderyError("INPUT_INVALID", `trusted root ${shown} is not a Sigstore trusted root: its mediaType is ${JSON.stringify(mediaType ?? null)}, not ${TRUSTED_ROOT_MEDIA_TYPE};version=0.1.`);
  }
  const [{ TrustedRoot }, { toTrustMaterial }] = await Promise.all([import("@sigstore/protobuf-specs"), import("@sigstore/verify")]);
  try {
    const root = TrustedRoot.fromJSON(json);
    // Parses every certificate and key once, so a malformed root fails here, as bad input.
    toTrustMaterial(root);
    return root;
  } catch (error) {
    throw new BinderyError("INPUT_INVALID", `trusted root ${shown} does not parse: ${(error as Error).message}.`, { cause: error });
  }
}

/** What a trusted root holds, for messages and --json. */
export function trustedRootSummary(root: TrustedRoot): { tlogs: number; ctlogs: number; certificate_authorities: number; timestamp_authorities: number } {
  return {
    tlogs: root.tlogs.length,
    ctlogs: root.ctlogs.length,
    certificate_authorities: root.certificateAuthorities.length,
    timestamp_authorities: root.timestampAuthorities.length,
  };
}

/** The TUF root @sigstore/tuf embeds for the public-good repository: TUF starts from it. */
async function seedTufRoot(): Promise<{ bytes: Buffer; version: number; expires: string; tufVersion: string }> {
  const require = createRequire(import.meta.url);
  const seeds = JSON.parse(await readFile(require.resolve("@sigstore/tuf/seeds.json"), "utf8")) as Record<string, { "root.json"?: string }>;
  const { version: tufVersion } = JSON.parse(await readFile(require.resolve("@sigstore/tuf/package.json"), "utf8")) as { version: string };
  const embedded = seeds[PUBLIC_GOOD_MIRROR]?.["root.json"];
  if (!embedded) throw new BinderyError("INTERNAL", `@sigstore/tuf ${tufVersion} embeds no TUF root for ${PUBLIC_GOOD_MIRROR}.`);
  const bytes = Buffer.from(embedded, "base64");
  const signed = (JSON.parse(bytes.toString("utf8")) as { signed: { version: number; expires: string } }).signed;
  return { bytes, version: signed.version, expires: signed.expires, tufVersion };
}

export interface TrustUpdateOptions {
  /** The TUF repository (default: the public-good one). It must serve the public-good TUF metadata. */
  mirror?: string;
  /** Where to write the trusted root (default: trust/public-good/trusted_root.json). */
  output?: string;
}

export interface TrustUpdateResult {
  output: string;
  mirror: string;
  sha256: string;
  /** Whether the file's bytes changed (false when it already held this root). */
  changed: boolean;
  tlogs: number;
  ctlogs: number;
  certificate_authorities: number;
  timestamp_authorities: number;
}

/**
 * Fetches the current trusted root through TUF (from the root @sigstore/tuf embeds, in a fresh
 * cache, so every run refreshes) and writes it atomically. A network failure, an HTTP error, or
 * metadata TUF refuses (an expired root, a bad signature) is REMOTE_UNAVAILABLE.
 */
export async function updateTrustedRoot(options: TrustUpdateOptions = {}): Promise<TrustUpdateResult> {
  const mirror = (options.mirror ?? PUBLIC_GOOD_MIRROR).replace(/\/+$/, "");
  let url: URL;
  try {
    url = new URL(mirror);
  } catch {
    throw new BinderyError("USAGE", `--mirror ${mirror} is not a URL.`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new BinderyError("USAGE", `--mirror ${mirror} is not an http(s) URL.`);
  const output = options.output ?? DEFAULT_TRUST_OUTPUT;
  const seed = await seedTufRoot();
  const cache = await mkdtemp(join(tmpdir(), "bindery-tuf-"));
  let text: string;
  try {
    const rootPath = join(cache, "seed-root.json");
    await writeFile(rootPath, seed.bytes);
    const { initTUF } = await import("@sigstore/tuf");
    try {
      const client = await initTUF({
        mirrorURL: mirror,
        cachePath: join(cache, "cache"),
        rootPath,
        force: true,
        retry: { retries: 1, factor: 1, minTimeout: 250, maxTimeout: 1000 },
        timeout: 15_000,
      });
      text = await client.getTarget("trusted_root.json");
    } catch (error) {
      throw tufFailure(error, mirror, seed);
    }
  } finally {
    await rm(cache, { recursive: true, force: true });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new BinderyError("REMOTE_UNAVAILABLE", `${mirror} served a trusted_root.json that is not JSON: ${(error as Error).message}.`, { cause: error });
  }
  const root = await parseTrustedRoot(json, `trusted_root.json from ${mirror}`).catch((error: unknown) => {
    throw new BinderyError("REMOTE_UNAVAILABLE", (error as Error).message, { cause: error });
  });
  const pretty = trustedRootText(json);
  const previous = await readFile(output, "utf8").catch(() => null);
  try {
    await writeFileAtomic(output, pretty);
  } catch (error) {
    throw new BinderyError("INPUT_INVALID", `could not write ${output}: ${(error as Error).message}.`, { cause: error });
  }
  return {
    output,
    mirror,
    sha256: createHash("sha256").update(pretty).digest("hex"),
    changed: previous !== pretty,
    ...trustedRootSummary(root),
  };
}

/** One sentence for what went wrong with TUF, without the stack of nested causes. */
function tufFailure(error: unknown, mirror: string, seed: { version: number; expires: string; tufVersion: string }): BinderyError {
  const causes: { name?: string; message?: string; code?: string; statusCode?: number }[] = [];
  for (let e = error as { cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as { cause?: unknown } | undefined, depth++) {
    causes.push(e as (typeof causes)[number]);
  }
  const innermost = causes[causes.length - 1] ?? {};
  const expired = causes.some((c) => c.name === "ExpiredMetadataError" || /expired/i.test(c.message ?? ""));
  const status = causes.find((c) => typeof c.statusCode === "number")?.statusCode;
  let detail: string;
  if (expired) {
    detail = `TUF refused the metadata: ${innermost.message ?? "it has expired"}. TUF starts from the root embedded in @sigstore/tuf ${seed.tufVersion} (version ${seed.version}, expired ${seed.expires.slice(0, 10)}) and trusts a newer root only when the mirror serves one signed by it; this mirror served none that is current`;
  } else if (status !== undefined) {
    detail = `it answered HTTP ${status}`;
  } else {
    detail = [innermost.code, innermost.message].filter(Boolean).join(": ") || String(error);
  }
  return new BinderyError("REMOTE_UNAVAILABLE", `could not refresh the Sigstore trusted root from ${mirror}: ${detail.replace(/\.+$/, "")}.`, {
    hint: expired
      ? "Check that --mirror serves the public-good TUF repository, or update bindery (a newer @sigstore/tuf embeds a newer root); verification itself never needs the network."
      : "Retry when the network is back, or keep verifying with the shipped root (trust/public-good/trusted_root.json); verification itself never needs the network.",
    cause: error,
  });
}
