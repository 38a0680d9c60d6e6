/**
 * The environment contract of a GitMesh CE service, extracted from the pinned tree at test time (never
 * hand-copied): which variables its code can read, and which it refuses to start without.
 *
 * Reads:
 * - node-config's `config/custom-environment-variables.json` of the backend or of the app;
 * - every `process.env.X` / `process.env['X']` in its own sources, in services/libs and (apps) in
 *   services/archetypes, tests excluded;
 * - the variables its npm start script sets (SERVICE, TS_NODE_TRANSPILE_ONLY, TEMPORAL_TASKQUEUE);
 * - Python: `os.environ.get("X")`, `os.environ["X"]`, `"X" in os.environ`;
 * - the frontend: the placeholders frontend/scripts/docker-entrypoint.sh substitutes.
 *
 * Requires: what the archetypes check at start (services/archetypes/standard|worker|consumer), for
 * apps built on them: the archetype's base list, the lists its config enables, and the app's own
 * `envvars`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CatalogEntry } from '../../../generators/lib/catalog.js';
import type { UpstreamSnapshot } from '../upstream.js';

function sourceFiles(root: string, dir: string, extensions: RegExp, out: string[] = []): string[] {
  const abs = join(root, dir);
  if (!existsSync(abs)) return out;
  for (const entry of readdirSync(abs, { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) {
      if (['node_modules', '__tests__', 'test', 'tests', 'dist', 'venv'].includes(entry.name)) continue;
      sourceFiles(root, path, extensions, out);
    } else if (extensions.test(entry.name) && !/\.(test|spec)\.[jt]s$|^test_/.test(entry.name)) out.push(path);
  }
  return out;
}

const fileCache = new Map<string, Set<string>>();

/** `process.env` reads in every source file under `dirs`. */
function nodeReads(up: UpstreamSnapshot, dirs: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const dir of dirs) {
    let reads = fileCache.get(dir);
    if (!reads) {
      reads = new Set<string>();
      for (const file of sourceFiles(up.root, dir, /\.(ts|js|mjs|cjs)$/)) {
        for (const m of up.read(file).matchAll(/process\.env(?:\.([A-Z_][A-Z0-9_]*)|\[\s*['"`]([A-Z_][A-Z0-9_]*)['"`]\s*\])/g)) reads.add(m[1] ?? m[2]);
      }
      fileCache.set(dir, reads);
    }
    for (const name of reads) out.add(name);
  }
  return out;
}

/** Every variable name a node-config custom-environment-variables.json maps (plain or `__name`). */
export function configVariables(json: unknown): Set<string> {
  const out = new Set<string>();
  const walk = (node: unknown): void => {
    if (typeof node === 'string') out.add(node);
    else if (node && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      if (typeof record.__name === 'string') out.add(record.__name);
      else for (const value of Object.values(record)) walk(value);
    }
  };
  walk(json);
  return out;
}

function startScriptVariables(up: UpstreamSnapshot, packageJson: string, script: string): Set<string> {
  const pkg = JSON.parse(up.read(packageJson)) as { scripts?: Record<string, string> };
  const command = pkg.scripts?.[script];
  if (!command) throw new Error(`${packageJson} has no script ${script}`);
  return new Set([...command.matchAll(/(?:^|\s)([A-Z_][A-Z0-9_]*)=/g)].map((m) => m[1]));
}

/** `const envvars = { base: ['A', ...], producer: [...] }` of an archetype. */
function archetypeLists(up: UpstreamSnapshot, name: string): Record<string, string[]> {
  const text = up.read(`services/archetypes/${name}/src/index.ts`);
  const block = /const envvars = \{([\s\S]*?)\n\}/.exec(text)?.[1];
  if (!block) throw new Error(`services/archetypes/${name}/src/index.ts: no envvars block`);
  const lists: Record<string, string[]> = {};
  for (const m of block.matchAll(/(\w+):\s*\[([^\]]*)\]/g)) lists[m[1]] = [...m[2].matchAll(/'([A-Z_][A-Z0-9_]*)'/g)].map((x) => x[1]);
  return lists;
}

/** What an app built on an archetype refuses to start without; undefined when it uses none. */
export function archetypeRequires(up: UpstreamSnapshot, appDir: string): { required: Set<string>; cite: string } | undefined {
  const mainPath = `${appDir}/src/main.ts`;
  const main = up.read(mainPath);
  const kind = /new (ServiceWorker|ServiceConsumer|Service)\(/.exec(main)?.[1];
  if (!kind) return undefined;
  const enabled = (section: string): boolean => new RegExp(`${section}:\\s*\\{\\s*enabled:\\s*true`).test(main);
  const own = /envvars:\s*\[([^\]]*)\]/.exec(main)?.[1] ?? '';
  const standard = archetypeLists(up, 'standard');
  const required = new Set<string>([...standard.base, ...[...own.matchAll(/'([A-Z_][A-Z0-9_]*)'/g)].map((m) => m[1])]);
  if (enabled('producer')) standard.producer.forEach((v) => required.add(v));
  if (enabled('temporal')) standard.temporal.forEach((v) => required.add(v));
  if (enabled('redis')) standard.redis.forEach((v) => required.add(v));
  if (kind === 'ServiceWorker') {
    const worker = archetypeLists(up, 'worker');
    worker.worker.forEach((v) => required.add(v));
    if (enabled('postgres')) worker.postgres.forEach((v) => required.add(v));
  }
  if (kind === 'ServiceConsumer') archetypeLists(up, 'consumer').consumer.forEach((v) => required.add(v));
  return { required, cite: up.cite(mainPath, `new ${kind}(`) };
}

export interface ServiceContract {
  readonly reads: ReadonlySet<string>;
  /** Variable → where upstream requires it. */
  readonly requires: ReadonlyMap<string, string>;
}

export function contractOf(up: UpstreamSnapshot, entry: CatalogEntry): ServiceContract {
  const reads = new Set<string>();
  const requires = new Map<string, string>();
  const add = (names: Iterable<string>): void => {
    for (const name of names) reads.add(name);
  };
  switch (entry.workspace) {
    case 'backend': {
      add(configVariables(JSON.parse(up.read('backend/config/custom-environment-variables.json'))));
      add(nodeReads(up, ['backend/src', 'services/libs']));
      add(startScriptVariables(up, 'backend/package.json', `start:${entry.name}`));
      break;
    }
    case 'services': {
      const cev = `${entry.source}/config/custom-environment-variables.json`;
      if (existsSync(join(up.root, cev))) add(configVariables(JSON.parse(up.read(cev))));
      add(nodeReads(up, [`${entry.source}/src`, 'services/libs', 'services/archetypes']));
      add(startScriptVariables(up, `${entry.source}/package.json`, 'start'));
      const archetype = archetypeRequires(up, entry.source);
      if (archetype) for (const name of archetype.required) requires.set(name, archetype.cite);
      break;
    }
    case 'python': {
      for (const file of sourceFiles(up.root, entry.source, /\.py$/)) {
        for (const m of up.read(file).matchAll(/os\.environ(?:\.get\(\s*["']([A-Z_][A-Z0-9_]*)["']|\[\s*["']([A-Z_][A-Z0-9_]*)["']\s*\])|["']([A-Z_][A-Z0-9_]*)["']\s+in\s+os\.environ/g)) reads.add(m[1] ?? m[2] ?? m[3]);
      }
      break;
    }
    case 'frontend': {
      const script = up.read('frontend/scripts/docker-entrypoint.sh');
      const list = /declare -a ENV_VARIABLES=\(([\s\S]*?)\)/.exec(script)?.[1] ?? '';
      add([...list.matchAll(/"([A-Z_][A-Z0-9_]*)"/g)].map((m) => m[1]));
      break;
    }
    default:
      break;
  }
  return { reads, requires };
}
