/**
 * The generation pipeline shared by the Yeoman generator and the `gitmesh-devops` bin:
 * answers → model → rendered files → plan → writes through a mem-fs editor. Committing the
 * editor to disk is the caller's job (Yeoman does it after the run; the bin does it itself).
 */
import { readFileSync, rmdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MemFsEditor } from 'mem-fs-editor';
import { renderFiles } from './files/index.js';
import type { Answers } from './options.js';
import { OPTION_NAMES } from './options.js';
import { BASE_DIR, MANIFEST_PATH, nextBase, nextManifest, plan, summarize, WRITING_ACTIONS, type DesiredFile, type Manifest, type PlanEntry, type PlanSummary } from './planner.js';
import { prepare } from './prepare/index.js';
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

/** `.yo-rc.json` content: every answer, in declaration order, so a rerun asks nothing. */
export function yoRcContent(answers: Answers, existing: string | undefined): string {
  let other: Record<string, unknown> = {};
  if (existing) {
    try {
      other = JSON.parse(existing) as Record<string, unknown>;
    } catch {
      other = {};
    }
  }
  const ordered = Object.fromEntries(OPTION_NAMES.map((name) => [name, answers[name]]));
  return `${JSON.stringify({ ...other, [GENERATOR_NAME]: { answers: ordered } }, null, 2)}\n`;
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

/** Reads through the editor: mem-fs falls back to disk, and sees this run's pending writes. */
const reader = (editor: MemFsEditor, root: string) => (path: string): string | undefined => {
  const full = join(root, path);
  return editor.exists(full) ? editor.read(full) ?? undefined : undefined;
};

export function planRun(answers: Answers, editor: MemFsEditor, root: string, flags: PipelineFlags = {}): PlannedRun {
  const read = reader(editor, root);
  const model = prepare(answers);
  const desired: DesiredFile[] = [...renderFiles(model), { path: '.yo-rc.json', content: yoRcContent(answers, read('.yo-rc.json')) }];
  const manifestText = read(MANIFEST_PATH);
  const previous = manifestText ? (JSON.parse(manifestText) as Manifest) : undefined;
  const entries = plan({
    desired,
    readDisk: read,
    ...(previous ? { previous } : {}),
    readBase: (path) => read(`${BASE_DIR}/${path}`),
    resolve: yoResolver(read('.yo-resolve')),
    force: flags.force ?? false,
    restore: flags.restore ?? false,
  });
  const manifest = nextManifest(entries, previous, GENERATOR_NAME, GENERATOR_VERSION, (path) => read(`${BASE_DIR}/${path}`));
  return { entries, summary: summarize(entries), manifest, ...(previous ? { previous } : {}) };
}

/** The only place generated content is written: planned files, their merge bases, backups and the manifest. */
export function applyRun(run: PlannedRun, editor: MemFsEditor, root: string): void {
  const read = reader(editor, root);
  const write = (path: string, content: string, executable = false): void => {
    editor.write(join(root, path), content, executable ? ({ stat: { mode: 0o100755 } } as never) : undefined);
  };
  for (const entry of run.entries) {
    if (entry.action === 'force' && entry.before !== undefined && entry.backup !== undefined) write(entry.backup, entry.before);
    if (WRITING_ACTIONS.has(entry.action) && entry.write !== undefined) write(entry.path, entry.write, entry.executable);
    if (entry.action === 'delete') editor.delete(join(root, entry.path));
    const basePath = `${BASE_DIR}/${entry.path}`;
    const oldBase = read(basePath);
    const base = nextBase(entry, oldBase);
    if (base === undefined) {
      if (oldBase !== undefined) editor.delete(join(root, basePath));
    } else if (base !== oldBase) {
      write(basePath, base);
    }
  }
  const manifestText = `${JSON.stringify(run.manifest, null, 2)}\n`;
  if (read(MANIFEST_PATH) !== manifestText) write(MANIFEST_PATH, manifestText);
}

/** After deletions, remove the directories they left empty (so add-then-remove leaves no trace). */
export function pruneEmptyDirs(root: string, run: PlannedRun): void {
  for (const entry of run.entries) {
    if (entry.action !== 'delete') continue;
    for (const start of [entry.path, `${BASE_DIR}/${entry.path}`]) {
      for (let dir = dirname(start); dir !== '.' && dir !== ''; dir = dirname(dir)) {
        try {
          rmdirSync(join(root, dir));
        } catch {
          break; // not empty, or already gone
        }
      }
    }
  }
}
