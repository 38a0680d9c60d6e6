/**
 * Byte-level views of a generated repo for the write-safety tests: every file's bytes and mode, and
 * every directory (an empty directory left behind by an interrupted run counts as a difference).
 */
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';

export const BIN = join(process.cwd(), 'dist/bin/gitmesh-devops.js');

/** Runs the bin the way a user does (no terminal), with extra environment (test hooks, templates). */
export const runBin = (dir: string, args: readonly string[], env: Record<string, string> = {}) =>
  execa('node', [BIN, ...args], { cwd: dir, reject: false, stdin: 'ignore', env });

/** path → "mode:sha-free bytes" for files, "dir" for directories, "link -> target" for symlinks. */
export async function repoState(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (rel: string): Promise<void> => {
    const entries = await readdir(join(dir, rel), { withFileTypes: true });
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      const full = join(dir, path);
      const info = await lstat(full);
      if (info.isSymbolicLink()) out.set(path, `link -> ${await readlink(full)}`);
      else if (info.isDirectory()) {
        out.set(`${path}/`, 'dir');
        await walk(path);
      } else out.set(path, `${(info.mode & 0o777).toString(8)}:${(await readFile(full)).toString('base64')}`);
    }
  };
  await walk('');
  return out;
}

/** The first few differences between two states, readable in an assertion message. */
export function stateDiff(expected: Map<string, string>, actual: Map<string, string>, limit = 8): string[] {
  const problems: string[] = [];
  for (const [path, value] of expected) {
    if (!actual.has(path)) problems.push(`missing ${path}`);
    else if (actual.get(path) !== value) problems.push(`differs ${path}${value.length < 400 ? ` (expected ${value.slice(0, 60)}…, got ${actual.get(path)!.slice(0, 60)}…)` : ''}`);
  }
  for (const path of actual.keys()) if (!expected.has(path)) problems.push(`extra ${path}`);
  return problems.slice(0, limit);
}
