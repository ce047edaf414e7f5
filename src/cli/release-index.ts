/** `bindery index add | publish` and `bindery yank`: the release index, kept and pulled from. */
import type { Command } from "commander";
import { withExamples, withOutputOptions } from "./common.js";
import { runCommand, type OutputFlags } from "./output.js";

interface AddFlags extends OutputFlags {
  index: string;
  plan: string;
  modelDir?: string;
  config?: string;
  date?: string;
}

interface PublishFlags extends OutputFlags {
  index: string;
  repo?: string;
  path: string;
  config?: string;
}

interface YankFlags extends OutputFlags {
  reason: string;
  upgradeTo?: string;
  index: string;
  /** The file, or false with --no-changelog. */
  changelog: string | false;
  revocations: string;
  date?: string;
}

/** Today (UTC), or SOURCE_DATE_EPOCH's day, or --date checked as a real date. */
async function dayOf(flag: string | undefined): Promise<string> {
  const [{ generatedAt, isCalendarDate }, { BinderyError }] = await Promise.all([import("../evidence/time.js"), import("../evidence/errors.js")]);
  if (flag === undefined) return generatedAt().slice(0, 10);
  if (!isCalendarDate(flag)) throw new BinderyError("USAGE", `--date ${flag} is not a real date (YYYY-MM-DD).`);
  return flag;
}

async function writeJson(file: string, value: unknown): Promise<void> {
  const [{ writeFileAtomic }, { prettyJson }] = await Promise.all([import("../evidence/atomic.js"), import("../evidence/canonical-json.js")]);
  await writeFileAtomic(file, prettyJson(value));
}

export function registerIndex(program: Command): void {
  const index = program.command("index").description("the release index: every release of a model, its model id, manifest URL and yanks (docs/versioning.md)");

  withExamples(
    withOutputOptions(
      index
        .command("add")
        .description("append the current release to the index, from its model package (the model id: sha256 of manifest.json) and the plan that published it (the manifest URL); creates the index when missing")
        .option("--index <file>", "the index file", "release_index.json")
        .requiredOption("--plan <file>", "the published plan (hub_release_plan.json)")
        .option("--model-dir <dir>", "the model package (default: packages.model in bindery.yaml)")
        .option("--config <file>", "bindery.yaml (default: ./bindery.yaml when present)")
        .option("--date <YYYY-MM-DD>", "the day recorded as added_at (default: today, UTC, or SOURCE_DATE_EPOCH's)"),
    ),
    ["bindery index add --plan hub_release_plan.json", "bindery index add --plan hub_release_plan.json --model-dir release/model --index release_index.json --json"],
  ).action(async (flags: AddFlags) => {
    await runCommand("bindery index add", flags, async () => {
      const [{ entryOfRelease }, { addEntry, emptyIndex, readIndexFile }, { loadConfig }, { BinderyError }, { existsSync }] = await Promise.all([
        import("../versioning/index-entry.js"),
        import("../versioning/release-index.js"),
        import("../config/config.js"),
        import("../evidence/errors.js"),
        import("node:fs"),
      ]);
      const modelDir = flags.modelDir ?? (await loadConfig(flags.config))?.dirs.model;
      if (!modelDir) throw new BinderyError("USAGE", "no model package: pass --model-dir, or name packages.model in bindery.yaml (--config).");
      const { name, entry } = await entryOfRelease({ modelDir, planFile: flags.plan, date: await dayOf(flags.date) });
      const current = existsSync(flags.index) ? await readIndexFile(flags.index) : emptyIndex(name);
      if (current.name !== name) throw new BinderyError("DISAGREEMENT", `${flags.index} is the index of ${current.name}, and ${entry.release_id} is a release of ${name}.`, { exitCode: 1 });
      const { index: next, added } = addEntry(current, entry);
      if (added) await writeJson(flags.index, next);
      return {
        json: { ok: true, index: flags.index, added, entry, releases: next.releases.length },
        human: [`${added ? "ADDED" : "ALREADY"}  ${entry.release_id} (${name}@${entry.model_version}+sha256:${entry.model_id}) in ${flags.index}: ${next.releases.length} release${next.releases.length === 1 ? "" : "s"}`],
      };
    });
  });

  withExamples(
    withOutputOptions(
      index
        .command("publish")
        .description("commit the index to its Hub repository (hub.index_repo), conditional on main's head: merged with the index already there (yanks stand), retried when main moves; prints the URL for `bindery resolve --index`")
        .option("--index <file>", "the index file (rewritten with what was merged in)", "release_index.json")
        .option("--repo <namespace/name>", "the Hub model repository of the index (default: hub.index_repo in bindery.yaml)")
        .option("--path <path>", "the index's path in the repository", "release_index.json")
        .option("--config <file>", "bindery.yaml (default: ./bindery.yaml when present)"),
    ),
    ["HF_TOKEN=hf_... bindery index publish", "bindery index publish --repo example/sensors-releases --json"],
  ).action(async (flags: PublishFlags) => {
    await runCommand("bindery index publish", flags, async () => {
      const [{ publishIndex }, { credential }, { retryingFetch, retryPolicyFromEnv }, { readIndexFile }, { loadConfig, repoIdSchema }, { publicPathSchema }, { BinderyError }] = await Promise.all([
        import("../hub/publish-index.js"),
        import("../hub/publish.js"),
        import("../hub/http.js"),
        import("../versioning/release-index.js"),
        import("../config/config.js"),
        import("../evidence/identity.js"),
        import("../evidence/errors.js"),
      ]);
      const repo = flags.repo ?? (await loadConfig(flags.config))?.config.hub?.index_repo;
      if (!repo) throw new BinderyError("USAGE", "no index repository: pass --repo, or name hub.index_repo in bindery.yaml (--config).");
      if (!repoIdSchema.safeParse(repo).success) throw new BinderyError("USAGE", `--repo ${repo} is not a repository id (namespace/name).`);
      if (!publicPathSchema.safeParse(flags.path).success) throw new BinderyError("UNSAFE_PATH", `--path ${flags.path} is not a safe repository path.`);
      const local = await readIndexFile(flags.index);
      const token = credential(process.env, "HF_TOKEN");
      const endpoint = (process.env.HF_ENDPOINT || "https://huggingface.co").replace(/\/+$/, "");
      const result = await publishIndex({ index: local, repo, path: flags.path, endpoint, token, http: retryingFetch(retryPolicyFromEnv()) });
      if (result.pulled.length > 0) await writeJson(flags.index, result.index);
      return {
        json: { ok: true, repo: result.repo, path: result.path, url: result.url, commit: result.commit, outcome: result.outcome, releases: result.index.releases.length, pulled: result.pulled },
        human: [
          `${result.outcome === "uploaded" ? "PUBLISHED" : "ALREADY"}  ${result.index.releases.length} release${result.index.releases.length === 1 ? "" : "s"} of ${result.index.name} at ${result.repo}@${result.commit?.slice(0, 12) ?? "?"}`,
          ...(result.pulled.length ? [`  merged from the Hub into ${flags.index}: ${result.pulled.join(", ")}`] : []),
          `  resolve with: bindery resolve ${result.index.name} --index ${result.url}`,
        ],
      };
    });
  });
}

export function registerYank(program: Command): void {
  withExamples(
    withOutputOptions(
      program
        .command("yank")
        .description("pull a release without breaking audit trails: mark it yanked in the index (with the reason and upgrade path), mark its CHANGELOG heading [YANKED], and add its model id to the revocation list")
        .argument("<release-id>", "the release to yank, as the index lists it (e.g. sensors-v0.1.0-r1)")
        .requiredOption("--reason <text>", "why: users read it in resolve, verify and the CHANGELOG")
        .option("--upgrade-to <version>", "the version users should move to (newer than the yanked one)")
        .option("--index <file>", "the index file", "release_index.json")
        .option("--changelog <file>", "the CHANGELOG whose heading is marked", "CHANGELOG.md")
        .option("--no-changelog", "leave the CHANGELOG alone")
        .option("--revocations <file>", "the revocation list to add the model id to (created when missing)", "revocations.json")
        .option("--date <YYYY-MM-DD>", "the day of the yank (default: today, UTC, or SOURCE_DATE_EPOCH's)"),
    ),
    ['bindery yank sensors-v0.1.0-r1 --reason "the scaler was fit on the test split" --upgrade-to 0.1.1'],
  ).action(async (releaseId: string, flags: YankFlags) => {
    await runCommand("bindery yank", flags, async () => {
      const [{ yankInIndex, yankInRevocations, yankInChangelog }, { readIndexFile, readRevocations, emptyRevocations }, { existsSync }, { readFile }, { inputError }, { writeFileAtomic }] = await Promise.all([
        import("../versioning/yank.js"),
        import("../versioning/release-index.js"),
        import("node:fs"),
        import("node:fs/promises"),
        import("../evidence/errors.js"),
        import("../evidence/atomic.js"),
      ]);
      const date = await dayOf(flags.date);
      const current = await readIndexFile(flags.index);
      const { index: next, entry, notes } = yankInIndex(current, { releaseId, reason: flags.reason, upgradeTo: flags.upgradeTo ?? null, date });
      const list = yankInRevocations(existsSync(flags.revocations) ? await readRevocations(flags.revocations) : emptyRevocations(), entry);
      // Everything is computed (and every input checked) before the first file is written.
      let changelog: string | undefined;
      if (flags.changelog !== false) {
        const file = flags.changelog;
        const text = await readFile(file, "utf8").catch((error: unknown) => {
          throw inputError(error, file, "changelog");
        });
        changelog = yankInChangelog(text, entry, file);
      }
      await writeJson(flags.index, next);
      await writeJson(flags.revocations, list);
      if (changelog !== undefined && flags.changelog) await writeFileAtomic(flags.changelog, changelog);
      return {
        json: { ok: true, release_id: entry.release_id, model_id: entry.model_id, reason: entry.yanked_reason, upgrade_to: entry.upgrade_to, date, index: flags.index, revocations: flags.revocations, changelog: flags.changelog === false ? null : flags.changelog, notes },
        human: [
          `YANKED  ${entry.release_id} (model id ${entry.model_id}): ${entry.yanked_reason}${entry.upgrade_to ? `; upgrade to ${entry.upgrade_to}` : ""}`,
          `  marked in ${flags.index}${flags.changelog === false ? "" : ` and ${flags.changelog}`}; revoked in ${flags.revocations}`,
          ...notes.map((n) => `  note: ${n}`),
        ],
      };
    });
  });
}
