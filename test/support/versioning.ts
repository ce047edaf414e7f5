/** A release index of "sensors" for resolution and yank tests: stable, yanked and pre-release versions across three MAJORs. */
import { sortEntries, type IndexEntry, type ReleaseIndex } from "./lib.js";

/** The model id numbered n. */
export const id = (n: number) => n.toString(16).padStart(64, "0");
const entry = (version: string, n: number, yank?: { reason: string; upgrade_to: string }): IndexEntry => ({
  model_version: version,
  release_id: `sensors-v${version}-r1`,
  model_id: id(n),
  manifest_url: `https://hub.example/example/sensors-fault/resolve/v${version}/manifest.json`,
  artifact_base_url: null,
  tag: `v${version}`,
  added_at: "2026-01-01",
  yanked: yank !== undefined,
  yanked_reason: yank?.reason ?? null,
  yanked_at: yank ? "2026-02-01" : null,
  upgrade_to: yank?.upgrade_to ?? null,
});

export const INDEX: ReleaseIndex = {
  schema_version: "1.0.0",
  generated_by: "bindery index",
  name: "sensors",
  releases: sortEntries([
    entry("0.1.0", 1),
    entry("0.1.1", 2),
    entry("0.2.0", 3, { reason: "the scaler saw the test split", upgrade_to: "0.2.1" }),
    entry("0.2.1", 4),
    entry("1.0.0", 5),
    entry("1.1.0", 6),
    entry("2.0.0", 7),
    entry("2.0.1", 8, { reason: "a broken shard", upgrade_to: "2.0.2" }),
    entry("2.1.0-rc.1", 9),
  ]),
};

