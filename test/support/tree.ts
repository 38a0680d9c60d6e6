/** Reads a directory tree into path → content, for byte-for-byte comparisons. */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export async function treeOf(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (rel: string): Promise<void> => {
    for (const entry of await readdir(join(dir, rel), { withFileTypes: true })) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(path);
      else out.set(path, await readFile(join(dir, path), 'utf8'));
    }
  };
  await walk('');
  return out;
}
