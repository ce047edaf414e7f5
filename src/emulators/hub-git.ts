/**
 * The git side of the Hub emulator: real git object ids (blob, tree and commit sha1s, as git and
 * the Hub compute them), LFS pointer files, the platform's default `.gitattributes`, and a
 * `.gitattributes` matcher that decides which paths are tracked by LFS.
 */
import { createHash } from "node:crypto";

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** The git blob id of `content`: sha1("blob <size>\0" + content). */
export function gitBlobSha1(content: Uint8Array): string {
  return createHash("sha1").update(`blob ${content.length}\0`).update(content).digest("hex");
}

/** The LFS pointer file git stores in place of an LFS object. */
export function lfsPointer(oid: string, size: number): Buffer {
  return Buffer.from(`version https://git-lfs.github.com/spec/v1\noid sha256:${oid}\nsize ${size}\n`, "utf8");
}

/**
 * The tree ids of every directory of a snapshot (`""` is the root), from its files' paths and
 * blob ids, with git's entry order (a directory sorts as if its name ended with `/`).
 */
export function gitTreeShas(files: Iterable<[path: string, blobOid: string]>): Map<string, string> {
  const dirs = new Map<string, Map<string, string | null>>([["", new Map()]]);
  for (const [path, blobOid] of files) {
    const parts = path.split("/");
    let dir = "";
    for (const part of parts.slice(0, -1)) {
      const child = dir === "" ? part : `${dir}/${part}`;
      if (!dirs.has(child)) {
        dirs.set(child, new Map());
        dirs.get(dir)!.set(part, null);
      }
      dir = child;
    }
    dirs.get(dir)!.set(parts.at(-1)!, blobOid);
  }
  const shas = new Map<string, string>();
  const hashDir = (dir: string): string => {
    const entries = [...dirs.get(dir)!].map(([name, blob]) => {
      const isDir = blob === null;
      const sha = isDir ? hashDir(dir === "" ? name : `${dir}/${name}`) : blob;
      return { key: Buffer.from(isDir ? `${name}/` : name), head: `${isDir ? "40000" : "100644"} ${name}\0`, sha };
    });
    entries.sort((a, b) => Buffer.compare(a.key, b.key));
    const body = Buffer.concat(entries.flatMap((e) => [Buffer.from(e.head, "utf8"), Buffer.from(e.sha, "hex")]));
    const sha = createHash("sha1").update(`tree ${body.length}\0`).update(body).digest("hex");
    shas.set(dir, sha);
    return sha;
  };
  hashDir("");
  return shas;
}

/** The id of a git commit object. */
export function gitCommitSha(commit: {
  tree: string;
  parents: readonly string[];
  author: string;
  date: Date;
  message: string;
}): string {
  const stamp = `${Math.floor(commit.date.getTime() / 1000)} +0000`;
  const text =
    `tree ${commit.tree}\n` +
    commit.parents.map((parent) => `parent ${parent}\n`).join("") +
    `author ${commit.author} ${stamp}\ncommitter ${commit.author} ${stamp}\n\n${commit.message}\n`;
  return createHash("sha1").update(`commit ${Buffer.byteLength(text)}\0`).update(text).digest("hex");
}

const LFS_ATTRS = "filter=lfs diff=lfs merge=lfs -text";

const COMMON_LFS_PATTERNS = [
  "*.7z", "*.arrow", "*.bin", "*.bz2", "*.ckpt", "*.ftz", "*.gz", "*.h5", "*.joblib", "*.lfs.*", "*.mlmodel",
  "*.model", "*.msgpack", "*.npy", "*.npz", "*.onnx", "*.ot", "*.parquet", "*.pb", "*.pickle", "*.pkl", "*.pt",
  "*.pth", "*.rar", "*.safetensors", "saved_model/**/*", "*.tar.*", "*.tar", "*.tflite", "*.tgz", "*.wasm", "*.xz",
  "*.zip", "*.zst", "*tfevents*",
];

const DATASET_MEDIA_PATTERNS: [string, string[]][] = [
  ["Audio files - uncompressed", ["*.pcm", "*.sam", "*.raw"]],
  ["Audio files - compressed", ["*.aac", "*.flac", "*.mp3", "*.ogg", "*.wav"]],
  ["Image files - uncompressed", ["*.bmp", "*.gif", "*.png", "*.tiff"]],
  ["Image files - compressed", ["*.jpg", "*.jpeg", "*.webp"]],
  ["Video files - compressed", ["*.mp4", "*.webm"]],
];

/** The `.gitattributes` a new repo starts with, as the platform writes it. */
export function defaultGitattributes(type: "model" | "dataset" | "space"): string {
  const lines = COMMON_LFS_PATTERNS.map((pattern) => `${pattern} ${LFS_ATTRS}`);
  if (type === "dataset") {
    lines.splice(lines.indexOf(`*.joblib ${LFS_ATTRS}`) + 1, 0, `*.lz4 ${LFS_ATTRS}`);
    lines.splice(lines.indexOf(`*.lfs.* ${LFS_ATTRS}`) + 1, 0, `*.mds ${LFS_ATTRS}`);
    for (const [title, patterns] of DATASET_MEDIA_PATTERNS) {
      lines.push(`# ${title}`, ...patterns.map((pattern) => `${pattern} ${LFS_ATTRS}`));
    }
  }
  return `${lines.join("\n")}\n`;
}

/** The line the platform appends to `.gitattributes` to track one more path with LFS. */
export function lfsTrackLine(path: string): string {
  return `${path.replace(/[\\*?[\]]/g, "\\$&").replace(/ /g, "[[:space:]]")} ${LFS_ATTRS}`;
}

/** Whether `.gitattributes` text puts `path` under the LFS filter (the last matching line wins). */
export function lfsTracked(gitattributes: string, path: string): boolean {
  let tracked = false;
  for (const raw of gitattributes.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const [pattern, ...attrs] = line.split(/\s+/);
    if (!pattern || !matchAttributePattern(pattern, path)) continue;
    for (const attr of attrs) {
      if (attr === "filter=lfs") tracked = true;
      else if (attr.startsWith("filter=") || attr === "-filter" || attr === "!filter") tracked = false;
    }
  }
  return tracked;
}

/** gitattributes pattern semantics: no `/` matches the base name, otherwise the whole path. */
function matchAttributePattern(pattern: string, path: string): boolean {
  const anchored = pattern.includes("/");
  const source = translate(pattern.replace(/^\//, ""));
  const subject = anchored ? path : path.slice(path.lastIndexOf("/") + 1);
  return new RegExp(`^${source}$`, "s").test(subject);
}

const POSIX_CLASSES: Record<string, string> = {
  space: "\\s",
  alpha: "A-Za-z",
  digit: "0-9",
  alnum: "A-Za-z0-9",
  upper: "A-Z",
  lower: "a-z",
};

function translate(glob: string): string {
  let out = "";
  for (let i = 0; i < glob.length; i += 1) {
    const c = glob[i]!;
    if (c === "\\" && i + 1 < glob.length) {
      out += escapeRegExp(glob[(i += 1)]!);
    } else if (c === "*") {
      if (glob[i + 1] === "*") {
        const atStart = i === 0 || glob[i - 1] === "/";
        if (atStart && glob[i + 2] === "/") {
          out += "(?:[^/]*/)*";
          i += 2;
          continue;
        }
        if (atStart && i + 2 === glob.length) {
          out += ".*";
          i += 1;
          continue;
        }
      }
      out += "[^/]*";
    } else if (c === "?") {
      out += "[^/]";
    } else if (c === "[") {
      const close = findClassEnd(glob, i);
      if (close < 0) {
        out += "\\[";
        continue;
      }
      let body = glob.slice(i + 1, close);
      const negate = body.startsWith("!") || body.startsWith("^");
      if (negate) body = body.slice(1);
      body = body
        .replace(/\[:([a-z]+):\]/g, (_, name: string) => POSIX_CLASSES[name] ?? "")
        .replace(/\\(?![sdw])/g, "\\\\")
        .replace(/]/g, "\\]");
      out += `[${negate ? "^" : ""}${body}]`;
      i = close;
    } else {
      out += escapeRegExp(c);
    }
  }
  return out;
}

function findClassEnd(glob: string, open: number): number {
  let i = open + 1;
  if (glob[i] === "!" || glob[i] === "^") i += 1;
  if (glob[i] === "]") i += 1;
  for (; i < glob.length; i += 1) {
    if (glob.startsWith("[:", i)) {
      const end = glob.indexOf(":]", i + 2);
      if (end > 0) {
        i = end + 1;
        continue;
      }
    }
    if (glob[i] === "]") return i;
  }
  return -1;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}
