/**
 * The generated repo's record of what the generator wrote (`.gitmesh-devops/`): where it lives, the
 * manifest's shape (per path, the hash of the file as a run left it and of the template output that
 * is its merge base), and the checks that make a manifest from a cloned repo safe to act on.
 */
import { createHash } from 'node:crypto';

export const STATE_DIR = '.gitmesh-devops';
export const MANIFEST_PATH = `${STATE_DIR}/manifest.json`;
export const BASE_DIR = `${STATE_DIR}/base`;
export const BACKUP_DIR = `${STATE_DIR}/backup`;

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

export interface ManifestEntry {
  /** Hash of the file as this run left it (template output, merged result, or conflict markers). */
  readonly sha256: string;
  /** Hash of the template output: the merge base the next run compares the user's file against. */
  readonly template: string;
}

export interface Manifest {
  readonly generator: string;
  readonly version: string;
  readonly files: Readonly<Record<string, ManifestEntry>>;
}

/**
 * Why a repo-relative path from outside the generator (the manifest, the journal) cannot be used, or
 * undefined: it must be relative, normalised and inside the repo (no `..`, `.`, empty segment,
 * backslash or NUL), and never inside .git.
 */
export function repoPathProblem(path: unknown): string | undefined {
  if (typeof path !== 'string' || path === '') return 'not a path';
  if (path.length > 4096) return 'longer than PATH_MAX';
  if (path.includes('\0') || path.includes('\\')) return 'holds a NUL or a backslash';
  if (path.startsWith('/')) return 'absolute';
  const segments = path.split('/');
  if (segments.includes('..')) return 'climbs out with ..';
  if (segments.some((segment) => segment === '' || segment === '.')) return 'not normalised';
  if (segments[0] === '.git') return 'inside .git';
  return undefined;
}

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * Reads the manifest, refusing it whole when any entry is not a file inside the repo: a cloned repo
 * could otherwise make a run delete (or write) a predictable file outside itself.
 */
export function parseManifest(text: string): { manifest?: Manifest; problems: string[] } {
  const not = (why: string): string => `${MANIFEST_PATH} is not the generator's manifest: ${why}`;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return { problems: [`${MANIFEST_PATH} is not valid JSON (${(error as Error).message.split('\n')[0]}): restore it from git (git checkout -- ${MANIFEST_PATH})`] };
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return { problems: [not('it must hold an object with "generator", "version" and "files"')] };
  const record = data as Record<string, unknown>;
  const files = record.files;
  if (typeof files !== 'object' || files === null || Array.isArray(files)) return { problems: [not('"files" must be an object of path → hashes')] };
  const problems: string[] = [];
  for (const [path, entry] of Object.entries(files as Record<string, unknown>)) {
    const why = repoPathProblem(path) ?? (path === STATE_DIR || path.startsWith(`${STATE_DIR}/`) ? `inside ${STATE_DIR}` : undefined);
    if (why) problems.push(not(`${JSON.stringify(path.length > 200 ? `${path.slice(0, 200)}…` : path)} is not a path inside the repo (${why})`));
    else if (typeof entry !== 'object' || entry === null || !HEX64.test(String((entry as ManifestEntry).sha256)) || !HEX64.test(String((entry as ManifestEntry).template))) {
      problems.push(not(`the entry of ${JSON.stringify(path)} must hold "sha256" and "template" hashes`));
    }
  }
  if (problems.length) return { problems: problems.slice(0, 20) };
  return { manifest: { generator: String(record.generator ?? ''), version: String(record.version ?? ''), files: files as Record<string, ManifestEntry> }, problems: [] };
}
