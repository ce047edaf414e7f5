/**
 * `bindery index publish`: the release index committed to its Hub repository, by the same
 * conditional commit as publishing a plan: read main's head and the index there, merge (the union
 * of releases; yanks stand), commit with that head as the parent, and when the parent moved in
 * between, read again and retry. Two maintainers publishing at once both land; neither erases
 * the other's release.
 */
import { parseJson } from "../evidence/artifact.js";
import { prettyJson } from "../evidence/canonical-json.js";
import { BinderyError } from "../evidence/errors.js";
import { mergeIndexes, parseIndex, type ReleaseIndex } from "../versioning/release-index.js";
import type { CountingFetch } from "./http.js";
import { headOf, messageOf, MOVED_PARENT_BUDGET } from "./publish-hub.js";

export interface IndexPublishResult {
  repo: string;
  path: string;
  /** The public URL of the index on main: what `bindery resolve --index` takes. */
  url: string;
  /** The commit that holds the published index. */
  commit: string | null;
  outcome: "uploaded" | "already_present";
  /** The index as published: the local one merged with the one that was there. */
  index: ReleaseIndex;
  /** Releases that were on the Hub and not in the local index. */
  pulled: string[];
}

export async function publishIndex(options: { index: ReleaseIndex; repo: string; path: string; endpoint: string; token: string; http: CountingFetch }): Promise<IndexPublishResult> {
  const hub = await import("@huggingface/hub");
  const { repo, path, endpoint } = options;
  const params = { repo: { type: "model" as const, name: repo }, hubUrl: endpoint, accessToken: options.token, fetch: options.http.fetch };
  const url = `${endpoint}/${repo}/resolve/main/${path.split("/").map(encodeURIComponent).join("/")}`;
  try {
    await hub.createRepo(params).catch((error: unknown) => {
      if ((error as { statusCode?: number }).statusCode !== 409) throw error;
    });
    for (let attempt = 1; ; attempt += 1) {
      const head = await headOf(hub, params);
      const blob = head ? await hub.downloadFile({ ...params, path, revision: head }) : null;
      const remoteText = blob ? await blob.text() : null;
      const remote = remoteText === null ? null : parseIndex(parseJson(remoteText, `${path} on ${repo}`), `${path} on ${repo}`);
      const merged = remote ? mergeIndexes(options.index, remote) : options.index;
      const text = prettyJson(merged);
      const known = new Set(options.index.releases.map((e) => e.release_id));
      const pulled = merged.releases.filter((e) => !known.has(e.release_id)).map((e) => e.release_id);
      if (text === remoteText) return { repo, path, url, commit: head, outcome: "already_present", index: merged, pulled };
      try {
        const result = await hub.commit({
          ...params,
          title: `Release index: ${merged.releases.length} release${merged.releases.length === 1 ? "" : "s"} of ${merged.name}`,
          description: `Published by bindery index publish (${merged.releases.map((e) => `${e.release_id}${e.yanked ? " [yanked]" : ""}`).join(", ")}).`,
          operations: [{ operation: "addOrUpdate", path, content: new Blob([text], { type: "application/json" }) }],
          ...(head ? { parentCommit: head } : {}),
          useXet: false,
          useWebWorkers: false,
        });
        if (!result) throw new Error("the commit returned no commit id");
        options.http.addPayload(Buffer.byteLength(text));
        return { repo, path, url, commit: result.commit.oid, outcome: "uploaded", index: merged, pulled };
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode === 412 && attempt < MOVED_PARENT_BUDGET) continue;
        throw error;
      }
    }
  } catch (error) {
    if (error instanceof BinderyError) throw error;
    throw new BinderyError("PUBLISH_FAILED", `publishing the index to ${repo} failed: ${messageOf(error)}.`, { cause: error });
  }
}
