/**
 * Publishing a plan's Hub repositories: reconcile with `main` (paths-info: the LFS sha256, or the
 * git blob sha1 of a regular file), commit only what is missing or different plus the deletions,
 * conditional on the parent commit reconciled against (a moved parent is re-read and retried),
 * read the new commit back by its sha, and tag it.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { pathToFileURL } from "node:url";
import type { CountingFetch } from "./http.js";
import type { HubReleasePlan, HubRepoType, PlanEntry } from "./schema.js";

/** The git blob id of bytes: sha1 of `blob <size>\0` and the bytes, as git and the Hub compute it. */
export function gitBlobSha1(bytes: Uint8Array): string {
  return createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
}

export type Outcome = "uploaded" | "already_present" | "deleted" | "failed";

export interface FileOutcome {
  entry: PlanEntry | null;
  /** For deletions (entry null): the repository path deleted. */
  path?: string;
  outcome: Outcome;
  remote: Record<string, string | number | null>;
  error?: string;
}

export interface HubRepoOutcome {
  repo: string;
  repo_type: HubRepoType;
  parent: string | null;
  commits: string[];
  /** The commit the release tag names. */
  tag: { name: string; commit: string | null; created: boolean };
  files: FileOutcome[];
  errors: string[];
}

interface Remote {
  sha256?: string;
  blob?: string;
  size: number;
}

/** Attempts at a commit whose parent moved while it was prepared (each re-reads and re-reconciles). */
export const MOVED_PARENT_BUDGET = 3;

type Hub = typeof import("@huggingface/hub");

/** The head commit of `main`, or null for a repository with no commit yet. */
export async function headOf(hub: Hub, params: Pick<Common, "repo" | "hubUrl" | "accessToken" | "fetch">): Promise<string | null> {
  for await (const commit of hub.listCommits({ ...params, revision: "main", batchSize: 1 })) return commit.oid;
  return null;
}

/** The files at `revision`, and the remote identity of each of `paths` that is there. */
async function filesAt(hub: Hub, params: Common, revision: string, paths: readonly string[]): Promise<{ remote: Map<string, Remote>; present: string[] }> {
  const present: string[] = [];
  for await (const f of hub.listFiles({ ...params, revision, recursive: true })) if (f.type === "file") present.push(f.path);
  const have = new Set(present);
  const wanted = paths.filter((p) => have.has(p));
  const remote = new Map<string, Remote>();
  for (let i = 0; i < wanted.length; i += 500) {
    for (const info of await hub.pathsInfo({ ...params, paths: wanted.slice(i, i + 500), revision, expand: true })) {
      if (info.type === "file") remote.set(info.path, { ...(info.lfs ? { sha256: info.lfs.oid } : {}), ...(info.oid ? { blob: info.oid } : {}), size: info.size });
    }
  }
  return { remote, present };
}

export interface Common {
  repo: { type: HubRepoType; name: string };
  hubUrl: string;
  accessToken: string;
  fetch: typeof fetch;
}

/** Whether the remote file is the planned bytes: by LFS sha256, else by git blob sha1. */
async function matches(remote: Remote | undefined, entry: PlanEntry, abs: string): Promise<boolean> {
  if (!remote || remote.size !== entry.source.size) return false;
  if (remote.sha256) return remote.sha256 === entry.source.sha256;
  return remote.blob === gitBlobSha1(await readFile(abs));
}

export async function publishHubRepo(options: {
  plan: HubReleasePlan;
  repo: HubReleasePlan["repos"][number];
  entries: readonly PlanEntry[];
  locate: (entry: PlanEntry) => string;
  token: string;
  http: CountingFetch;
}): Promise<HubRepoOutcome> {
  const hub = await import("@huggingface/hub");
  const { repo, entries, locate } = options;
  const params: Common = { repo: { type: repo.repo_type, name: repo.repo }, hubUrl: options.plan.endpoints.hub, accessToken: options.token, fetch: options.http.fetch };
  const out: HubRepoOutcome = { repo: repo.repo, repo_type: repo.repo_type, parent: null, commits: [], tag: { name: repo.tag, commit: null, created: false }, files: [], errors: [] };
  const pathOf = (e: PlanEntry) => (e.target.platform === "hub" ? e.target.path : "");

  try {
    await hub.createRepo({ repo: params.repo, hubUrl: params.hubUrl, accessToken: params.accessToken, fetch: params.fetch }).catch((error: unknown) => {
      if ((error as { statusCode?: number }).statusCode !== 409) throw error;
    });

    let outcomes = new Map<string, FileOutcome>();
    for (let attempt = 1; ; attempt += 1) {
      const head = await headOf(hub, params);
      const { remote, present } = head ? await filesAt(hub, params, head, entries.map(pathOf)) : { remote: new Map<string, Remote>(), present: [] };
      out.parent = head;
      outcomes = new Map();
      const toSend: PlanEntry[] = [];
      for (const entry of entries) {
        if (await matches(remote.get(pathOf(entry)), entry, locate(entry))) {
          outcomes.set(pathOf(entry), { entry, outcome: "already_present", remote: remoteIds(remote.get(pathOf(entry))) });
        } else {
          toSend.push(entry);
        }
      }
      // The repository at the tag holds exactly the plan's files (the platform's .gitattributes aside).
      const planned = new Set(entries.map(pathOf));
      const deletions = present.filter((p) => p !== ".gitattributes" && !planned.has(p));
      if (toSend.length === 0 && deletions.length === 0) {
        out.tag.commit = head;
        break;
      }
      const batches = new Map<number, PlanEntry[]>();
      for (const e of toSend) {
        const b = e.target.platform === "hub" ? e.target.batch : 0;
        batches.set(b, [...(batches.get(b) ?? []), e]);
      }
      const order = [...batches.keys()].sort((a, b) => a - b);
      if (order.length === 0) order.push(0);
      let parent = head;
      try {
        for (const [i, b] of order.entries()) {
          const last = i === order.length - 1;
          const operations = [
            ...(batches.get(b) ?? []).map((e) => ({ operation: "addOrUpdate" as const, path: pathOf(e), content: pathToFileURL(locate(e)) })),
            ...(last ? deletions.map((path) => ({ operation: "delete" as const, path })) : []),
          ];
          const result = await hub.commit({
            ...params,
            title: `${options.plan.release.id}${order.length > 1 ? ` (${i + 1}/${order.length})` : ""}`,
            description: `Published by bindery hub publish from ${options.plan.release.id} (commit ${options.plan.release.commit ?? "unknown"}).`,
            operations,
            ...(parent ? { parentCommit: parent } : {}),
            useXet: false,
            useWebWorkers: false,
          });
          if (!result) throw new Error("the commit returned no commit id");
          parent = result.commit.oid;
          out.commits.push(parent);
          // Regular files travel inside the commit itself; LFS objects were counted as they were PUT.
          for (const e of batches.get(b) ?? []) if (e.target.platform === "hub" && !remoteIsLfs(e)) options.http.addPayload(e.source.size);
        }
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode === 412 && attempt < MOVED_PARENT_BUDGET) continue;
        throw error;
      }
      for (const e of toSend) outcomes.set(pathOf(e), { entry: e, outcome: "uploaded", remote: {} });
      for (const path of deletions) outcomes.set(`\u0000${path}`, { entry: null, path, outcome: "deleted", remote: {} });
      out.tag.commit = parent;
      break;
    }

    // Read the new commit back by its sha: every planned file must be there, as planned.
    const commit = out.tag.commit;
    if (commit) {
      const { remote, present } = await filesAt(hub, params, commit, entries.map(pathOf));
      for (const entry of entries) {
        const path = pathOf(entry);
        const found = remote.get(path);
        const record = outcomes.get(path)!;
        if (!(await matches(found, entry, locate(entry)))) {
          outcomes.set(path, { ...record, outcome: "failed", error: `${path} at commit ${commit} is not the planned bytes (sha256 ${entry.source.sha256}, ${entry.source.size} bytes).` });
        } else {
          outcomes.set(path, { ...record, remote: { ...remoteIds(found), commit } });
        }
      }
      const extra = present.filter((p) => p !== ".gitattributes" && !entries.some((e) => pathOf(e) === p));
      for (const path of extra) out.errors.push(`${path} is in ${repo.repo} at commit ${commit} but not in the plan.`);
    }
    out.files = [...outcomes.values()];

    // The release tag, on that commit (an existing tag must already name it).
    if (commit && out.files.every((f) => f.outcome !== "failed") && out.errors.length === 0) {
      const tagged = await tagCommit(hub, params, repo.tag, commit, options.plan.release.id);
      out.tag.created = tagged.created;
      if (tagged.error) out.errors.push(tagged.error);
    }
  } catch (error) {
    out.errors.push(`${repo.repo_type} repository ${repo.repo}: ${messageOf(error)}`);
    const done = new Set(out.files.map((f) => f.entry && pathOf(f.entry)));
    for (const entry of entries) if (!done.has(pathOf(entry))) out.files.push({ entry, outcome: "failed", remote: {}, error: messageOf(error) });
  }
  return out;
}

/** Whether the Hub stores a planned file through LFS (as it will decide at preupload). */
function remoteIsLfs(entry: PlanEntry): boolean {
  return entry.target.platform === "hub" && entry.target.lfs;
}

function remoteIds(remote: Remote | undefined): Record<string, string | number | null> {
  if (!remote) return {};
  return { ...(remote.sha256 ? { lfs_sha256: remote.sha256 } : {}), ...(remote.blob ? { blob_sha1: remote.blob } : {}), size: remote.size };
}

async function tagCommit(hub: Hub, params: Common, tag: string, commit: string, releaseId: string): Promise<{ created: boolean; error?: string }> {
  // An existing tag: fine when it names this commit, an error otherwise (tags do not move).
  try {
    for await (const c of hub.listCommits({ ...params, revision: tag, batchSize: 1 })) {
      return c.oid === commit ? { created: false } : { created: false, error: `the tag ${tag} of ${params.repo.name} already names commit ${c.oid}, not ${commit}; a published tag is not moved.` };
    }
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode !== 404) throw error;
  }
  const prefix = params.repo.type === "dataset" ? "datasets" : "models";
  const response = await params.fetch(`${params.hubUrl}/api/${prefix}/${params.repo.name}/tag/${commit}`, {
    method: "POST",
    headers: { authorization: `Bearer ${params.accessToken}`, "content-type": "application/json" },
    body: JSON.stringify({ tag, message: `Release ${releaseId}` }),
  });
  if (!response.ok) return { created: false, error: `creating the tag ${tag} on ${params.repo.name} answered HTTP ${response.status}: ${(await response.text()).slice(0, 200)}` };
  return { created: true };
}

export function messageOf(error: unknown): string {
  const e = error as { statusCode?: number; status?: number; message?: string };
  const status = e.statusCode ?? e.status;
  return `${status ? `HTTP ${status}: ` : ""}${(e.message ?? String(error)).split("\n")[0]}`;
}
