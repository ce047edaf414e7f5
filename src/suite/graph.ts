/**
 * The suite's step graph, checked before anything runs: public-safe paths, known needs, no
 * cycle, every input present or produced, every output declared once. A step needs the steps it
 * names and, implicitly, the producer of each of its inputs.
 */
import { existsSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { checkPublicArgv } from "../evidence/argv.js";
import { isBinderyError, type Finding } from "../evidence/errors.js";
import { isSafePath, safePath } from "../evidence/paths.js";
import { finding } from "../evidence/rules/engine.js";
import { redactSecrets, SECRET_ENV_VARS } from "../evidence/secrets.js";
import type { SuiteStep } from "./schema.js";

/** A step with its paths normalized and its dependencies resolved. */
export interface PlannedStep {
  id: string;
  argv: string[];
  cwd: string | null;
  inputs: string[];
  outputs: string[];
  /** Its needs and the producers of its inputs: known step ids only, sorted (itself only in a cycle). */
  deps: string[];
  env: Record<string, string>;
  timeout: number | null;
}

export interface Graph {
  steps: PlannedStep[];
  findings: Finding[];
  /** Which step writes each declared output. */
  producers: Map<string, string>;
  /** The inputs no step produces, that must be present before the suite runs. */
  external: string[];
}

export interface GraphOptions {
  /** The suite root: every path in the manifest is relative to it. */
  root: string;
  /** How the manifest is named in findings. */
  shown: string;
  /** Files the command itself reads or writes (the manifest, the report): no step may declare them as outputs. */
  reserved: readonly { abs: string; what: string }[];
  env?: NodeJS.ProcessEnv;
}

export function planGraph(raw: readonly SuiteStep[], options: GraphOptions): Graph {
  const findings: Finding[] = [];
  const add = (code: Finding["code"], message: string, field: string) => findings.push(finding(code, options.shown, message, { field }));
  const path = (value: string, what: string, field: string): string => {
    try {
      return safePath(value);
    } catch (error) {
      if (!isBinderyError(error)) throw error;
      add(error.code, `${what}: ${error.message}`, field);
      return value;
    }
  };

  const ids = new Set<string>();
  const steps: PlannedStep[] = raw.map((step, i) => {
    const at = `/steps/${i}`;
    if (ids.has(step.id)) add("DUPLICATE_PATH", `step ${step.id} is declared twice.`, `${at}/id`);
    ids.add(step.id);
    try {
      checkPublicArgv(step.argv, `step ${step.id}: argv`);
    } catch (error) {
      if (!isBinderyError(error)) throw error;
      add(error.code, error.message, `${at}/argv`);
    }
    for (const [name, value] of Object.entries(step.env)) {
      const secret = (SECRET_ENV_VARS as readonly string[]).includes(name) || redactSecrets(value, options.env) !== value;
      if (secret) add("INPUT_INVALID", `step ${step.id}: env ${name} holds a credential; credentials come from the environment, never from the manifest.`, `${at}/env/${name}`);
    }
    return {
      id: step.id,
      argv: [...step.argv],
      cwd: step.cwd === undefined ? null : path(step.cwd, `step ${step.id}: cwd`, `${at}/cwd`),
      inputs: step.inputs.map((p, j) => path(p, `step ${step.id}: input`, `${at}/inputs/${j}`)),
      outputs: step.outputs.map((p, j) => path(p, `step ${step.id}: output`, `${at}/outputs/${j}`)),
      deps: [],
      env: { ...step.env },
      timeout: step.timeout ?? null,
    };
  });

  const producers = new Map<string, string>();
  steps.forEach((step, i) =>
    step.outputs.forEach((output, j) => {
      const field = `/steps/${i}/outputs/${j}`;
      const previous = producers.get(output);
      if (previous !== undefined) add("DUPLICATE_PATH", `output ${output} is declared twice: by step ${previous} and by step ${step.id}; each output has one producer.`, field);
      else producers.set(output, step.id);
      if (!isSafePath(output)) return; // already a finding
      const abs = resolve(options.root, output);
      const reserved = options.reserved.find((r) => r.abs === abs);
      if (reserved) add("INPUT_INVALID", `step ${step.id} declares ${output} as an output, but it is ${reserved.what}; outputs are deleted before the suite runs.`, field);
      else if (existsSync(abs) && !statSync(abs).isFile()) add("INPUT_INVALID", `step ${step.id} declares ${output} as an output, but it is a directory or special file; outputs are files.`, field);
    }),
  );

  const external = new Set<string>();
  steps.forEach((step, i) => {
    const deps = new Set<string>();
    raw[i]!.needs.forEach((need, j) => {
      if (ids.has(need)) deps.add(need);
      else add("INPUT_INVALID", `step ${step.id} needs ${need}, which is not a step of the suite.`, `/steps/${i}/needs/${j}`);
    });
    step.inputs.forEach((input, j) => {
      const producer = producers.get(input);
      if (producer !== undefined) deps.add(producer);
      else if (!isSafePath(input)) return; // already a finding
      else if (existsSync(join(options.root, input))) external.add(input);
      else add("MISSING_FILE", `step ${step.id}'s input ${input} is neither present nor an output of any step.`, `/steps/${i}/inputs/${j}`);
    });
    step.deps = [...deps].sort();
  });

  for (const cycle of cyclesOf(steps)) {
    add("INPUT_INVALID", `the steps form a cycle: ${cycle.join(" → ")} (each needs the next); no order runs them.`, `/steps/${steps.findIndex((s) => s.id === cycle[0])}`);
  }
  return { steps, findings, producers, external: [...external].sort() };
}

/** Every cycle the depth-first walk meets, once, as a chain of needs back to its start (`a → b → a`). */
function cyclesOf(steps: readonly PlannedStep[]): string[][] {
  const byId = new Map(steps.map((s) => [s.id, s]));
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const seen = new Set<string>();
  const visit = (id: string): void => {
    state.set(id, "open");
    stack.push(id);
    for (const dep of byId.get(id)?.deps ?? []) {
      if (state.get(dep) === "open") {
        // The stack from dep to here: each step needs the next, and the last needs dep.
        const loop = stack.slice(stack.indexOf(dep));
        const key = [...loop].sort().join("\u0000");
        if (!seen.has(key)) {
          seen.add(key);
          cycles.push([...loop, loop[0]!]);
        }
      } else if (!state.has(dep)) {
        visit(dep);
      }
    }
    stack.pop();
    state.set(id, "done");
  };
  for (const step of steps) if (!state.has(step.id)) visit(step.id);
  return cycles;
}

/** The stage of each step in an acyclic graph: 0 for a step with no dependency, else one more than its deepest. */
export function stagesOf(steps: readonly PlannedStep[]): Map<string, number> {
  const byId = new Map(steps.map((s) => [s.id, s]));
  const stage = new Map<string, number>();
  const of = (id: string): number => {
    const known = stage.get(id);
    if (known !== undefined) return known;
    stage.set(id, 0); // a cycle (already a finding) ends here instead of recursing forever
    const deps = byId.get(id)?.deps ?? [];
    const value = deps.length === 0 ? 0 : Math.max(...deps.map(of)) + 1;
    stage.set(id, value);
    return value;
  };
  for (const step of steps) of(step.id);
  return stage;
}
