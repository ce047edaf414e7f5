/**
 * Reading a release index from where a user points: a local file, or an http(s) URL fetched
 * anonymously under bindery's retry policy. An index that cannot be reached is REMOTE_UNAVAILABLE
 * (so `resolve --default` may step in); one that is reached but malformed is never papered over.
 */
import { parseJson } from "../evidence/artifact.js";
import { BinderyError } from "../evidence/errors.js";
import { retryingFetch, retryPolicyFromEnv } from "../hub/http.js";
import { parseIndex, readIndexFile, readRevocations, type ReleaseIndex, type Revocation } from "./release-index.js";

export const isUrl = (source: string): boolean => /^https?:\/\//i.test(source);

export async function loadIndex(source: string, env: NodeJS.ProcessEnv = process.env): Promise<ReleaseIndex> {
  if (!isUrl(source)) return readIndexFile(source);
  const { fetch } = retryingFetch(retryPolicyFromEnv(env));
  let response: Response;
  try {
    response = await fetch(source, { headers: { accept: "application/json" }, redirect: "follow" });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new BinderyError("REMOTE_UNAVAILABLE", `the index ${source} could not be reached: ${cause?.code ?? cause?.message ?? (error as Error).message}.`, { cause: error });
  }
  if (!response.ok) throw new BinderyError("REMOTE_UNAVAILABLE", `the index ${source} answered HTTP ${response.status}.`);
  return parseIndex(parseJson(await response.text(), source), source);
}

/** The revoked model ids of a revocation list, or none without one. */
export async function loadRevoked(file: string | undefined): Promise<Revocation[]> {
  return file ? (await readRevocations(file)).revoked : [];
}
