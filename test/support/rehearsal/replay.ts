/**
 * Replays a generated Dockerfile's Node build stage on the host, against the pinned GitMesh CE tree:
 * each COPY stages exactly the files BuildKit would send (the Dockerfile's own .dockerignore applied)
 * at the image path, and each install step runs at its WORKDIR with the stage's own Node.js and pnpm
 * versions (read from `FROM node:<version>` and `npm install -g pnpm@<version>`, or overridden).
 *
 * pnpm is given `--lockfile-only --ignore-scripts` (a shim first on PATH adds them, so upstream's
 * install_lib_packages.sh runs unchanged): it reads the manifests, the workspace file and the lockfile
 * exactly as the image build does and fails the same way on a version, lockfile or workspace mismatch,
 * without downloading packages. What lockfile-only does not read, `file:`/`link:` dependencies, is
 * checked after each install: each must be in the image at that step. Build steps (`pnpm run build`)
 * are not replayed: only the generated CI's e2e job, which builds the images, proves them.
 */
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync, readdirSync, rmSync } from 'node:fs';
import { join, posix, relative } from 'node:path';
import { execa } from 'execa';
import { copyOperands, dockerignore, envPairs, parseDockerfile, type Stage } from './dockerfile.js';
import { nodeToolchain, rehearsalDir, type NodeToolchain } from './toolchain.js';

export interface StepReport {
  readonly line: number;
  readonly command: string;
  readonly cwd: string;
  readonly outcome: 'replayed' | 'cached' | 'system-packages' | 'toolchain' | 'build-not-replayed';
}

export interface ReplayResult {
  readonly ok: boolean;
  readonly problems: readonly string[];
  readonly steps: readonly StepReport[];
  readonly nodeVersion: string;
  readonly pnpmVersion: string;
}

export interface ReplayOptions {
  /** Build context on the host (the unpacked upstream tree). */
  readonly context: string;
  readonly dockerfile: string;
  readonly dockerignore: string;
  /** Replay with another Node.js / pnpm than the Dockerfile pins (e.g. to try a Node upgrade first). */
  readonly nodeVersion?: string;
  readonly pnpmVersion?: string;
}

/** Every file under `dir` of the context, relative to the context. */
function walk(context: string, rel: string, out: string[]): void {
  for (const entry of readdirSync(join(context, rel), { withFileTypes: true })) {
    const path = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) walk(context, path, out);
    else out.push(path);
  }
}

/** The files a COPY source sends, or a problem when BuildKit would fail on it. */
export function copySourceFiles(context: string, excluded: (path: string) => boolean, source: string): { files: string[]; dir: boolean } | { problem: string } {
  const rel = posix.normalize(source.replace(/^\.\/+/, '')).replace(/\/+$/, '') || '.';
  if (rel.startsWith('..')) return { problem: `${source} is outside the build context` };
  const abs = join(context, rel);
  if (!existsSync(abs)) return { problem: `${source} does not exist in the pinned GitMesh CE tree` };
  if (rel !== '.' && excluded(rel)) return { problem: `${source} is excluded by the Dockerfile's .dockerignore (BuildKit: not found)` };
  if (!statSync(abs).isDirectory()) return { files: [rel], dir: false };
  const all: string[] = [];
  walk(context, rel === '.' ? '' : rel, all);
  return { files: all.filter((path) => !excluded(path)), dir: true };
}

/**
 * Applies one COPY (without --from) to a staging root that stands for the image's filesystem: the files
 * BuildKit sends, at the paths Docker puts them. Returns problems (missing or excluded sources).
 */
export function stageCopy(root: string, workdir: string, args: string, context: string, excluded: (path: string) => boolean): string[] {
  const { flags, sources, dest } = copyOperands(args);
  if (flags.from) return [];
  const problems: string[] = [];
  const target = posix.resolve(workdir, dest);
  const intoDir = dest.endsWith('/') || sources.length > 1;
  for (const source of sources) {
    const found = copySourceFiles(context, excluded, source);
    if ('problem' in found) {
      problems.push(found.problem);
      continue;
    }
    const base = posix.normalize(source.replace(/^\.\/+/, '')).replace(/\/+$/, '');
    for (const file of found.files) {
      const inImage = found.dir ? posix.join(target, posix.relative(base === '.' ? '' : base, file)) : intoDir ? posix.join(target, posix.basename(file)) : target;
      mkdirSync(join(root, posix.dirname(inImage)), { recursive: true });
      cpSync(join(context, file), join(root, inImage), { preserveTimestamps: true });
    }
  }
  return problems;
}

function stageFor(stages: readonly Stage[]): Stage {
  const build = stages.find((stage) => stage.name === 'build') ?? stages[0];
  if (!/^node:/.test(build.from)) throw new Error(`build stage is not a Node image: FROM ${build.from}`);
  return build;
}

const imageNodeVersion = (from: string): string => /^node:(\d+\.\d+\.\d+)/.exec(from)?.[1] ?? '';

/** The shim that makes every `pnpm install` of the replay lockfile-only, and logs where it ran. */
function writeShim(dir: string, tools: NodeToolchain, log: string): void {
  mkdirSync(dir, { recursive: true });
  const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  const node = q(join(tools.nodeBinDir, 'node'));
  const pnpm = q(tools.pnpmEntry);
  writeFileSync(
    join(dir, 'pnpm'),
    [
      '#!/bin/sh',
      '# Rehearsal shim: the pinned pnpm, resolving manifests and the lockfile only (no downloads, no scripts).',
      'if [ "$1" = install ] || [ "$1" = i ]; then',
      '  shift',
      `  printf '%s\\n' "$PWD" >>${q(log)}`,
      `  exec ${node} ${pnpm} install --lockfile-only --ignore-scripts --store-dir ${q(tools.store)} --cache-dir ${q(tools.cache)} "$@"`,
      'fi',
      `exec ${node} ${pnpm} "$@"`,
      '',
    ].join('\n'),
  );
  chmodSync(join(dir, 'pnpm'), 0o755);
}

/** `file:`/`link:` dependencies of the manifest in `dir` that the image does not have at this step. */
function missingLocalDeps(dir: string, root: string): string[] {
  const manifest = join(dir, 'package.json');
  if (!existsSync(manifest)) return [`no package.json in ${relative(root, dir)}`];
  const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as Record<string, Record<string, string> | undefined>;
  const problems: string[] = [];
  for (const field of ['dependencies', 'devDependencies', 'optionalDependencies']) {
    for (const [name, spec] of Object.entries(pkg[field] ?? {})) {
      const m = /^(?:file|link):(.+)$/.exec(spec);
      if (!m) continue;
      if (!existsSync(join(dir, m[1], 'package.json'))) problems.push(`${name} -> ${spec} is not in the image at this step`);
    }
  }
  return problems;
}

// System packages, and the apt list cleanup that goes with them (Debian-based stages).
const SYSTEM = /^(apk|apt-get|apt)\b|^rm -rf \/var\/lib\/apt\/lists\/\*$/;
const TOOLCHAIN = /^npm\s+(install|i)\s+-g\s+pnpm@(\S+)$/;
const INSTALL = /^(pnpm\s+(install|i)\b|(bash\s+)?\.\/install_lib_packages\.sh\b)/;
const BUILD = /^pnpm\s+run\s+build/;

const replayCache = new Map<string, Promise<{ code: number; output: string; logged: string[] }>>();

function stagedFingerprint(root: string): string {
  const files: string[] = [];
  walk(root, '', files);
  const hash = createHash('sha256');
  for (const file of files.sort()) hash.update(`${file}\0${statSync(join(root, file)).size}\n`);
  return hash.digest('hex');
}

export async function replayNodeBuildStage(options: ReplayOptions): Promise<ReplayResult> {
  const stage = stageFor(parseDockerfile(options.dockerfile));
  const excluded = dockerignore(options.dockerignore);
  const nodeVersion = options.nodeVersion ?? imageNodeVersion(stage.from);
  const pinnedPnpm = stage.instructions.map((i) => /npm\s+install\s+-g\s+pnpm@(\S+)/.exec(i.args)?.[1]).find(Boolean);
  const pnpmVersion = options.pnpmVersion ?? pinnedPnpm ?? '';
  const problems: string[] = [];
  const steps: StepReport[] = [];
  if (!nodeVersion) problems.push(`FROM ${stage.from}: no exact Node.js version in the tag`);
  if (!pnpmVersion) problems.push('the build stage installs no pinned pnpm (npm install -g pnpm@<version>)');
  if (problems.length) return { ok: false, problems, steps, nodeVersion, pnpmVersion };
  const tools = await nodeToolchain(nodeVersion, pnpmVersion);

  const work = join(rehearsalDir(), 'replays', createHash('sha256').update(options.dockerfile).digest('hex').slice(0, 16));
  rmSync(work, { recursive: true, force: true });
  const root = join(work, 'fs');
  const shimDir = join(work, 'shim');
  const log = join(work, 'installs.log');
  mkdirSync(root, { recursive: true });
  writeShim(shimDir, tools, log);
  let workdir = '/';
  const env: Record<string, string> = {};

  for (const instruction of stage.instructions) {
    switch (instruction.keyword) {
      case 'WORKDIR':
        workdir = posix.resolve(workdir, instruction.args);
        mkdirSync(join(root, workdir), { recursive: true });
        break;
      case 'ENV':
        for (const [key, value] of envPairs(instruction.args)) env[key] = value;
        break;
      case 'COPY':
        problems.push(...stageCopy(root, workdir, instruction.args, options.context, excluded).map((p) => `line ${instruction.line}: COPY ${p}`));
        break;
      case 'RUN': {
        for (const segment of instruction.args.split(/\s*&&\s*/).map((s) => s.trim()).filter(Boolean)) {
          const report = (outcome: StepReport['outcome']): void => void steps.push({ line: instruction.line, command: segment, cwd: workdir, outcome });
          if (SYSTEM.test(segment)) report('system-packages');
          else if (TOOLCHAIN.test(segment)) report('toolchain');
          else if (BUILD.test(segment)) report('build-not-replayed');
          else if (INSTALL.test(segment)) {
            const cwd = join(root, workdir);
            const key = createHash('sha256').update(`${nodeVersion}\0${pnpmVersion}\0${workdir}\0${segment}\0${stagedFingerprint(root)}`).digest('hex');
            const cached = replayCache.has(key);
            if (!cached) {
              replayCache.set(
                key,
                (async () => {
                  writeFileSync(log, '');
                  const r = await execa('sh', ['-c', segment], {
                    cwd,
                    reject: false,
                    stdin: 'ignore',
                    all: true,
                    extendEnv: false,
                    env: { ...env, PATH: `${shimDir}:${tools.nodeBinDir}:/usr/local/bin:/usr/bin:/bin`, HOME: work, TERM: 'dumb', CI: 'true' },
                  });
                  // Image paths, so a cached result serves another replay's staging tree.
                  const logged = readFileSync(log, 'utf8').split('\n').filter(Boolean).map((dir) => `/${relative(root, dir)}`);
                  return { code: r.exitCode ?? -1, output: String(r.all ?? ''), logged };
                })(),
              );
            }
            const result = await replayCache.get(key)!;
            report(cached ? 'cached' : 'replayed');
            if (result.code !== 0) {
              problems.push(`line ${instruction.line}: \`${segment}\` in ${workdir} failed (exit ${result.code}) with pnpm ${pnpmVersion} on Node ${nodeVersion}:\n${result.output.split('\n').slice(-15).join('\n')}`);
            }
            if (result.logged.length === 0 && result.code === 0) problems.push(`line ${instruction.line}: \`${segment}\` ran no pnpm install`);
            for (const inImage of new Set(result.logged)) {
              for (const missing of missingLocalDeps(join(root, inImage), root)) problems.push(`line ${instruction.line}: pnpm install in ${inImage}: ${missing}`);
            }
          } else {
            problems.push(`line ${instruction.line}: the rehearsal does not know how to replay \`${segment}\` (teach test/support/rehearsal/replay.ts)`);
          }
        }
        break;
      }
      default:
        // ARG, LABEL, USER, EXPOSE, ... do not change what an install step sees.
        break;
    }
  }
  if (!steps.some((step) => step.outcome === 'replayed' || step.outcome === 'cached')) problems.push('the build stage has no install step to replay');
  return { ok: problems.length === 0, problems, steps, nodeVersion, pnpmVersion };
}
