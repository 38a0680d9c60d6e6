/**
 * The pinned GitMesh CE source tree, for the rehearsal tests. It is test data, never project code:
 * `../shared/upstream/gitmesh-ce-<sha>.tar.zst` (looked up in the project root's parent folders, as
 * CI lays `shared/` beside its clone), checked against the sha256 its README records, unpacked once
 * per test run into a temporary directory that is removed when the run ends.
 *
 * A missing or altered snapshot fails the calling test with a clear message; it never skips.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { answersFrom } from './generate.js';
import { requireTool } from './validators.js';

/** dist/test/support → project root. */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export interface UpstreamSnapshot {
  /** The unpacked `gitmesh-ce/` tree. */
  readonly root: string;
  readonly tarball: string;
  /** Full commit the snapshot was taken at (from its README). */
  readonly commit: string;
  /** Reads a file of the tree as text. */
  readonly read: (path: string) => string;
  /** `path:line` of the first line matching `pattern` (for messages that cite upstream). */
  readonly cite: (path: string, pattern: RegExp | string) => string;
}

function findSnapshotDir(): string {
  const override = process.env.GITMESH_UPSTREAM_DIR;
  if (override) {
    if (!existsSync(join(override, 'README.md'))) throw new Error(`GITMESH_UPSTREAM_DIR=${override} holds no pinned GitMesh CE snapshot (README.md and gitmesh-ce-<sha>.tar.zst). The rehearsal tests need it; they do not skip.`);
    return resolve(override);
  }
  for (let dir = PROJECT_ROOT; ; dir = dirname(dir)) {
    const candidate = join(dir, 'shared', 'upstream');
    if (existsSync(join(candidate, 'README.md'))) return candidate;
    if (dirname(dir) === dir) break;
  }
  throw new Error(
    `the pinned GitMesh CE snapshot is missing: no shared/upstream/README.md in any parent folder of ${PROJECT_ROOT} ` +
      '(set GITMESH_UPSTREAM_DIR to the folder holding gitmesh-ce-<sha>.tar.zst and its README). The rehearsal tests need it; they do not skip.',
  );
}

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

let snapshot: Promise<UpstreamSnapshot> | undefined;
let unpackedDir: string | undefined;

process.on('exit', () => {
  if (unpackedDir) rmSync(unpackedDir, { recursive: true, force: true });
});

async function unpack(): Promise<UpstreamSnapshot> {
  const dir = findSnapshotDir();
  const readme = readFileSync(join(dir, 'README.md'), 'utf8');
  const tarballs = readdirSync(dir).filter((name) => /^gitmesh-ce-[0-9a-f]+\.tar\.zst$/.test(name));
  if (tarballs.length !== 1) throw new Error(`${dir}: expected one gitmesh-ce-<sha>.tar.zst, found ${tarballs.join(', ') || 'none'}`);
  const tarball = join(dir, tarballs[0]);
  const expected = /sha256[^`]*`([0-9a-f]{64})`/.exec(readme)?.[1];
  const commit = /commit\s+`([0-9a-f]{40})`/.exec(readme)?.[1];
  if (!expected || !commit) throw new Error(`${dir}/README.md no longer records the snapshot's sha256 and commit`);
  const actual = await sha256(tarball);
  if (actual !== expected) throw new Error(`${tarball}: sha256 ${actual}, README says ${expected}`);
  // The snapshot must be the tree the generator pins, or the rehearsals prove the wrong thing.
  const pinned = answersFrom({}).gitmeshRef;
  if (pinned !== commit) throw new Error(`the generator pins gitmesh ${pinned} but the snapshot is ${commit}`);
  requireTool('zstd');
  requireTool('tar');
  unpackedDir = mkdtempSync(join(tmpdir(), 'gitmesh-upstream-'));
  await execa('sh', ['-c', 'zstd -dc "$1" | tar -x -C "$2"', 'unpack', tarball, unpackedDir]);
  const root = join(unpackedDir, 'gitmesh-ce');
  if (!existsSync(join(root, 'backend', 'package.json'))) throw new Error(`${tarball} did not unpack to gitmesh-ce/`);
  const read = (path: string): string => readFileSync(join(root, path), 'utf8');
  const cite = (path: string, pattern: RegExp | string): string => {
    const lines = read(path).split('\n');
    const index = lines.findIndex((line) => (typeof pattern === 'string' ? line.includes(pattern) : pattern.test(line)));
    if (index < 0) throw new Error(`upstream ${path} no longer contains ${String(pattern)}`);
    return `${path}:${index + 1}`;
  };
  return { root, tarball, commit, read, cite };
}

/** The unpacked pinned tree (unpacked on first use, shared by every test of the run). */
export function upstream(): Promise<UpstreamSnapshot> {
  snapshot ??= unpack();
  return snapshot;
}
