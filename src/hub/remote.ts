/**
 * Reading a Hub repository's current files without credentials (a token is used only when
 * HF_TOKEN is set, e.g. for a private repository): what an earlier release left there.
 */
import { BinderyError } from "../evidence/errors.js";
import type { HubRepoType } from "./schema.js";

export interface RemoteFiles {
  exists: boolean;
  files: string[];
}

export async function readRemoteFiles(options: { endpoint: string; type: HubRepoType; repo: string; revision?: string; env?: NodeJS.ProcessEnv }): Promise<RemoteFiles> {
  const { listFiles } = await import("@huggingface/hub");
  const token = (options.env ?? process.env).HF_TOKEN;
  const files: string[] = [];
  try {
    for await (const entry of listFiles({
      repo: { type: options.type, name: options.repo },
      revision: options.revision ?? "main",
      recursive: true,
      hubUrl: options.endpoint,
      ...(token ? { accessToken: token } : {}),
    })) {
      if (entry.type === "file") files.push(entry.path);
    }
  } catch (error) {
    const status = (error as { statusCode?: number }).statusCode;
    if (status === 404) return { exists: false, files: [] };
    throw new BinderyError("REMOTE_UNAVAILABLE", `could not list the files of ${options.type} repository ${options.repo} on ${options.endpoint}: ${(error as Error).message}`, {
      hint: "Check HF_ENDPOINT and the network, or plan with --offline (no deletions are planned then).",
    });
  }
  return { exists: true, files: files.sort() };
}
