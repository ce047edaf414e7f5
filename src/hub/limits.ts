/**
 * The platform limits a plan is checked against before anything is sent, and the Hub's LFS rule.
 * Sources: the Hub's repository limits (files per folder and per repo, file size, LFS threshold,
 * files per commit) and GitHub's release limits (asset size, assets per release).
 */
export interface PlatformLimits {
  /** Entries in one Hub folder. */
  hubEntriesPerFolder: number;
  /** Files in one Hub repository. */
  hubFilesPerRepo: number;
  /** Bytes in one Hub file. */
  hubFileBytes: number;
  /** Files per Hub commit: a release larger than this is split into batches. */
  hubFilesPerCommit: number;
  /** Bytes in one GitHub release asset. */
  githubAssetBytes: number;
  /** Assets in one GitHub release. */
  githubAssetsPerRelease: number;
}

export const PLATFORM_LIMITS: Readonly<PlatformLimits> = {
  hubEntriesPerFolder: 10_000,
  hubFilesPerRepo: 100_000,
  hubFileBytes: 500 * 1000 ** 3,
  hubFilesPerCommit: 1_000,
  githubAssetBytes: 2 * 1024 ** 3,
  githubAssetsPerRelease: 1_000,
};

/** Files of this size or larger go through LFS on the Hub. */
export const HUB_LFS_THRESHOLD = 10 * 1024 * 1024;

/** Patterns of the Hub's default .gitattributes: such files go through LFS whatever their size. */
export const HUB_LFS_EXTENSIONS = [
  ".7z", ".arrow", ".bin", ".bz2", ".ckpt", ".ftz", ".gz", ".h5", ".joblib", ".mlmodel", ".model", ".msgpack", ".npy", ".npz",
  ".onnx", ".ot", ".parquet", ".pb", ".pickle", ".pkl", ".pt", ".pth", ".rar", ".safetensors", ".tar", ".tflite", ".tgz", ".wasm",
  ".xz", ".zip", ".zst",
] as const;

export function isHubLfs(path: string, size: number): boolean {
  const lower = path.toLowerCase();
  return size >= HUB_LFS_THRESHOLD || HUB_LFS_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

/**
 * An asset name GitHub keeps as given: characters outside letters, digits, `.`, `_`, `-` and `+`
 * become `.`, runs of `.` collapse, and leading or trailing `.` go (GitHub renames such names).
 */
export function githubAssetName(name: string): string {
  return name
    .replace(/[^A-Za-z0-9._+-]/g, ".")
    .replace(/\.{2,}/g, ".")
    .replace(/^\.+|\.+$/g, "");
}
