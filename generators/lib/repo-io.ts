/**
 * Every file system access of a run, in one module (the planner stays a pure decision function):
 *
 * - Reads (`createReader`) never follow a symlink and never decode bytes lossily: a path with a
 *   symlink in it, bytes that are not UTF-8, or a directory where a file goes are reported as such.
 * - The lock (`acquireLock`): `.gitmesh-devops/lock` holds the PID of the run; a second run is
 *   refused ("another run is in progress"), a lock whose process is dead is taken over.
 * - Preflight (`preflight`): every path the run will change is checked before the first write
 *   (symlinks, read-only files, directories in the way, unwritable directories), one line per problem.
 * - The transaction (`commitOperations`), in the spirit of a database journal:
 *     1. the plan goes to `.gitmesh-devops/journal.json` (state `staging`);
 *     2. each new content goes to a temp file in its target's directory, fsynced;
 *     3. the journal flips to `committed` (the commit point);
 *     4. the temp files are renamed over their targets in plan order, the manifest and .yo-rc.json
 *        last, deletions done, emptied directories removed, the journal removed.
 *   No file is ever truncated in place. `recoverInterrupted` finishes the job of a run killed in
 *   between: a committed journal is rolled forward, a staging one rolled back, so the next run
 *   always starts from either the state before or the state after the interrupted one.
 * - Test hooks (environment): GITMESH_DEVOPS_FAULT_AFTER_WRITES=N makes the run send itself
 *   GITMESH_DEVOPS_FAULT_SIGNAL (default SIGKILL) right after its N-th change of the file system;
 *   GITMESH_DEVOPS_WRITE_TRACE=FILE appends one line per change ("N op path").
 */
import { accessSync, appendFileSync, closeSync, constants, fsyncSync, linkSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmdirSync, unlinkSync, writeSync, type Stats } from 'node:fs';
import { copyFile, open } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { RefusedError, RunError } from './errors.js';
import { MANIFEST_PATH, repoPathProblem, STATE_DIR, type DiskFile } from './planner.js';

export const LOCK_PATH = `${STATE_DIR}/lock`;
export const JOURNAL_PATH = `${STATE_DIR}/journal.json`;
const TMP_SUFFIX = '.gitmesh-devops-tmp';

/** One change of the repo; the list is applied in order (the caller puts the manifest last). */
export type Operation =
  | { readonly op: 'write'; readonly path: string; readonly content: string; readonly executable?: boolean }
  /** A byte-for-byte copy of `from` as it is before the run (the --force backup). */
  | { readonly op: 'copy'; readonly path: string; readonly from: string }
  | { readonly op: 'delete'; readonly path: string };

// ------------------------------------------------------------------------------------ test hooks

let steps = 0;
const FAULT_AFTER = Number(process.env.GITMESH_DEVOPS_FAULT_AFTER_WRITES ?? 0);
const FAULT_SIGNAL = (process.env.GITMESH_DEVOPS_FAULT_SIGNAL ?? 'SIGKILL') as NodeJS.Signals;
const TRACE = process.env.GITMESH_DEVOPS_WRITE_TRACE;

/** Called right after each change of the file system. */
function step(op: string, path: string): void {
  steps += 1;
  if (TRACE) appendFileSync(TRACE, `${steps} ${op} ${path}\n`);
  if (steps === FAULT_AFTER) process.kill(process.pid, FAULT_SIGNAL);
}

// ------------------------------------------------------------------------------------ reading

const lstatOrUndefined = (path: string): Stats | undefined => {
  try {
    return lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw error;
  }
};

/** `fatal`: invalid UTF-8 throws instead of becoming U+FFFD; `ignoreBOM`: a BOM stays in the text. */
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** What is on the way to `path`: the first parent that is a symlink or not a directory. */
function parentProblem(root: string, path: string, stat: (rel: string) => Stats | undefined): DiskFile | 'missing' | undefined {
  const parts = path.split('/');
  for (let i = 1; i < parts.length; i += 1) {
    const prefix = parts.slice(0, i).join('/');
    const info = stat(prefix);
    if (!info) return 'missing';
    if (info.isSymbolicLink()) return { kind: 'symlink', at: prefix };
    if (!info.isDirectory()) return { kind: 'not-a-file', at: prefix };
  }
  void root;
  return undefined;
}

export interface RepoReader {
  /** The file at a repo-relative path, or undefined when nothing is there. */
  readonly file: (path: string) => DiskFile | undefined;
  /** The text of a regular UTF-8 file (state files: bases, .yo-resolve), else undefined. */
  readonly text: (path: string) => string | undefined;
}

/** Reads the repo without following a symlink anywhere below `root`. Directory lookups are cached per run. */
export function createReader(root: string): RepoReader {
  const dirs = new Map<string, Stats | undefined>();
  const stat = (rel: string): Stats | undefined => {
    if (!dirs.has(rel)) dirs.set(rel, lstatOrUndefined(join(root, rel)));
    return dirs.get(rel);
  };
  const file = (path: string): DiskFile | undefined => {
    const parent = parentProblem(root, path, stat);
    if (parent === 'missing') return undefined;
    if (parent) return parent;
    const full = join(root, path);
    const info = lstatOrUndefined(full);
    if (!info) return undefined;
    if (info.isSymbolicLink()) return { kind: 'symlink', at: path };
    if (!info.isFile()) return { kind: 'not-a-file', at: path };
    try {
      return { kind: 'text', text: UTF8.decode(readFileSync(full)) };
    } catch (error) {
      if (error instanceof TypeError) return { kind: 'binary' };
      throw new RefusedError('Not run', [`cannot read ${path}: ${(error as Error).message}`]);
    }
  };
  return {
    file,
    text: (path) => {
      const found = file(path);
      return found?.kind === 'text' ? found.text : undefined;
    },
  };
}

// ------------------------------------------------------------------------------------ lock

interface LockHolder {
  readonly pid: number;
  readonly host?: string;
  /** Start time of the process (Linux: /proc/<pid>/stat field 22), so a reused PID is not taken for the holder. */
  readonly started?: string;
}

function processStart(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[19];
  } catch {
    return undefined;
  }
}

function isAlive(holder: LockHolder): boolean {
  if (holder.host !== undefined && holder.host !== hostname()) return true; // another machine: cannot tell, assume it runs
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  const started = processStart(holder.pid);
  return holder.started === undefined || started === undefined || started === holder.started;
}

function readHolder(path: string): LockHolder | undefined {
  try {
    const data = JSON.parse(readFileSync(path, 'utf8')) as LockHolder;
    return Number.isInteger(data.pid) && data.pid > 0 ? data : undefined;
  } catch {
    return undefined;
  }
}

export interface Lock {
  readonly release: () => void;
}

/**
 * Takes `.gitmesh-devops/lock`. The lock file is created whole by link(2) from a private temp file,
 * so it never exists half-written; a holder that died (a killed run) is taken over.
 */
export function acquireLock(root: string): Lock {
  const createdRoot = !lstatOrUndefined(root);
  mkdirSync(root, { recursive: true });
  const stateDir = join(root, STATE_DIR);
  const state = lstatOrUndefined(stateDir);
  if (state?.isSymbolicLink()) throw new RefusedError('Not run', [`${STATE_DIR} is a symlink: the generator keeps its state inside the repo; replace it with a directory`]);
  if (state && !state.isDirectory()) throw new RefusedError('Not run', [`${STATE_DIR} is not a directory: move it away`]);
  const createdState = !state;
  if (createdState) mkdirSync(stateDir);
  const lockPath = join(root, LOCK_PATH);
  const me: LockHolder = { pid: process.pid, host: hostname(), ...(processStart(process.pid) ? { started: processStart(process.pid)! } : {}) };
  const tmp = join(stateDir, `lock.${process.pid}.tmp`);
  // Temp files of runs that died before linking theirs.
  for (const name of readdirSync(stateDir)) {
    const match = /^lock\.(\d+)\.(?:tmp|stale)$/.exec(name);
    if (match && Number(match[1]) !== process.pid && !isAlive({ pid: Number(match[1]) })) unlinkQuiet(join(stateDir, name));
  }
  const fd = openSync(tmp, 'w', 0o644);
  writeSync(fd, `${JSON.stringify(me)}\n`);
  fsyncSync(fd);
  closeSync(fd);
  const cleanup = (): void => {
    unlinkQuiet(tmp);
    if (createdState) rmdirQuiet(stateDir);
    if (createdRoot) rmdirQuiet(root);
  };
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      linkSync(tmp, lockPath);
      unlinkSync(tmp);
      step('lock', LOCK_PATH);
      return {
        release: () => {
          if (readHolder(lockPath)?.pid === process.pid) unlinkQuiet(lockPath);
          step('unlock', LOCK_PATH);
          if (createdState) rmdirQuiet(stateDir);
          if (createdRoot) rmdirQuiet(root);
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        cleanup();
        throw new RefusedError('Not run', [`cannot create ${LOCK_PATH}: ${(error as Error).message}`]);
      }
    }
    const holder = readHolder(lockPath);
    if (holder && isAlive(holder)) {
      cleanup();
      throw new RefusedError('Not run', [
        `another run is in progress (pid ${holder.pid}${holder.host && holder.host !== hostname() ? ` on ${holder.host}` : ''}); wait for it to finish. If no run is going on, delete ${LOCK_PATH}`,
      ]);
    }
    // Stale (its process is gone) or unreadable: move it aside, and make sure it was the one we judged.
    const aside = join(stateDir, `lock.${process.pid}.stale`);
    try {
      renameSync(lockPath, aside);
    } catch {
      continue; // someone else took it over first: try again
    }
    const moved = readHolder(aside);
    if (holder && moved && (moved.pid !== holder.pid || moved.started !== holder.started)) {
      // A live lock taken in between: put it back and give way.
      try {
        linkSync(aside, lockPath);
      } catch {
        // another run holds the lock again; it stays theirs
      }
      unlinkQuiet(aside);
      cleanup();
      throw new RefusedError('Not run', [`another run is in progress (pid ${moved.pid}); wait for it to finish`]);
    }
    unlinkQuiet(aside);
  }
  cleanup();
  throw new RefusedError('Not run', [`another run keeps taking ${LOCK_PATH}; wait for it to finish`]);
}

function unlinkQuiet(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

function rmdirQuiet(path: string): boolean {
  try {
    rmdirSync(path);
    return true;
  } catch {
    return false; // not empty, or gone
  }
}

// ------------------------------------------------------------------------------------ preflight

/**
 * Every problem that would stop an operation, found before the first write: one line each, naming
 * the path and what to do. The same directory problem is reported once.
 */
export function preflight(root: string, operations: readonly Operation[]): string[] {
  const problems = new Set<string>();
  const stats = new Map<string, Stats | undefined>();
  const stat = (rel: string): Stats | undefined => {
    if (!stats.has(rel)) stats.set(rel, lstatOrUndefined(join(root, rel)));
    return stats.get(rel);
  };
  const writable = new Map<string, boolean>();
  const canWriteIn = (rel: string): boolean => {
    if (!writable.has(rel)) {
      try {
        accessSync(join(root, rel), constants.W_OK | constants.X_OK);
        writable.set(rel, true);
      } catch {
        writable.set(rel, false);
      }
    }
    return writable.get(rel)!;
  };
  for (const operation of operations) {
    const { path } = operation;
    const bad = repoPathProblem(path);
    if (bad) {
      problems.add(`${JSON.stringify(path)} is not a path inside the repo (${bad})`);
      continue;
    }
    const parts = path.split('/');
    // The deepest directory that exists: new files go there (or below, in directories the run creates).
    let existing = '.';
    let blocked = false;
    for (let i = 1; i < parts.length; i += 1) {
      const prefix = parts.slice(0, i).join('/');
      const info = stat(prefix);
      if (!info) break;
      if (info.isSymbolicLink()) {
        problems.add(`${prefix} is a symlink: the generator never writes through one; replace it with a regular directory`);
        blocked = true;
        break;
      }
      if (!info.isDirectory()) {
        problems.add(`${prefix} is a file where ${path} needs a directory: move it away`);
        blocked = true;
        break;
      }
      existing = prefix;
    }
    if (blocked) continue;
    const target = stat(path);
    if (operation.op === 'delete') {
      if (target && !canWriteIn(existing)) problems.add(`cannot delete ${path}: ${existing === '.' ? 'the repo directory' : existing} is not writable`);
      continue;
    }
    if (target?.isSymbolicLink()) problems.add(`${path} is a symlink: the generator never writes through one; replace it with a regular file`);
    else if (target?.isDirectory()) problems.add(`${path} is a directory where the generator writes a file: move it away`);
    else if (target && !target.isFile()) problems.add(`${path} is not a regular file: move it away`);
    else if (target && (target.mode & 0o222) === 0) problems.add(`${path} is read-only: make it writable (chmod u+w ${path}), or see the change first with --dry-run`);
    else if (!canWriteIn(existing)) problems.add(`cannot create files in ${existing === '.' ? 'the repo directory' : existing}: permission denied`);
    if (operation.op === 'copy') {
      try {
        accessSync(join(root, operation.from), constants.R_OK);
      } catch {
        problems.add(`cannot read ${operation.from} to back it up`);
      }
    }
  }
  return [...problems];
}

// ------------------------------------------------------------------------------------ transaction

interface JournalOp {
  readonly op: 'write' | 'delete';
  readonly path: string;
}

interface Journal {
  readonly version: 1;
  readonly state: 'staging' | 'committed';
  readonly ops: readonly JournalOp[];
  /** Directories the run creates, parents first (removed again on roll-back). */
  readonly dirs: readonly string[];
}

/** The temp file of a target: in the same directory, so the rename stays on one file system. */
const tmpOf = (path: string): string => {
  const dir = dirname(path);
  const name = `.${path.slice(dir === '.' ? 0 : dir.length + 1)}${TMP_SUFFIX}`;
  return dir === '.' ? name : `${dir}/${name}`;
};

function fsyncPath(path: string): void {
  try {
    const fd = openSync(path, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // a directory that is gone (pruned) needs no sync
  }
}

function writeJournal(root: string, journal: Journal): void {
  const path = join(root, JOURNAL_PATH);
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w', 0o644);
  writeSync(fd, `${JSON.stringify(journal)}\n`);
  fsyncSync(fd);
  closeSync(fd);
  renameSync(tmp, path);
  fsyncPath(join(root, STATE_DIR));
}

/** Directories that do not exist yet and that the operations need, parents first. */
function missingDirs(root: string, operations: readonly Operation[]): string[] {
  const needed = new Set<string>();
  for (const operation of operations) {
    if (operation.op === 'delete') continue;
    for (let dir = dirname(operation.path); dir !== '.'; dir = dirname(dir)) {
      if (needed.has(dir)) break;
      if (lstatOrUndefined(join(root, dir))) break;
      needed.add(dir);
    }
  }
  return [...needed].sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b));
}

/** Mode of a new content: the existing file's permissions (plus x when executable), else 644/755 under the umask. */
function modeFor(root: string, operation: Operation): { mode: number; owner?: { uid: number; gid: number } } {
  const existing = lstatOrUndefined(join(root, operation.path));
  const executable = operation.op === 'write' && operation.executable === true;
  if (existing?.isFile()) {
    const mode = (existing.mode & 0o7777) | (executable ? 0o111 : 0);
    return { mode, ...(process.getuid?.() === 0 ? { owner: { uid: existing.uid, gid: existing.gid } } : {}) };
  }
  return { mode: executable ? 0o755 : 0o644 };
}

async function stage(root: string, operation: Operation): Promise<void> {
  if (operation.op === 'delete') return;
  const tmp = join(root, tmpOf(operation.path));
  const { mode, owner } = modeFor(root, operation);
  if (operation.op === 'copy') await copyFile(join(root, operation.from), tmp);
  const handle = await open(tmp, operation.op === 'copy' ? 'r+' : 'w', mode);
  try {
    if (operation.op === 'write') await handle.writeFile(operation.content);
    // Existing files keep their permissions exactly (open's mode passes through the umask).
    if (operation.op === 'copy' || lstatOrUndefined(join(root, operation.path))) await handle.chmod(mode);
    if (owner) await handle.chown(owner.uid, owner.gid);
    await handle.datasync();
  } finally {
    await handle.close();
  }
  step('stage', operation.path);
}

/** Stages with a few writes in flight at once: fsync of many small files is the slow part. */
async function stageAll(root: string, operations: readonly Operation[]): Promise<void> {
  const queue = [...operations];
  const worker = async (): Promise<void> => {
    for (let next = queue.shift(); next; next = queue.shift()) await stage(root, next);
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

/**
 * Applies the operations as one transaction (see the module comment). Errors before the commit
 * point roll everything back; an error after it leaves the journal for the next run to complete.
 */
export async function commitOperations(root: string, operations: readonly Operation[]): Promise<void> {
  if (!operations.length) return;
  const journal: Journal = { version: 1, state: 'staging', ops: operations.map((o) => ({ op: o.op === 'delete' ? 'delete' : 'write', path: o.path })), dirs: missingDirs(root, operations) };
  writeJournal(root, journal);
  step('journal', JOURNAL_PATH);
  try {
    for (const dir of journal.dirs) {
      mkdirSync(join(root, dir));
      step('mkdir', dir);
    }
    await stageAll(root, operations);
    for (const dir of new Set(operations.filter((o) => o.op !== 'delete').map((o) => dirname(o.path)))) fsyncPath(join(root, dir));
  } catch (error) {
    rollBack(root, journal);
    throw new RefusedError('Not run', [`writing failed, and everything this run staged was removed: ${(error as Error).message}`]);
  }
  writeJournal(root, { ...journal, state: 'committed' });
  step('commit', JOURNAL_PATH);
  try {
    rollForward(root, journal);
  } catch (error) {
    throw new RunError('Interrupted', [`${(error as Error).message}`, `the plan is in ${JOURNAL_PATH}: fix the cause and run again to complete it`], true);
  }
}

function rollForward(root: string, journal: Journal): void {
  const touched = new Set<string>();
  for (const { op, path } of journal.ops) {
    const full = join(root, path);
    if (op === 'write') {
      try {
        renameSync(join(root, tmpOf(path)), full);
      } catch (error) {
        // Renamed already, before an interruption.
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        continue;
      }
      step('rename', path);
    } else {
      const info = lstatOrUndefined(full);
      if (!info) continue;
      unlinkSync(full);
      step('delete', path);
    }
    touched.add(dirname(path));
  }
  // Directories the deletions left empty go too (an add-then-remove leaves no trace).
  for (const { op, path } of journal.ops) {
    if (op !== 'delete') continue;
    for (let dir = dirname(path); dir !== '.' && dir !== STATE_DIR; dir = dirname(dir)) {
      try {
        rmdirSync(join(root, dir));
      } catch (error) {
        // Gone already (an interrupted run pruned it): its parent may still be empty.
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
        break; // not empty
      }
      step('rmdir', dir);
      touched.add(dirname(dir));
    }
  }
  for (const dir of touched) fsyncPath(join(root, dir));
  unlinkSync(join(root, JOURNAL_PATH));
  fsyncPath(join(root, STATE_DIR));
  step('done', JOURNAL_PATH);
}

function rollBack(root: string, journal: Journal): void {
  for (const { op, path } of journal.ops) if (op === 'write') unlinkQuiet(join(root, tmpOf(path)));
  for (const dir of [...journal.dirs].reverse()) rmdirQuiet(join(root, dir));
  unlinkQuiet(join(root, JOURNAL_PATH));
  fsyncPath(join(root, STATE_DIR));
  step('rollback', JOURNAL_PATH);
}

export const hasJournal = (root: string): boolean => lstatOrUndefined(join(root, JOURNAL_PATH)) !== undefined;

/**
 * Finishes an interrupted run (call it holding the lock): a committed journal is applied to the end,
 * a staging one undone. The journal is checked like the manifest: paths inside the repo, no symlinks.
 */
export function recoverInterrupted(root: string): 'completed' | 'rolled-back' | undefined {
  unlinkQuiet(join(root, `${JOURNAL_PATH}.tmp`));
  if (!hasJournal(root)) return undefined;
  let journal: Journal;
  try {
    journal = JSON.parse(readFileSync(join(root, JOURNAL_PATH), 'utf8')) as Journal;
  } catch (error) {
    throw new RefusedError('Not run', [`${JOURNAL_PATH} (left by an interrupted run) is not readable: ${(error as Error).message}; restore the repo from git and delete it`]);
  }
  const reader = createReader(root);
  const problems: string[] = [];
  if (journal?.version !== 1 || !['staging', 'committed'].includes(journal.state) || !Array.isArray(journal.ops) || !Array.isArray(journal.dirs)) {
    problems.push(`${JOURNAL_PATH} is not a journal of this generator: restore the repo from git and delete it`);
  } else {
    for (const path of [...journal.ops.map((o) => o?.path), ...journal.dirs]) {
      const why = repoPathProblem(path);
      if (why) problems.push(`${JOURNAL_PATH}: ${JSON.stringify(path)} is not a path inside the repo (${why})`);
      else {
        const found = reader.file(path as string);
        if (found?.kind === 'symlink') problems.push(`${JOURNAL_PATH}: ${found.at} is a symlink: the generator never writes through one`);
      }
    }
    if (journal.ops.some((o) => o.op !== 'write' && o.op !== 'delete')) problems.push(`${JOURNAL_PATH} holds an unknown operation`);
  }
  if (problems.length) throw new RefusedError('Not run', problems.slice(0, 20));
  if (journal.state === 'committed') {
    rollForward(root, journal);
    return 'completed';
  }
  rollBack(root, journal);
  return 'rolled-back';
}

export { MANIFEST_PATH };
