/**
 * The workflows bindery runs (.github/workflows/*.yml) and the ones docs/ci.md offers for copying:
 * each parses as a workflow, pins its actions to a major version, passes the bindery action only
 * inputs it has, keeps secrets to the steps that publish, asks for `id-token: write` where it signs,
 * and names only bindery commands and flags that exist: leaf commands of docs/contract.json (which
 * test/versioning/contract.test.ts keeps equal to the CLI) and their options.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { REPO } from "../support/release.js";

interface Step {
  name?: string;
  uses?: string;
  with?: Record<string, unknown>;
  run?: string;
  env?: Record<string, unknown>;
}

interface Job {
  permissions?: Record<string, string>;
  env?: Record<string, unknown>;
  steps?: Step[];
  uses?: string;
}

interface Workflow {
  name?: string;
  on?: unknown;
  env?: Record<string, unknown>;
  jobs?: Record<string, Job>;
}

type Contract = Record<string, { options: Record<string, unknown> }>;

const WORKFLOW_DIR = join(REPO, ".github/workflows");
const workflowFiles = readdirSync(WORKFLOW_DIR).filter((f) => /\.ya?ml$/.test(f)).sort();
const docBlocks = [...readFileSync(join(REPO, "docs/ci.md"), "utf8").matchAll(/^```yaml\n([\s\S]*?)^```$/gm)].map((m, i) => ({ where: `docs/ci.md, YAML block ${i + 1}`, text: m[1]! }));
const SOURCES = [...workflowFiles.map((f) => ({ where: `.github/workflows/${f}`, text: readFileSync(join(WORKFLOW_DIR, f), "utf8") })), ...docBlocks];
const COMMANDS = (JSON.parse(readFileSync(join(REPO, "docs/contract.json"), "utf8")) as { commands: Contract }).commands;
const ACTION_INPUTS = Object.keys((parse(readFileSync(join(REPO, "action.yml"), "utf8")) as { inputs: Record<string, unknown> }).inputs);

/** The leaf command an invocation's words name (`release audit`, `gate`), if any: not a group such as `release`. */
function commandOf(words: readonly string[]): string | undefined {
  const leaf = (path: string) => COMMANDS[path] !== undefined && !Object.keys(COMMANDS).some((other) => other.startsWith(`${path} `));
  return [words.slice(0, 2).join(" "), words[0]!].find(leaf);
}

/** Jobs' steps, with where they are. */
const stepsOf = (workflow: Workflow) => Object.entries(workflow.jobs ?? {}).flatMap(([job, j]) => (j.steps ?? []).map((step) => ({ job: j, jobName: job, step })));

/**
 * Each bindery invocation in a run script: `bindery ...`, `npx bindery ...` or `node bin/bindery.js ...`,
 * up to the end of its command (line continuations joined; `;`, `&&`, `|`, `)` end it).
 */
function invocations(script: string): string[][] {
  const text = script.replace(/\\\n/g, " ");
  return [...text.matchAll(/(?:^|[\s(;&|])(?:npx\s+bindery|node\s+\S*bin\/bindery\.js|bindery)\s+([^\n;&|)#]*)/g)].map((m) => m[1]!.trim().split(/\s+/).map((t) => t.replace(/^["']|["']$/g, "")));
}

describe("the CI workflows, shipped and documented", () => {
  it("bindery runs ci.yml (.ci/run on pull requests) and release.yml (npm with provenance on a tag); docs/ci.md offers three", () => {
    expect(workflowFiles).toEqual(["ci.yml", "release.yml"]);
    expect(docBlocks.map((b) => b.text.split("\n")[0])).toEqual(["# .github/workflows/release-gate.yml", "# .github/workflows/release.yml", "# .github/workflows/audit.yml"]);
    const ci = parse(SOURCES[0]!.text) as Workflow;
    expect(stepsOf(ci).map(({ step }) => step.run).filter(Boolean)).toEqual([".ci/run"]);
    const release = parse(SOURCES[1]!.text) as Workflow;
    expect(stepsOf(release).map(({ step }) => step.run).filter((r) => r?.startsWith("npm "))).toEqual(["npm ci", "npm test", 'npm publish --provenance --access public --tag "$DIST_TAG"']);
  });

  it.each(SOURCES)("$where parses as a workflow of bash steps and pinned actions, with secrets only in the publishing steps", ({ where, text }) => {
    const workflow = parse(text) as Workflow;
    expect(workflow.on, where).toBeDefined();
    expect(Object.keys(workflow.jobs ?? {}).length, where).toBeGreaterThan(0);
    expect(JSON.stringify(workflow.env ?? {}), `${where}: secrets in the workflow's env`).not.toContain("secrets.");
    for (const [name, job] of Object.entries(workflow.jobs ?? {})) {
      expect(JSON.stringify(job.env ?? {}), `${where}: secrets in job ${name}'s env`).not.toContain("secrets.");
      expect(job.steps?.length, `${where}: job ${name} has no steps`).toBeGreaterThan(0);
    }
    for (const { job, jobName, step } of stepsOf(workflow)) {
      const label = `${where}, job ${jobName}, step ${step.name ?? step.uses ?? step.run}`;
      if (step.uses) {
        expect(step.uses, label).toMatch(/^(actions\/(checkout|setup-node|upload-artifact|download-artifact)@v4|OWNER\/bindery@vX\.Y\.Z)$/);
        if (step.uses.startsWith("OWNER/bindery@")) for (const input of Object.keys(step.with ?? {})) expect(ACTION_INPUTS, `${label}: no input ${input}`).toContain(input);
        continue;
      }
      expect(typeof step.run, label).toBe("string");
      const syntax = spawnSync("bash", ["-n", "-c", step.run!], { encoding: "utf8" });
      expect(syntax.status, `${label}: ${syntax.stderr}`).toBe(0);
      if (JSON.stringify(step.env ?? {}).includes("secrets.")) expect(step.run, `${label}: a secret in a step that does not publish`).toMatch(/\bhub publish\b|\bnpm publish\b|\bindex publish\b|--upload\b/);
      if (/\bbindery (sign|attest)\b|--provenance/.test(step.run!)) expect(job.permissions?.["id-token"], `${label}: signs without id-token: write`).toBe("write");
    }
  });

  it.each(SOURCES)("$where names only bindery commands and flags that exist", ({ where, text }) => {
    for (const { step } of stepsOf(parse(text) as Workflow)) {
      for (const words of invocations(step.run ?? "")) {
        const path = commandOf(words);
        expect(path, `${where}: \`bindery ${words.join(" ")}\` is not a command`).toBeDefined();
        for (const flag of words.filter((w) => w.startsWith("--")).map((w) => w.split("=")[0]!)) {
          expect(Object.keys(COMMANDS[path!]!.options), `${where}: \`bindery ${path}\` has no ${flag}`).toContain(flag);
        }
      }
    }
  });

  it("together they run every command a release's CI needs", () => {
    const named = new Set<string>();
    for (const { text } of SOURCES) {
      for (const { step } of stepsOf(parse(text) as Workflow)) {
        for (const words of invocations(step.run ?? "")) named.add(commandOf(words)!);
      }
    }
    expect([...named].sort()).toEqual(["attest", "changelog check", "contract check", "gate", "hub plan", "hub publish", "pack check", "release audit", "release candidate", "release publication", "release replay", "sign"]);
  });
});
