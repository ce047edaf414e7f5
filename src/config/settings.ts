/**
 * A release's settings: bindery.yaml with every key overridable by a flag, the endpoints from
 * HF_ENDPOINT, GITHUB_API_URL and GITHUB_SERVER_URL, and the commit from git. Credentials are never
 * settings: they come only from HF_TOKEN and GITHUB_TOKEN, where the clients read them.
 */
import { dirname, relative, resolve } from "node:path";
import { z } from "zod";
import { formatIssues } from "../evidence/artifact.js";
import { BinderyError } from "../evidence/errors.js";
import { workTreeState } from "../training/run.js";
import { configSchema, loadConfig, type Config } from "./config.js";

/** Flag values that override the file (unset flags are undefined). */
export interface SettingOverrides {
  releaseId?: string;
  releaseVersion?: string;
  datasetDir?: string;
  runDir?: string;
  modelDir?: string;
  demoDir?: string;
  paperDir?: string;
  modelRepo?: string;
  datasetRepo?: string;
  githubRepo?: string;
  tag?: string;
  evidenceTag?: string;
  paperUrl?: string;
  /** `ID=REF`, repeatable: added to issue_refs. */
  issueRef?: string[];
}

export interface ReleaseSettings {
  releaseId: string;
  version: string;
  /** The directory package paths are relative to: the config file's, else the working directory. */
  base: string;
  /** Package directories, relative to the working directory. */
  dirs: { dataset: string; training?: string; model: string; demo: string; paper?: string };
  hub?: { modelRepo: string; datasetRepo: string; indexRepo?: string };
  github?: { repo: string; tag: string; evidenceTag: string };
  paperUrl?: string;
  issueRefs: Record<string, string[]>;
  targets: NonNullable<Config["targets"]>;
  endpoints: { hub: string; githubApi: string; githubWeb: string };
  /** git HEAD of the base directory's work tree, or null outside one. */
  commit: string | null;
}

const trimSlash = (url: string) => url.replace(/\/+$/, "");

/** The flag of each key, for messages. */
const FLAG_OF: Readonly<Record<string, string>> = {
  "release.id": "--release-id",
  "release.version": "--release-version",
  "packages.dataset": "--dataset-dir",
  "packages.training": "--run-dir",
  "packages.model": "--model-dir",
  "packages.demo": "--demo-dir",
  "packages.paper": "--paper-dir",
  "hub.model_repo": "--model-repo",
  "hub.dataset_repo": "--dataset-repo",
  "github.repo": "--github-repo",
  "github.tag": "--tag",
  "github.evidence_tag": "--evidence-tag",
  paper_url: "--paper-url",
};

export async function resolveSettings(configFile: string | undefined, overrides: SettingOverrides, options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<ReleaseSettings> {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const loaded = await loadConfig(configFile, cwd);
  const base = loaded ? dirname(loaded.file) : cwd;
  const file: Partial<Config> = loaded?.config ?? {};
  // Flags name directories relative to the working directory; the file, relative to itself.
  const fromCwd = (d: string | undefined) => (d === undefined ? undefined : relative(base, resolve(cwd, d)) || ".");
  const issueRefs: Record<string, string[]> = { ...(file.issue_refs ?? {}) };
  for (const spec of overrides.issueRef ?? []) {
    const eq = spec.indexOf("=");
    if (eq < 1) throw new BinderyError("USAGE", `--issue-ref ${JSON.stringify(spec)} is not ID=REF.`);
    (issueRefs[spec.slice(0, eq)] ??= []).push(spec.slice(eq + 1));
  }
  const merged = {
    kind: "bindery/config",
    release: { id: overrides.releaseId ?? file.release?.id, version: overrides.releaseVersion ?? file.release?.version },
    packages: {
      dataset: fromCwd(overrides.datasetDir) ?? file.packages?.dataset,
      training: fromCwd(overrides.runDir) ?? file.packages?.training,
      model: fromCwd(overrides.modelDir) ?? file.packages?.model,
      demo: fromCwd(overrides.demoDir) ?? file.packages?.demo,
      paper: fromCwd(overrides.paperDir) ?? file.packages?.paper,
    },
    ...(overrides.modelRepo || overrides.datasetRepo || file.hub
      ? { hub: { model_repo: overrides.modelRepo ?? file.hub?.model_repo, dataset_repo: overrides.datasetRepo ?? file.hub?.dataset_repo, index_repo: file.hub?.index_repo } }
      : {}),
    ...(overrides.githubRepo || overrides.tag || overrides.evidenceTag || file.github
      ? { github: { repo: overrides.githubRepo ?? file.github?.repo, tag: overrides.tag ?? file.github?.tag, evidence_tag: overrides.evidenceTag ?? file.github?.evidence_tag } }
      : {}),
    paper_url: overrides.paperUrl ?? file.paper_url,
    issue_refs: issueRefs,
    targets: file.targets ?? {},
  };
  const parsed = configSchema.safeParse(JSON.parse(JSON.stringify(merged)));
  if (!parsed.success) {
    const source = loaded ? `${configFile ?? "bindery.yaml"} and flags` : "flags; no bindery.yaml here";
    const missing = parsed.error.issues.filter((i) => i.code === "invalid_type" && i.message.endsWith("received undefined")).map((i) => i.path.join("."));
    const wrong = parsed.error.issues.filter((i) => !(i.code === "invalid_type" && i.message.endsWith("received undefined")));
    const parts = [
      ...(missing.length ? [`missing ${missing.map((key) => (FLAG_OF[key] ? `${key} (${FLAG_OF[key]})` : key)).join(", ")}`] : []),
      ...(wrong.length ? [formatIssues(new z.ZodError(wrong)).replace(/\.$/, "")] : []),
    ];
    throw new BinderyError("INPUT_INVALID", `the release settings (${source}) are incomplete or wrong: ${parts.join("; ")}.`, {
      hint: "Name them in bindery.yaml (docs/configuration.md) or pass the flags.",
    });
  }
  const c = parsed.data;
  const at = (d: string | undefined) => (d === undefined ? undefined : relative(cwd, resolve(base, d)) || ".");
  const githubApi = trimSlash(env.GITHUB_API_URL || "https://api.github.com");
  const state = await workTreeState(base);
  return {
    releaseId: c.release.id,
    version: c.release.version,
    base,
    dirs: {
      dataset: at(c.packages.dataset)!,
      model: at(c.packages.model)!,
      demo: at(c.packages.demo)!,
      ...(c.packages.training ? { training: at(c.packages.training)! } : {}),
      ...(c.packages.paper ? { paper: at(c.packages.paper)! } : {}),
    },
    ...(c.hub ? { hub: { modelRepo: c.hub.model_repo, datasetRepo: c.hub.dataset_repo, ...(c.hub.index_repo ? { indexRepo: c.hub.index_repo } : {}) } } : {}),
    ...(c.github ? { github: { repo: c.github.repo, tag: c.github.tag, evidenceTag: c.github.evidence_tag ?? `${c.github.tag}-evidence` } } : {}),
    ...(c.paper_url ? { paperUrl: c.paper_url } : {}),
    issueRefs: c.issue_refs ?? {},
    targets: c.targets ?? {},
    endpoints: {
      hub: trimSlash(env.HF_ENDPOINT || "https://huggingface.co"),
      githubApi,
      githubWeb: trimSlash(env.GITHUB_SERVER_URL || (githubApi === "https://api.github.com" ? "https://github.com" : githubApi.replace(/\/api\/v3$/, ""))),
    },
    commit: state?.sha ?? null,
  };
}
