/**
 * bindery's loopback emulators: the Hugging Face Hub and GitHub releases, served on 127.0.0.1 for
 * tests, `bindery rehearse` and `bindery emulate`. They follow the platforms' public APIs as the
 * real clients (@huggingface/hub, @octokit/rest) use them.
 */
export * from "./server.js";
export { startHubEmulator, type HubEmulator, type HubEmulatorOptions, type HubRepoSeed } from "./hub.js";
export { normalizeAssetName, startGitHubEmulator, type GitHubEmulator } from "./github.js";
import { startGitHubEmulator, type GitHubEmulator } from "./github.js";
import { startHubEmulator, type HubEmulator } from "./hub.js";

export interface Emulators {
  hub: HubEmulator;
  github: GitHubEmulator;
  /** The environment that points bindery and the platforms' clients at the emulators. */
  env: Record<string, string>;
  close(): Promise<void>;
}

/** Starts both emulators: the Hub on `port` (default any free port), GitHub's API on `port + 1`. */
export async function startEmulators(options: { port?: number } = {}): Promise<Emulators> {
  const hub = await startHubEmulator({ ...(options.port ? { port: options.port } : {}) });
  const github = await startGitHubEmulator({ ...(options.port ? { port: options.port + 1 } : {}) }).catch(async (error: unknown) => {
    await hub.close();
    throw error;
  });
  return {
    hub,
    github,
    env: {
      HF_ENDPOINT: hub.origin,
      GITHUB_API_URL: github.apiOrigin,
      GITHUB_SERVER_URL: github.apiOrigin,
    },
    close: async () => {
      await Promise.all([hub.close(), github.close()]);
    },
  };
}
