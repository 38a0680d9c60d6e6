/**
 * Executes one planned run, the same way for `yo gitmesh-devops`, `yo gitmesh-devops:service` and the
 * bin: refuse a dirty tree, take the repo's lock, finish an interrupted run, plan, check every target,
 * then apply the plan as one transaction (repo-io.ts) or print the dry run. Yeoman's mem-fs never sees
 * our files, so its conflicter (the `Overwrite …? (ynarxdeih)` prompt) never runs: the planner has
 * already decided every file, and the yo path gives exactly the bin's result.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { unifiedDiff } from './diff.js';
import { RefusedError } from './errors.js';
import type { Answers } from './options.js';
import { EXIT_CONFLICTS, GENERATOR_VERSION, operationsOf, planRun, YO_RC, type PlannedRun } from './pipeline.js';
import { acquireLock, commitOperations, createReader, hasJournal, JOURNAL_PATH, preflight, recoverInterrupted } from './repo-io.js';
import { actionLines, countsLine, headerLines, summaryLines } from './report.js';
import { assertCleanTree } from './run-flags.js';
import type { RunFlags } from './session.js';

export type Log = (line: string) => void;

export interface RunOptions {
  /** Extra next steps (onboarding: the .env keys and secrets to set). */
  readonly notes?: readonly string[];
  /**
   * The .yo-rc.json text the answers were derived from (undefined: there was none). When another run
   * changed it in the meantime, this run's answers are stale and it is refused rather than undoing
   * the other run's work.
   */
  readonly basis?: { readonly yoRc: string | undefined };
}

const readYoRc = (cwd: string): string | undefined => {
  try {
    return readFileSync(join(cwd, YO_RC), 'utf8');
  } catch {
    return undefined;
  }
};

/**
 * Completes (or undoes) a run that was interrupted, before this run reads its answers: the answers a
 * completed run stored are then the ones this run starts from. A dry run only says so.
 */
export function finishInterruptedRun(cwd: string, flags: RunFlags, log: Log): void {
  if (flags.dryRun || !hasJournal(cwd)) return;
  const lock = acquireLock(cwd);
  try {
    report(recoverInterrupted(cwd), log);
  } finally {
    lock.release();
  }
}

function report(recovered: 'completed' | 'rolled-back' | undefined, log: Log): void {
  if (recovered) log(recovered === 'completed' ? 'An interrupted run was completed from its journal.' : 'An interrupted run was undone (it had not changed any file yet).');
}

export async function executeRun(cwd: string, answers: Answers, flags: RunFlags, log: Log, options: RunOptions = {}): Promise<number> {
  const context = { version: GENERATOR_VERSION, ...(options.notes ? { notes: options.notes } : {}) };
  if (flags.dryRun) {
    if (hasJournal(cwd)) log(`Note: an interrupted run left ${JOURNAL_PATH}; the next run completes or undoes it before anything else.`);
    const run = planRun(answers, createReader(cwd), flags);
    for (const line of headerLines(run, context)) log(line);
    printDryRun(run, cwd, log);
    return 0;
  }
  if (!flags.allowDirty) assertCleanTree(cwd);
  const lock = acquireLock(cwd);
  try {
    report(recoverInterrupted(cwd), log);
    if (options.basis && readYoRc(cwd) !== options.basis.yoRc) {
      throw new RefusedError('Not run', [`${YO_RC} changed while this run was starting (another run finished meanwhile): run again`]);
    }
    const reader = createReader(cwd);
    const run = planRun(answers, reader, flags);
    for (const line of headerLines(run, context)) log(line);
    const operations = operationsOf(run, reader);
    const problems = preflight(cwd, operations);
    if (problems.length) throw new RefusedError('Not run: these files cannot be written', problems);
    await commitOperations(cwd, operations);
    for (const line of actionLines(run.entries)) log(line);
    for (const line of summaryLines(run, context)) log(line);
    const { summary } = run;
    return summary.conflicts.length || summary.unresolved.length || summary.blocked.length ? EXIT_CONFLICTS : 0;
  } finally {
    lock.release();
  }
}

/** The plan and a patch of every file the run would change; `git apply` takes the patch as printed. */
export function printDryRun(run: PlannedRun, cwd: string, log: Log): void {
  log('Dry run: nothing was written. Plan:');
  for (const line of actionLines(run.entries)) log(line);
  const counts = countsLine(run);
  log(run.summary.changed ? `Plan summary: ${counts}.` : 'Nothing to change: the repo matches the answers.');
  for (const entry of run.entries) {
    if (entry.write === undefined && entry.action !== 'delete') continue;
    const executable = entry.action === 'delete' ? isExecutable(join(cwd, entry.path)) : Boolean(entry.executable);
    const diff = unifiedDiff({
      path: entry.path,
      ...(entry.before !== undefined ? { before: entry.before } : {}),
      ...(entry.action !== 'delete' ? { after: entry.write! } : {}),
      executable,
    });
    if (diff) log(diff);
  }
}

function isExecutable(path: string): boolean {
  try {
    return (statSync(path).mode & 0o111) !== 0;
  } catch {
    return false;
  }
}
