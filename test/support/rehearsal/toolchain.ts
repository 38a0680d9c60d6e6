/**
 * The Node.js and pnpm a Dockerfile's build stage uses, installed on the host from the npm registry
 * so its install steps can be replayed with the same versions: Node from the `node-<os>-<arch>`
 * package (the binary the `node@<version>` package installs), pnpm from `pnpm@<version>`.
 * Everything lives in one temporary directory per test run, with one pnpm store and metadata cache
 * shared by every replay, and is removed when the run ends.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

export interface NodeToolchain {
  readonly nodeVersion: string;
  readonly pnpmVersion: string;
  /** Directory holding the `node` binary (first on PATH for the replay). */
  readonly nodeBinDir: string;
  /** pnpm's CommonJS entry, run with that node. */
  readonly pnpmEntry: string;
  readonly store: string;
  readonly cache: string;
}

let runDir: string | undefined;
process.on('exit', () => {
  if (runDir) rmSync(runDir, { recursive: true, force: true });
});

/** The per-run scratch directory of the rehearsal layer. */
export function rehearsalDir(): string {
  runDir ??= mkdtempSync(join(tmpdir(), 'gitmesh-rehearsal-'));
  return runDir;
}

const installs = new Map<string, Promise<string>>();

/** `npm install <spec>` (no install scripts) into its own prefix once per run; returns the prefix. */
export function npmPackage(spec: string): Promise<string> {
  let pending = installs.get(spec);
  if (!pending) {
    const prefix = join(rehearsalDir(), 'tools', spec.replace(/[^A-Za-z0-9.@-]/g, '_'));
    pending = (async () => {
      mkdirSync(prefix, { recursive: true });
      const r = await execa('npm', ['install', '--prefix', prefix, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--ignore-scripts', spec], { reject: false, stdin: 'ignore' });
      if (r.exitCode !== 0) throw new Error(`npm install ${spec} failed (the npm registry must be reachable):\n${r.stderr}`);
      return prefix;
    })();
    installs.set(spec, pending);
  }
  return pending;
}

export const NODE_PACKAGE = `node-${process.platform}-${process.arch}`;

export async function nodeToolchain(nodeVersion: string, pnpmVersion: string): Promise<NodeToolchain> {
  if (!/^\d+\.\d+\.\d+$/.test(nodeVersion)) throw new Error(`not an exact Node.js version: ${nodeVersion}`);
  if (!/^\d+\.\d+\.\d+$/.test(pnpmVersion)) throw new Error(`not an exact pnpm version: ${pnpmVersion}`);
  const [nodePrefix, pnpmPrefix] = await Promise.all([npmPackage(`${NODE_PACKAGE}@${nodeVersion}`), npmPackage(`pnpm@${pnpmVersion}`)]);
  const nodeBinDir = join(nodePrefix, 'node_modules', NODE_PACKAGE, 'bin');
  const pnpmEntry = join(pnpmPrefix, 'node_modules', 'pnpm', 'bin', 'pnpm.cjs');
  for (const path of [join(nodeBinDir, 'node'), pnpmEntry]) if (!existsSync(path)) throw new Error(`toolchain incomplete: ${path} missing`);
  const reported = (await execa(join(nodeBinDir, 'node'), ['--version'])).stdout.trim();
  if (reported !== `v${nodeVersion}`) throw new Error(`${NODE_PACKAGE}@${nodeVersion} runs as ${reported}`);
  const store = join(rehearsalDir(), 'pnpm-store');
  const cache = join(rehearsalDir(), 'pnpm-cache');
  mkdirSync(store, { recursive: true });
  mkdirSync(cache, { recursive: true });
  return { nodeVersion, pnpmVersion, nodeBinDir, pnpmEntry, store, cache };
}
