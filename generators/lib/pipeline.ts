/**
 * The generation pipeline shared by the Yeoman generator and the `gitmesh-devops` bin:
 * answers → model → rendered files → plan → the list of operations that repo-io.ts applies as one
 * transaction. Nothing here writes; reads go through a `RepoReader`.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RefusedError } from './errors.js';
import { renderFiles } from './files/index.js';
import type { Answers } from './options.js';
import { OPTION_NAMES } from './options.js';
import { BASE_DIR, MANIFEST_PATH, nextBase, nextManifest, parseManifest, plan, repoPathProblem, summarize, WRITING_ACTIONS, type DesiredFile, type Manifest, type PlanEntry, type PlanSummary } from './planner.js';
import { prepare } from './prepare/index.js';
import type { Operation, RepoReader } from './repo-io.js';
import { yoResolver } from './yo-resolve.js';

export const GENERATOR_NAME = 'generator-gitmesh-devops';
export const GENERATOR_VERSION: string = JSON.parse(readFileSync(join(findPackageRoot(), 'package.json'), 'utf8')).version;

/** Exit status when a run wrote conflict markers: distinct from success (0) and errors (1). */
export const EXIT_CONFLICTS = 3;

function findPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i += 1, dir = dirname(dir)) {
    try {
      if (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name === 'generator-gitmesh-devops') return dir;
    } catch {
      // keep walking up
    }
  }
  throw new Error('package root not found');
}

export interface PipelineFlags {
  readonly force?: boolean;
  readonly restore?: boolean;
}

export const YO_RC = '.yo-rc.json';

/** `.yo-rc.json` content: every answer, in declaration order, so a rerun asks nothing. Other keys are kept. */
export function yoRcContent(answers: Answers, existing: string | undefined): string {
  let other: Record<string, unknown> = {};
  if (existing) {
    try {
      const parsed = JSON.parse(existing) as unknown;
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) other = parsed as Record<string, unknown>;
    } catch {
      other = {};
    }
  }
  const ours = typeof other[GENERATOR_NAME] === 'object' && other[GENERATOR_NAME] !== null ? (other[GENERATOR_NAME] as Record<string, unknown>) : {};
  const ordered = Object.fromEntries(OPTION_NAMES.map((name) => [name, answers[name]]));
  return `${JSON.stringify({ ...other, [GENERATOR_NAME]: { ...ours, answers: ordered } }, null, 2)}\n`;
}

export function storedAnswers(yoRc: string | undefined): Record<string, unknown> | undefined {
  if (!yoRc) return undefined;
  const parsed = JSON.parse(yoRc) as Record<string, { answers?: Record<string, unknown> }>;
  return parsed[GENERATOR_NAME]?.answers;
}

export interface PlannedRun {
  readonly entries: readonly PlanEntry[];
  readonly summary: PlanSummary;
  readonly manifest: Manifest;
  readonly previous?: Manifest;
}

/** The previous run's manifest, refused whole (with one line per problem) when it cannot be trusted. */
function previousManifest(reader: RepoReader): Manifest | undefined {
  const found = reader.file(MANIFEST_PATH);
  if (found === undefined) return undefined;
  const heading = "Not run: the generator's record of this repo is damaged";
  if (found.kind === 'symlink') throw new RefusedError(heading, [`${found.at} is a symlink: the generator keeps its state inside the repo`]);
  if (found.kind === 'not-a-file') throw new RefusedError(heading, [`${found.at === MANIFEST_PATH ? MANIFEST_PATH : found.at} is a directory or not a regular file: restore ${MANIFEST_PATH} from git (git checkout -- ${MANIFEST_PATH})`]);
  if (found.kind === 'binary') throw new RefusedError(heading, [`${MANIFEST_PATH} is not UTF-8 text: restore it from git (git checkout -- ${MANIFEST_PATH})`]);
  const parsed = parseManifest(found.text);
  if (parsed.problems.length) throw new RefusedError(heading, parsed.problems);
  return parsed.manifest;
}

export function planRun(answers: Answers, reader: RepoReader, flags: PipelineFlags = {}): PlannedRun {
  const model = prepare(answers);
  const desired: DesiredFile[] = [...renderFiles(model), { path: YO_RC, content: yoRcContent(answers, reader.text(YO_RC)), policy: 'state' }];
  for (const file of desired) {
    const why = repoPathProblem(file.path);
    if (why) throw new Error(`a template produced the path ${JSON.stringify(file.path)} (${why})`);
  }
  const previous = previousManifest(reader);
  const readBase = (path: string): string | undefined => reader.text(`${BASE_DIR}/${path}`);
  const entries = plan({
    desired,
    readDisk: reader.file,
    ...(previous ? { previous } : {}),
    readBase,
    resolve: yoResolver(reader.text('.yo-resolve')),
    force: flags.force ?? false,
    restore: flags.restore ?? false,
  });
  const manifest = nextManifest(entries, previous, GENERATOR_NAME, GENERATOR_VERSION, readBase);
  return { entries, summary: summarize(entries), manifest, ...(previous ? { previous } : {}) };
}

/**
 * The run as operations, in the order they land: backups, files, merge bases, then .yo-rc.json and
 * the manifest last (an interrupted run never leaves a manifest that describes files not yet written).
 * A run that changes nothing gives no operation at all.
 */
export function operationsOf(run: PlannedRun, reader: RepoReader): Operation[] {
  const backups: Operation[] = [];
  const files: Operation[] = [];
  const bases: Operation[] = [];
  const last: Operation[] = [];
  for (const entry of run.entries) {
    if (entry.action === 'force' && entry.backup !== undefined) backups.push({ op: 'copy', path: entry.backup, from: entry.path });
    if (WRITING_ACTIONS.has(entry.action) && entry.write !== undefined) {
      (entry.path === YO_RC ? last : files).push({ op: 'write', path: entry.path, content: entry.write, ...(entry.executable ? { executable: true } : {}) });
    }
    if (entry.action === 'delete') files.push({ op: 'delete', path: entry.path });
    const basePath = `${BASE_DIR}/${entry.path}`;
    const oldBase = reader.text(basePath);
    const base = nextBase(entry, oldBase);
    if (base === undefined) {
      if (reader.file(basePath) !== undefined && entry.action === 'delete') bases.push({ op: 'delete', path: basePath });
    } else if (base !== oldBase) {
      bases.push({ op: 'write', path: basePath, content: base });
    }
  }
  const manifestText = `${JSON.stringify(run.manifest, null, 2)}\n`;
  if (reader.text(MANIFEST_PATH) !== manifestText) last.push({ op: 'write', path: MANIFEST_PATH, content: manifestText });
  return [...backups, ...files, ...bases, ...last];
}
