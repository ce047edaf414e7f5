/**
 * bindery's loopback emulators: the Hugging Face Hub, GitHub releases and Sigstore (Fulcio and
 * Rekor), served on 127.0.0.1 for tests, `bindery rehearse` and `bindery emulate`. They follow the
 * platforms' public APIs as the real clients (@huggingface/hub, @octokit/rest, sigstore) use them.
 */
export * from "./server.js";
export { startHubEmulator, type HubEmulator, type HubEmulatorOptions, type HubRepoSeed } from "./hub.js";
export { normalizeAssetName, startGitHubEmulator, type GitHubEmulator } from "./github.js";
export {
  DEFAULT_SIGNER_EMAIL,
  DEFAULT_TOKEN_ISSUER,
  FULCIO_OID,
  startSigstoreEmulators,
  type SigstoreEmulatorOptions,
  type SigstoreEmulators,
  type TokenOptions,
  type TrustedRootJSON,
} from "./sigstore.js";
export { startFulcioEmulator, type FulcioEmulator, type FulcioEmulatorOptions } from "./fulcio.js";
export { startRekorEmulator, type RekorEmulator, type RekorEmulatorOptions, type RekorEntryRecord } from "./rekor.js";
import { startGitHubEmulator, type GitHubEmulator } from "./github.js";
import { startHubEmulator, type HubEmulator } from "./hub.js";
import { DEFAULT_SIGNER_EMAIL, startSigstoreEmulators, type SigstoreEmulators } from "./sigstore.js";

/** How long the identity token in `startEmulators().env` stays valid. */
const ENV_TOKEN_SECONDS = 24 * 3600;

export interface Emulators {
  hub: HubEmulator;
  github: GitHubEmulator;
  /** Fulcio and Rekor; `sigstore.trustedRoot` is what verification must trust. */
  sigstore: SigstoreEmulators;
  /** The environment that points bindery and the platforms' clients at the emulators. */
  env: Record<string, string>;
  close(): Promise<void>;
}

/**
 * Starts all the emulators: the Hub on `port` (default any free port), GitHub's API on `port + 1`,
 * Fulcio and Rekor on free ports. `env` also holds `SIGSTORE_ID_TOKEN`, a token for
 * `release@bindery.invalid` valid for a day.
 */
export async function startEmulators(options: { port?: number } = {}): Promise<Emulators> {
  const hub = await startHubEmulator({ ...(options.port ? { port: options.port } : {}) });
  const github = await startGitHubEmulator({ ...(options.port ? { port: options.port + 1 } : {}) }).catch(async (error: unknown) => {
    await hub.close();
    throw error;
  });
  const sigstore = await startSigstoreEmulators().catch(async (error: unknown) => {
    await Promise.all([hub.close(), github.close()]);
    throw error;
  });
  return {
    hub,
    github,
    sigstore,
    env: {
      HF_ENDPOINT: hub.origin,
      GITHUB_API_URL: github.apiOrigin,
      GITHUB_SERVER_URL: github.apiOrigin,
      SIGSTORE_FULCIO_URL: sigstore.fulcioURL,
      SIGSTORE_REKOR_URL: sigstore.rekorURL,
      SIGSTORE_ID_TOKEN: sigstore.issueToken({ email: DEFAULT_SIGNER_EMAIL, expiresInSeconds: ENV_TOKEN_SECONDS }),
    },
    close: async () => {
      await Promise.all([hub.close(), github.close(), sigstore.close()]);
    },
  };
}
