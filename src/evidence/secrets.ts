/**
 * Credentials come only from the environment and never leave the process: every line bindery
 * prints, and every log it records, passes through `redactSecrets` first.
 */

/** Environment variables whose values are credentials. */
export const SECRET_ENV_VARS = [
  "HF_TOKEN",
  "HUGGING_FACE_HUB_TOKEN",
  "GITHUB_TOKEN",
  "GH_TOKEN",
  "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
  "SIGSTORE_ID_TOKEN",
] as const;

/** Values shorter than this are not treated as secrets (they would redact ordinary words). */
const MIN_SECRET_LENGTH = 8;

export function redactSecrets(text: string, env: NodeJS.ProcessEnv = process.env): string {
  let out = text;
  for (const name of SECRET_ENV_VARS) {
    const value = env[name];
    if (value === undefined || value.length < MIN_SECRET_LENGTH) continue;
    out = out.split(value).join(`[redacted ${name}]`);
  }
  return out;
}
