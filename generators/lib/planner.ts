/**
 * The one write planner. Given what the templates produce now, what is on disk, and what was
 * generated last time (manifest + stored base contents), it decides per file: create, update,
 * identical, merge (three-way, clean), conflict (diff3 markers), unresolved (markers still in the
 * file), keep (user's edit), skip, force, delete, deleted-by-user or kept-removed. Each decision
 * carries a typed `reason` (and its facts: hunk counts, backup path) that the report turns into
 * text; nothing downstream parses a sentence. A stored merge base is used only when its hash is the one
 * the manifest recorded (a mismatch or a missing base is a conflict, never a silent merge), and whether a
 * file is unedited is decided on the manifest's hash alone. It does no I/O itself: it sees the disk only as
 * `DiskFile` values that repo-io.ts reads (never through a symlink, never decoding bytes lossily), and
 * repo-io.ts carries out its decisions as one journalled transaction.
 */
import { BACKUP_DIR, sha256, type Manifest, type ManifestEntry } from './manifest.js';
import { isCrlf, markerLines, mergeThreeWay, normalizeEol } from './merge.js';

// The manifest and the merge are their own modules; importers keep reading them from the planner.
export { BACKUP_DIR, BASE_DIR, MANIFEST_PATH, parseManifest, repoPathProblem, sha256, STATE_DIR, type Manifest, type ManifestEntry } from './manifest.js';
export { isCrlf, markerLines, mergeThreeWay } from './merge.js';

/**
 * `regenerate`: merged with the user's edits; `create-once`: the user's after creation; `state`: the
 * generator's own record (.yo-rc.json), derived from the file itself, so it is rewritten whole and
 * never merged with conflict markers (a marker would make it unreadable JSON for every later run).
 */
export type FilePolicy = 'regenerate' | 'create-once' | 'state';

/** What is at a path, as repo-io.ts reads it. `at` names the path itself or the parent that is the problem. */
export type DiskFile =
  | { readonly kind: 'text'; readonly text: string }
  /** Not valid UTF-8: never decoded, so never rewritten from a lossy copy. */
  | { readonly kind: 'binary' }
  | { readonly kind: 'symlink'; readonly at: string }
  /** A directory, device or socket where a file goes (or a file where a directory goes). */
  | { readonly kind: 'not-a-file'; readonly at: string };

export interface DesiredFile {
  readonly path: string;
  readonly content: string;
  readonly executable?: boolean;
  readonly policy?: FilePolicy;
}

/** Every action the planner takes (listed at run time so the table test can check it covers each one). */
export const ACTIONS = ['create', 'update', 'identical', 'merge', 'conflict', 'unresolved', 'blocked', 'keep', 'skip', 'force', 'delete', 'deleted-by-user', 'kept-removed'] as const;
export type Action = (typeof ACTIONS)[number];

/** Why the planner chose the action: one code per rule below, so reports and later runs never parse text. */
export const REASONS = [
  'new-file',
  'restored',
  'user-deleted',
  'yo-resolve-skip',
  'up-to-date',
  'created-once',
  'not-edited',
  'user-edit-kept',
  'merged',
  'conflicting-hunks',
  /** The stored merge base is not what the manifest says was generated (edited or damaged): never merged against. */
  'base-mismatch',
  /** The manifest records the file but its merge base is gone: nothing to merge against. */
  'base-missing',
  'markers-present',
  'forced',
  'yo-resolve-force',
  'no-longer-generated',
  'no-longer-generated-edited',
  'stored-answers',
  'symlink',
  'not-text',
  'not-a-file',
] as const;
export type Reason = (typeof REASONS)[number];

export interface PlanEntry {
  readonly path: string;
  readonly action: Action;
  readonly reason: Reason;
  /** What ends up in the file when the action writes. */
  readonly write?: string;
  readonly executable?: boolean;
  /** The template output: becomes the merge base next time. */
  readonly base?: string;
  /** Disk content before the run, for diffs and --force backups. */
  readonly before?: string;
  /** `conflict`: hunks written with markers; `unresolved`: marker lines still in the file. */
  readonly conflicts?: number;
  /** `force`: where the user's version is copied (byte for byte) before it is overwritten. */
  readonly backup?: string;
  /** `blocked`: the path, or the parent of it, that is a symlink or not a file. */
  readonly blockedAt?: string;
}

export interface PlanInput {
  readonly desired: readonly DesiredFile[];
  readonly readDisk: (path: string) => DiskFile | undefined;
  readonly previous?: Manifest;
  readonly readBase: (path: string) => string | undefined;
  /** `.yo-resolve`-style per-file override. */
  readonly resolve?: (path: string) => 'skip' | 'force' | undefined;
  readonly force?: boolean;
  readonly restore?: boolean;
}

export const WRITING_ACTIONS: ReadonlySet<Action> = new Set(['create', 'update', 'merge', 'conflict', 'force']);

export function plan(input: PlanInput): PlanEntry[] {
  const entries: PlanEntry[] = [];
  const desiredPaths = new Set<string>();
  for (const file of input.desired) {
    desiredPaths.add(file.path);
    entries.push(planFile(file, input));
  }
  // Files generated last time that the templates no longer produce.
  for (const path of Object.keys(input.previous?.files ?? {}).sort()) {
    if (desiredPaths.has(path)) continue;
    const found = input.readDisk(path);
    if (found === undefined) continue;
    if (found.kind === 'symlink' || found.kind === 'not-a-file') {
      entries.push({ path, action: 'blocked', reason: found.kind, blockedAt: found.at });
      continue;
    }
    // Bytes that are not UTF-8 were never ours to delete unseen: the user's, kept.
    if (found.kind === 'binary') {
      entries.push({ path, action: 'kept-removed', reason: 'no-longer-generated-edited' });
      continue;
    }
    const disk = normalizeEol(found.text);
    // Decided on the manifest's hash alone: a stored base edited to match the user's file must not get it deleted.
    const unchanged = sha256(disk) === input.previous!.files[path]!.template;
    const markers = markerLines(disk);
    entries.push(
      markers
        ? { path, action: 'unresolved', reason: 'markers-present', before: found.text, conflicts: markers }
        : unchanged
          ? { path, action: 'delete', reason: 'no-longer-generated', before: found.text }
          : { path, action: 'kept-removed', reason: 'no-longer-generated-edited', before: found.text },
    );
  }
  return entries;
}

function planFile(file: DesiredFile, input: PlanInput): PlanEntry {
  const { path, content } = file;
  const common = { path, base: content, ...(file.executable ? { executable: true } : {}) };
  const found = input.readDisk(path);
  const previous = input.previous?.files[path];
  const resolution = input.resolve?.(path);
  if (found === undefined) {
    if (previous && !input.restore) return { ...common, action: 'deleted-by-user', reason: 'user-deleted' };
    return { ...common, action: 'create', write: content, reason: previous ? 'restored' : 'new-file' };
  }
  // Never written through, whatever the flags: a symlink may point anywhere, outside the repo too.
  if (found.kind === 'symlink' || found.kind === 'not-a-file') return { ...common, action: 'blocked', reason: found.kind, blockedAt: found.at };
  if (resolution === 'skip') return { ...common, action: 'skip', reason: 'yo-resolve-skip', ...(found.kind === 'text' ? { before: found.text } : {}) };
  if (found.kind === 'binary') {
    if (file.policy === 'create-once') return { ...common, action: 'keep', reason: 'created-once' };
    // Bytes that are not UTF-8 cannot be merged without loss: left alone, or --force copies them whole to the backup.
    if (input.force || resolution === 'force') return { ...common, action: 'force', write: content, reason: input.force ? 'forced' : 'yo-resolve-force', backup: `${BACKUP_DIR}/${path}` };
    return { ...common, action: 'blocked', reason: 'not-text', blockedAt: path };
  }
  // CRLF files are compared and merged with LF endings, and written back with the user's CRLF.
  const raw = found.text;
  const crlf = isCrlf(raw);
  const disk = crlf ? normalizeEol(raw) : raw;
  const styled = (text: string): string => (crlf ? text.replace(/\n/g, '\r\n') : text);
  if (disk === content) return { ...common, action: 'identical', before: raw, reason: 'up-to-date' };
  if (file.policy === 'state') return { ...common, action: 'update', write: styled(content), before: raw, reason: 'stored-answers' };
  if (file.policy === 'create-once') return { ...common, action: 'keep', before: raw, reason: 'created-once' };
  // Unedited means: the file is still exactly what the templates produced last time (the manifest's hash says so).
  const pristine = previous !== undefined && sha256(disk) === previous.template;
  if (pristine) return { ...common, action: 'update', write: styled(content), before: raw, reason: 'not-edited' };
  // Only an edited file is forced (and backed up): an unedited one is a plain update above.
  if (input.force || resolution === 'force') {
    return { ...common, action: 'force', write: styled(content), before: raw, reason: input.force ? 'forced' : 'yo-resolve-force', backup: `${BACKUP_DIR}/${path}` };
  }
  // Markers from an earlier conflict are never "your edit": the file stays as it is until resolved.
  const markers = markerLines(disk);
  if (markers) return { ...common, action: 'unresolved', before: raw, reason: 'markers-present', conflicts: markers };
  // The templates give what they gave last time: the user's edit stands, whatever the stored base holds.
  if (previous !== undefined && sha256(content) === previous.template) return { ...common, action: 'keep', before: raw, reason: 'user-edit-kept' };
  const base = previous ? trustedBase(path, previous, input.readBase) : undefined;
  // An untrusted or missing base is never merged against: every differing line is the user's to decide.
  // No previous entry at all: a file we never generated is in the way, and likewise conflicts.
  const merged = mergeThreeWay(disk, typeof base === 'string' ? base : '', content, path);
  if (typeof base === 'object') return { ...common, action: 'conflict', write: styled(merged.text), before: raw, reason: base.problem, conflicts: Math.max(merged.conflicts, 1) };
  return merged.conflicts
    ? { ...common, action: 'conflict', write: styled(merged.text), before: raw, reason: 'conflicting-hunks', conflicts: merged.conflicts }
    : { ...common, action: 'merge', write: styled(merged.text), before: raw, reason: 'merged' };
}

/**
 * The stored merge base, used only when its hash is the one the manifest recorded for the template
 * output: a base copy edited by hand, half-restored from git or damaged would otherwise let a merge
 * silently drop the user's lines or re-apply removed ones.
 */
export function trustedBase(path: string, previous: ManifestEntry, readBase: (path: string) => string | undefined): string | { readonly problem: 'base-mismatch' | 'base-missing' } {
  const stored = readBase(path);
  if (stored === undefined) return { problem: 'base-missing' };
  return sha256(stored) === previous.template ? stored : { problem: 'base-mismatch' };
}

/**
 * The manifest after applying a plan: per file, the hash of what the generator last wrote there and
 * of the template output it derives from. A file the run does not write keeps its entry unless its
 * merge base moves, so a run that changes nothing produces the same manifest (and writes nothing).
 */
export function nextManifest(entries: readonly PlanEntry[], previous: Manifest | undefined, generator: string, version: string, readBase: (path: string) => string | undefined = () => undefined): Manifest {
  const files: Record<string, ManifestEntry> = {};
  for (const entry of entries) {
    if (entry.action === 'delete') continue;
    const before = previous?.files[entry.path];
    const base = nextBase(entry, readBase(entry.path));
    if (entry.write !== undefined && base !== undefined) {
      files[entry.path] = { sha256: sha256(entry.write), template: sha256(base) };
      continue;
    }
    if (entry.before === undefined || base === undefined) {
      if (before) files[entry.path] = before;
      continue;
    }
    const template = sha256(base);
    // First adoption of a file already on disk records it as found; afterwards only the base moves.
    files[entry.path] = before ? (before.template === template ? before : { ...before, template }) : { sha256: sha256(entry.before), template };
  }
  const sorted = Object.fromEntries(Object.keys(files).sort().map((key) => [key, files[key]!]));
  return { generator, version, files: sorted };
}

/** The merge base to store for next time: the template output for files we manage, else the old base. */
export function nextBase(entry: PlanEntry, oldBase: string | undefined): string | undefined {
  if (entry.action === 'delete') return undefined;
  // Skipped, user-deleted and unresolved files keep their base: the next merge starts from it.
  if (entry.action === 'skip' || entry.action === 'deleted-by-user' || entry.action === 'kept-removed' || entry.action === 'unresolved' || entry.action === 'blocked') return oldBase;
  // A create-once file keeps the base it was created from; every other managed file moves to the new output.
  if (entry.reason === 'created-once') return oldBase ?? entry.base;
  return entry.base;
}

export interface PlanSummary {
  readonly counts: Readonly<Partial<Record<Action, number>>>;
  /** Files this run wrote conflict markers into. */
  readonly conflicts: readonly string[];
  /** Files that still hold markers from an earlier run (left untouched). */
  readonly unresolved: readonly string[];
  /** Files the run must not write: symlinks, non-UTF-8 bytes, directories in the way. */
  readonly blocked: readonly string[];
  readonly changed: boolean;
}

export function summarize(entries: readonly PlanEntry[]): PlanSummary {
  const counts: Partial<Record<Action, number>> = {};
  for (const entry of entries) counts[entry.action] = (counts[entry.action] ?? 0) + 1;
  return {
    counts,
    conflicts: entries.filter((entry) => entry.action === 'conflict').map((entry) => entry.path),
    unresolved: entries.filter((entry) => entry.action === 'unresolved').map((entry) => entry.path),
    blocked: entries.filter((entry) => entry.action === 'blocked').map((entry) => entry.path),
    changed: entries.some((entry) => WRITING_ACTIONS.has(entry.action) || entry.action === 'delete'),
  };
}

